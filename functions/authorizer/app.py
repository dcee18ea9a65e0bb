"""AuthorizerFunction: the HTTP API's Lambda authorizer, which never denies and tells the routes the key's
scope (loyalty.entrypoints.authorizer)."""

from loyalty.entrypoints import authorizer

handler = authorizer.handler()
