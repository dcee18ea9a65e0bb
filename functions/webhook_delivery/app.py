"""WebhookDeliveryFunction: the webhook delivery queue's consumer (SQS FIFO), one signed POST per message
(loyalty.entrypoints.consumers.deliveries)."""

from loyalty.entrypoints.consumers import deliveries

handler = deliveries.handler()
