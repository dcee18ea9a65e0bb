"""CORS as the HTTP API answers it, for the local gateway.

Deployed, the HttpApi's CorsConfiguration allows the console's origin and the shops the WidgetOrigins
parameter names; API Gateway answers every preflight (OPTIONS with Origin and
Access-Control-Request-Method) itself, without the authorizer or a route, and adds the allowed origin to
the routes' answers. Locally the console is served by the gateway itself (same origin: no CORS), so the
origins are those of the environment variable WIDGET_ORIGINS (comma-separated), and the rest of the
configuration (headers, methods, exposed headers, max age) is the template's.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

from local.apigw import HttpResponse, Request

ENVIRONMENT = "WIDGET_ORIGINS"


@dataclass(frozen=True)
class Cors:
    origins: frozenset[str]
    allow_headers: tuple[str, ...] = ()
    allow_methods: tuple[str, ...] = ()
    expose_headers: tuple[str, ...] = ()
    max_age: int | None = None

    @classmethod
    def of(cls, configuration: dict[str, Any] | None, widget_origins: str | None = None) -> Cors:
        """The template's CorsConfiguration (its literal lists; the origins come from ``widget_origins``,
        else WIDGET_ORIGINS)."""
        raw = widget_origins if widget_origins is not None else os.environ.get(ENVIRONMENT, "")
        origins = frozenset(origin.strip().rstrip("/") for origin in raw.split(",") if origin.strip())
        config = configuration or {}

        def words(name: str) -> tuple[str, ...]:
            value = config.get(name)
            return tuple(str(item) for item in value) if isinstance(value, list) else ()

        max_age = config.get("MaxAge")
        return cls(
            origins,
            words("AllowHeaders"),
            words("AllowMethods"),
            words("ExposeHeaders"),
            int(max_age) if isinstance(max_age, int) else None,
        )

    def allowed(self, request: Request) -> str | None:
        origin = _header(request, "origin")
        return origin if origin is not None and origin.rstrip("/") in self.origins else None

    def preflight(self, request: Request) -> HttpResponse | None:
        """API Gateway's own answer to a preflight, or None when the request is not one."""
        if request.method != "OPTIONS" or _header(request, "access-control-request-method") is None:
            return None
        if _header(request, "origin") is None:
            return None
        headers: list[tuple[str, str]] = []
        origin = self.allowed(request)
        if origin is not None:
            headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
            if self.allow_methods:
                headers.append(("Access-Control-Allow-Methods", ",".join(self.allow_methods)))
            if self.allow_headers:
                headers.append(("Access-Control-Allow-Headers", ",".join(self.allow_headers)))
            if self.max_age is not None:
                headers.append(("Access-Control-Max-Age", str(self.max_age)))
        return HttpResponse(204, headers)

    def decorate(self, request: Request, response: HttpResponse) -> HttpResponse:
        """A route's answer with the CORS headers an allowed origin gets."""
        origin = self.allowed(request)
        if origin is None:
            return response
        response.headers += [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
        if self.expose_headers:
            response.headers.append(("Access-Control-Expose-Headers", ",".join(self.expose_headers)))
        return response


def _header(request: Request, name: str) -> str | None:
    return next((value for key, value in request.headers if key.lower() == name), None)
