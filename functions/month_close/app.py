"""MonthCloseFunction: on the 1st of each month (EventBridge Scheduler), freezes the roll-forward of the
month that just ended, so the books a finance team closed never move (a later correction is a movement
of the month it is made in)."""

from loyalty.entrypoints import jobs

handler = jobs.job_handler(jobs.close_month)
