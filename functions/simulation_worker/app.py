"""SimulationWorkerFunction: the imports bucket's upload event under simulations/ runs that simulation
(loyalty.entrypoints.consumers.simulations)."""

from loyalty.entrypoints.consumers import simulations

handler = simulations.handler()
