"""EventPublisherFunction: the table stream's consumer, each member write's outbox to EventBridge and the
webhook deliveries, each completed referral credited (loyalty.entrypoints.consumers.stream)."""

from loyalty.entrypoints.consumers import stream

handler = stream.handler()
