"""What-if simulation routes (scope admin): start one (a presigned upload URL for the orders) and read it."""

from typing import TYPE_CHECKING, Annotated

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.openapi.params import Body

from loyalty.entrypoints import lazy
from loyalty.entrypoints.handlers import api, http_handler
from loyalty.entrypoints.params import ClientIdPath
from loyalty.entrypoints.routes import acting_key, answered, created_doc
from loyalty.models.simulations import SimulationCreated, SimulationReport, SimulationRequest

if TYPE_CHECKING:
    from loyalty.services import simulations
else:  # imported on first use: see loyalty.entrypoints.lazy
    simulations = lazy.module("loyalty.services.simulations")

app = api(tags=["admin"])


@app.post(
    "/v1/admin/simulations",
    summary="Start a what-if simulation: where to PUT the orders file",
    responses=created_doc("Created (200: the same simulation again, with a fresh URL)", SimulationCreated),
)
def create_simulation(body: Annotated[SimulationRequest, Body()]) -> Response[SimulationCreated]:
    created, new = simulations.create(body.simulation_id, body.program, acting_key(app))
    return answered(created, new, f"/v1/admin/simulations/{created.simulation_id}")


@app.get("/v1/admin/simulations/<simulation_id>", summary="A simulation's state and, once run, its answer")
def get_simulation(simulation_id: ClientIdPath) -> SimulationReport:
    return simulations.report(simulation_id)


handler = http_handler(app)
