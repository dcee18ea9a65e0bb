"""AccrualConsumerFunction: the accrual queue's consumer, the same services as the API one SQS record at a
time (orders, refunds, and the platform webhooks the integration route verified and queued). What it
does with a record: loyalty.entrypoints.consumers.accrual."""

from loyalty.entrypoints.consumers import accrual

handler = accrual.handler()
