"""Dollars per million accruals, all-in: API Gateway, Lambda (every function a request invoked, counted in
the load test), DynamoDB, the stream's processing (its consumer's invocations and duration per accrual at
the batch sizes the load produced, the DynamoDB units it spends; GetRecords from Lambda is free) and the
events out (EventBridge PutEvents per event published).

Units come from this run: the accrual's write and read request units by AWS's rules (bench/aws_units.py:
each item sized, transactions doubling the table writes, index writes by what changed in each index),
for a new member and for each history (bench/histories.py), and each function's measured duration per
call, billed at its configured memory on arm64. DynamoDB Local's own count is not what AWS bills (it
rounds a transaction's summed size and doubles its index writes), so it prices nothing here. The bench
cannot reach the web, so the prices are the published ones, written down here with where they are
listed and when they were taken as valid.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from local.template import Template

PRICES_CHECKED = (
    "prices as listed on aws.amazon.com/{apigateway,lambda,dynamodb,eventbridge}/pricing, us-east-1, "
    "checked 2026-11 (well-known published prices, written in by hand: the bench has no network to fetch them)"
)
PRICES: dict[str, dict[str, Any]] = {
    "api_gateway_http_request": {
        "usd_per_million": 1.00,
        "note": "HTTP API, first 300 million requests a month",
        "source": "https://aws.amazon.com/api-gateway/pricing/",
    },
    "lambda_request": {
        "usd_per_million": 0.20,
        "note": "per invocation",
        "source": "https://aws.amazon.com/lambda/pricing/",
    },
    "lambda_arm64_gb_second": {
        "usd": 0.0000133334,
        "note": "Arm (Graviton) duration, first 7.5 billion GB-seconds a month",
        "source": "https://aws.amazon.com/lambda/pricing/",
    },
    "dynamodb_write_request_unit": {
        "usd_per_million": 0.625,
        "note": "on-demand, standard table class, after the November 2024 price cut",
        "source": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    },
    "dynamodb_read_request_unit": {
        "usd_per_million": 0.125,
        "note": "on-demand, standard table class, after the November 2024 price cut",
        "source": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    },
    "eventbridge_custom_event": {
        "usd_per_million": 1.00,
        "note": "PutEvents, custom events, per 64 KB chunk",
        "source": "https://aws.amazon.com/eventbridge/pricing/",
    },
    "dynamodb_streams_read_from_lambda": {
        "usd_per_million": 0.0,
        "note": "GetRecords calls made by a Lambda event source mapping are not billed",
        "source": "https://aws.amazon.com/dynamodb/pricing/on-demand/",
    },
}
NOT_INCLUDED = (
    "CloudWatch Logs ingestion and X-Ray traces, data transfer out, the free tier, the API key lookup "
    "(cached per warm function) and the program read (cached 30 s), webhook deliveries (per subscriber)"
)
RUN = "without_campaign"  # the load run the bill is taken from: an accrual as most are, no campaign


def _lambda_lines(
    template: Template, prefix: str, logical_id: str, per_accrual: float, billed_ms: int
) -> tuple[dict[str, float], dict[str, Any]]:
    memory_mb = template.functions()[logical_id].memory_size
    gb_seconds = memory_mb / 1024 * billed_ms / 1000
    duration = per_accrual * gb_seconds * PRICES["lambda_arm64_gb_second"]["usd"] * 1_000_000
    requests = per_accrual * PRICES["lambda_request"]["usd_per_million"]
    lines = {f"{prefix}{logical_id}_requests": requests, f"{prefix}{logical_id}_duration": duration}
    return lines, {
        "memory_mb": memory_mb,
        "billed_ms": billed_ms,
        "gb_seconds": gb_seconds,
        "invocations_per_accrual": per_accrual,
    }


def stream_function(template: Template) -> str | None:
    """The function the table's stream feeds (the template's stream event source), if any."""
    from local import streams

    found = [source.function for source in streams.stream_sources(template)]
    return found[0] if found else None


def per_million_accruals(
    template: Template,
    accrue: Mapping[str, float],
    invocation_ms: dict[str, dict[str, float]],
    load: Mapping[str, Any],
) -> dict[str, Any]:
    """The bill for a million accruals, line by line, all-in: ``accrue`` holds one accrual's ``wcu`` and
    ``rcu`` by AWS's rules; ``invocation_ms`` each request-path function's measured duration, one
    request at a time (bench/throughput.py); ``load`` the load test (bench/load.py), whose run without a
    campaign says which functions a request invoked and how often, and what the stream's consumer did
    per accrual (invocations at its batch size, their duration, its DynamoDB units, the events it
    published)."""
    run = load[RUN]
    accruals = max(int(run["accruals"]), 1)
    lines: dict[str, float] = {"api_gateway": PRICES["api_gateway_http_request"]["usd_per_million"]}
    functions: dict[str, Any] = {}
    for logical_id, count in run["invocations"].items():
        measured = invocation_ms.get(logical_id) or {"median": run["function_ms_median"][logical_id]}
        billed_ms = math.ceil(measured["median"])  # Lambda bills by the millisecond
        added, functions[logical_id] = _lambda_lines(template, "lambda_", logical_id, count / accruals, billed_ms)
        lines.update(added)
    lines["dynamodb_writes"] = accrue["wcu"] * PRICES["dynamodb_write_request_unit"]["usd_per_million"]
    lines["dynamodb_reads"] = accrue["rcu"] * PRICES["dynamodb_read_request_unit"]["usd_per_million"]
    stream = run["stream"]
    consumer = stream_function(template)
    if consumer is not None:
        billed_ms = math.ceil(stream["median_ms"])
        per_accrual = stream["per_accrual"]["invocations"]
        added, functions[consumer] = _lambda_lines(template, "stream_", consumer, per_accrual, billed_ms)
        lines.update(added)
        functions[consumer]["records_per_invocation"] = round(stream["records"] / max(stream["invocations"], 1), 1)
    lines["stream_reads"] = PRICES["dynamodb_streams_read_from_lambda"]["usd_per_million"]
    lines["stream_dynamodb_writes"] = (
        stream["per_accrual"]["wcu"] * PRICES["dynamodb_write_request_unit"]["usd_per_million"]
    )
    lines["stream_dynamodb_reads"] = (
        stream["per_accrual"]["rcu"] * PRICES["dynamodb_read_request_unit"]["usd_per_million"]
    )
    lines["events_out"] = stream["per_accrual"]["events"] * PRICES["eventbridge_custom_event"]["usd_per_million"]
    total = sum(lines.values())
    invocations = sum(run["invocations"].values()) / accruals
    return {
        "usd_per_million_accruals": round(total, 4),
        "lines_usd": {name: round(value, 4) for name, value in lines.items()},
        "units_per_accrual": {
            "api_requests": 1,
            "lambda_invocations": round(invocations, 3),
            "write_request_units": accrue["wcu"],
            "read_request_units": accrue["rcu"],
            "stream_invocations": stream["per_accrual"]["invocations"],
            "stream_write_request_units": stream["per_accrual"]["wcu"],
            "stream_read_request_units": stream["per_accrual"]["rcu"],
            "events_out": stream["per_accrual"]["events"],
        },
        "functions": functions,
        "prices": PRICES,
        "prices_checked": PRICES_CHECKED,
        "not_included": NOT_INCLUDED,
    }


def by_history(
    template: Template,
    scenarios: Mapping[str, Mapping[str, Any]],
    invocation_ms: dict[str, dict[str, float]],
    load: Mapping[str, Any],
) -> dict[str, dict[str, Any]]:
    """USD per million accruals for each history's measured accrual (AWS-rule units), the same Lambda,
    stream and events lines for all: they were measured on members without history."""
    bills = {}
    for name, scenario in scenarios.items():
        units = scenario["operations"]["accrue"]["aws"]
        bill = per_million_accruals(template, units, invocation_ms, load)
        bills[name] = {
            "label": scenario.get("label", name),
            "usd_per_million_accruals": bill["usd_per_million_accruals"],
            "write_request_units": units["wcu"],
            "read_request_units": units["rcu"],
            "dynamodb_usd": round(bill["lines_usd"]["dynamodb_writes"] + bill["lines_usd"]["dynamodb_reads"], 4),
        }
    return bills
