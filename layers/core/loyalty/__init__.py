"""Shared code of the loyalty platform, packaged as the Lambda layer.

Rooms: ``domain`` (pure rules), ``models`` (pydantic shapes), ``store`` (the only DynamoDB code),
``services`` (use cases), ``adapters`` (clock, SES and other edges) and ``http`` (the one place that
turns exceptions into problem+json answers).
"""
