"""ExpirePointsFunction: the daily run that expires the points of lots whose day has ended (EventBridge Scheduler)."""

from loyalty.entrypoints import jobs

handler = jobs.scheduled_handler(["expire"], answer="expire")
