"""MaturePointsFunction: the daily run that makes pending points available (EventBridge Scheduler), and
fails the platform refunds held for an order that did not come in time (the same index, GSI2)."""

from loyalty.entrypoints import jobs

handler = jobs.scheduled_handler(["mature", "fail_held"], answer="mature")
