"""ReminderEmailsFunction: the daily re-engagement emails (EventBridge Scheduler) - reminders of points
about to expire, then dormant members. One member's email at most per cooldown, whichever comes first."""

from loyalty.entrypoints import jobs

# One email per member per cooldown: whichever job claims it first.
handler = jobs.scheduled_handler(["remind_expiring", "remind_dormant"])
