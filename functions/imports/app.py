"""Bulk import routes (scope admin): start an import (a presigned upload URL) and follow it."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.params import ClientIdPath
from loyalty.entrypoints.routes import acting_key, answered, created_doc
from loyalty.models.imports import ImportCreated, ImportReport, ImportRequest

if TYPE_CHECKING:
    from loyalty.services import imports
else:  # imported on first use: see loyalty.entrypoints.lazy
    imports = lazy.module("loyalty.services.imports")

app = api(tags=["admin"])


@app.post(
    "/v1/admin/imports",
    summary="Start a bulk import: where to PUT the JSON lines file",
    responses=created_doc("Created (200: the same import again, with a fresh URL)", ImportCreated),
)
def create_import(body: Annotated[ImportRequest, Body()]) -> Response[ImportCreated]:
    created, new = imports.create(body.import_id, acting_key(app))
    return answered(created, new, f"/v1/admin/imports/{created.import_id}")


@app.get("/v1/admin/imports/<import_id>", summary="An import's progress and rejected lines")
def get_import(import_id: ClientIdPath) -> ImportReport:
    return imports.report(import_id)


handler = http_handler(app)
