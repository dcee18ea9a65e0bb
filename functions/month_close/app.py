"""MonthCloseFunction: daily (EventBridge Scheduler), freezes the roll-forward of the month that ended once
the books kept from the table's stream hold its every write, so the books a finance team closed never move
(a later correction is a movement of the month it is made in); until then a run freezes nothing and the
next one tries again."""

from loyalty.entrypoints import jobs

handler = jobs.job_handler(jobs.close_month)
