"""Dollars per million accruals, all-in: API Gateway, Lambda (authorizer and orders function), DynamoDB.

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
    "prices as listed on aws.amazon.com/{apigateway,lambda,dynamodb}/pricing, us-east-1, checked 2026-11 "
    "(well-known published prices, written in by hand: the bench has no network to fetch them)"
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
}
NOT_INCLUDED = (
    "CloudWatch Logs ingestion and X-Ray traces, data transfer out, the free tier, the authorizer's "
    "key lookup (cached 60 s per warm function: 0.5 RCU a minute per instance) and the program read "
    "(cached 30 s)"
)


def _function_memory(template: Template, logical_id: str) -> int:
    return template.functions()[logical_id].memory_size


def per_million_accruals(
    template: Template, accrue: Mapping[str, float], invocation_ms: dict[str, dict[str, float]]
) -> dict[str, Any]:
    """The bill for a million accruals, line by line; ``accrue`` holds one accrual's ``wcu`` and ``rcu``."""
    lines: dict[str, float] = {}
    lines["api_gateway"] = PRICES["api_gateway_http_request"]["usd_per_million"]
    functions: dict[str, Any] = {}
    authorizer = template.authorizer()
    invoked = [name for name in (authorizer, "OrdersFunction") if name]
    for logical_id in invoked:
        memory_mb = _function_memory(template, logical_id)
        billed_ms = math.ceil(invocation_ms[logical_id]["median"])  # Lambda bills by the millisecond
        gb_seconds = memory_mb / 1024 * billed_ms / 1000
        duration = gb_seconds * PRICES["lambda_arm64_gb_second"]["usd"] * 1_000_000
        requests = PRICES["lambda_request"]["usd_per_million"]
        lines[f"lambda_{logical_id}_requests"] = requests
        lines[f"lambda_{logical_id}_duration"] = duration
        functions[logical_id] = {"memory_mb": memory_mb, "billed_ms": billed_ms, "gb_seconds": gb_seconds}
    lines["dynamodb_writes"] = accrue["wcu"] * PRICES["dynamodb_write_request_unit"]["usd_per_million"]
    lines["dynamodb_reads"] = accrue["rcu"] * PRICES["dynamodb_read_request_unit"]["usd_per_million"]
    total = sum(lines.values())
    return {
        "usd_per_million_accruals": round(total, 4),
        "lines_usd": {name: round(value, 4) for name, value in lines.items()},
        "units_per_accrual": {
            "api_requests": 1,
            "lambda_invocations": len(invoked),
            "write_request_units": accrue["wcu"],
            "read_request_units": accrue["rcu"],
        },
        "functions": functions,
        "prices": PRICES,
        "prices_checked": PRICES_CHECKED,
        "not_included": NOT_INCLUDED,
    }


def by_history(
    template: Template, scenarios: Mapping[str, Mapping[str, Any]], invocation_ms: dict[str, dict[str, float]]
) -> dict[str, dict[str, Any]]:
    """USD per million accruals for each history's measured accrual (AWS-rule units), the same Lambda
    durations for all: they were measured on members without history."""
    bills = {}
    for name, scenario in scenarios.items():
        units = scenario["operations"]["accrue"]["aws"]
        bill = per_million_accruals(template, units, invocation_ms)
        bills[name] = {
            "label": scenario.get("label", name),
            "usd_per_million_accruals": bill["usd_per_million_accruals"],
            "write_request_units": units["wcu"],
            "read_request_units": units["rcu"],
            "dynamodb_usd": round(bill["lines_usd"]["dynamodb_writes"] + bill["lines_usd"]["dynamodb_reads"], 4),
        }
    return bills
