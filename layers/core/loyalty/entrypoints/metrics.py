"""CloudWatch metric names in one place, shared by the API and the queue consumer."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from aws_lambda_powertools import Metrics, single_metric
from aws_lambda_powertools.metrics import MetricUnit

from loyalty.domain.errors import Conflict

if TYPE_CHECKING:
    # Types only: at run time, importing all three services would make the Orders function load the
    # redemption service (and the Redemptions function the accrual one) during its init, for nothing.
    from loyalty.services.accrual import Accrued
    from loyalty.services.redemptions import Redeemed
    from loyalty.services.refunds import Refunded


def accrued(sink: Metrics, outcome: Accrued) -> None:
    _written(sink, outcome.created, "OrderReplays", OrdersAccrued=1, PointsEarned=outcome.result.points)


def refunded(sink: Metrics, outcome: Refunded) -> None:
    _written(sink, outcome.created, "RefundReplays", Refunds=1, PointsReversed=outcome.result.points_reversed)


def redeemed(sink: Metrics, outcome: Redeemed) -> None:
    _written(sink, outcome.created, "RedemptionReplays", Redemptions=1, PointsRedeemed=outcome.result.points_spent)


def _written(sink: Metrics, created: bool, replay: str, **counts: int) -> None:
    """A write's metrics: its ``counts`` when it was made, one ``replay`` when it was one."""
    for name, value in (counts if created else {replay: 1}).items():
        sink.add_metric(name=name, unit=MetricUnit.Count, value=value)


@contextmanager
def refusals_counted(sink: Metrics) -> Iterator[None]:
    """Count a redemption the rules refused (insufficient_points, out_of_stock, ...) by its reason."""
    try:
        yield
    except Conflict as refused:
        redemption_failed(sink, refused.code)
        raise


def redemption_failed(sink: Metrics, reason: str) -> None:
    """Failures by reason (insufficient_points, out_of_stock, ...) as their own dimension."""
    with single_metric(name="RedemptionFailures", unit=MetricUnit.Count, value=1, namespace=sink.namespace) as metric:
        metric.add_dimension(name="reason", value=reason)
