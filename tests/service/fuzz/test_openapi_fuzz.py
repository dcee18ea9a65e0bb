"""Schemathesis against docs/openapi.json and the API as the local gateway serves it, in-process (route
matching and the real handlers (which check the key); no socket), on moto and on DynamoDB Local.

Every operation gets valid requests (positive mode: the document calls them valid, so they must not be
refused as invalid) and invalid ones (negative mode: they must be refused with a documented 4xx). Valid
requests are steered towards the seeded members, orders, rewards and vouchers half the time, so they reach
the code behind the 404s. Then the stateful phase follows the document's links (enroll -> order -> refund
-> redeem -> use or cancel) with the values each answer gave. Every answer passes all of schemathesis'
checks: no 5xx, documented status codes, content types, headers (Location on a 201) and schemas, valid data
accepted, invalid data refused, auth not ignored. A 422 is valid data's answer only for the rules the
document states in words (WORDED_RULES: they compare two fields, or a field with the stored program).
Afterwards the audit must be clean: whatever the fuzzer did, no balance, lot or stock went wrong.

Repeatable by default (hypothesis derandomized). LOYALTY_FUZZ_EXAMPLES sets the examples per operation
and mode (default 12), LOYALTY_FUZZ_SCENARIOS the stateful scenarios (default 40); LOYALTY_FUZZ_SEED
explores with another seed.
"""

from __future__ import annotations

import json
import os
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from hypothesis.errors import FlakyStrategyDefinition, Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance, use_after_free

from harness.api import Api, member_token
from loyalty.adapters import clock
from tests.auditing import audit_clean
from tests.conftest import ADMIN_KEY, ROOT
from tests.service.fuzz.wsgi import app_for

EXAMPLES = int(os.environ.get("LOYALTY_FUZZ_EXAMPLES", "12"))
SCENARIOS = int(os.environ.get("LOYALTY_FUZZ_SCENARIOS", "40"))
SEED = os.environ.get("LOYALTY_FUZZ_SEED")
STEER = 0.6  # how often a valid request is pointed at seeded data
NOW = datetime(2026, 11, 22, 15, 30, tzinfo=UTC)  # the fuzzer's clock: the seeded orders are two days old


@dataclass(frozen=True)
class WordedRule:
    """A rule JSON Schema cannot state (it compares two fields, or a field with the stored program or with
    what earlier answers gave out): the document says it in words, and a 422 that names it is the
    document's answer to valid-looking data."""

    message: str  # a fragment of the error's msg
    documented: str  # the words in docs/openapi.json that state it


WORDED_RULES = [
    WordedRule("This program's currency is", "The program's currency (422 otherwise)"),
    WordedRule("placed_at is in the future", "at most 5 minutes ahead of the server's clock"),
    WordedRule("placed_at is more than", "within the program's max_order_age_days"),
    WordedRule("an order may earn at most", "at most the program's max_points_per_order"),
    WordedRule("beyond 2^53 - 1", "never take a member's points beyond 2^53 - 1"),
    WordedRule("No member has this referral code", "The referral code of an existing member"),
    WordedRule("The cursor is not one this API gave out", "a cursor this API did not give out"),
    WordedRule("the first tier must have threshold 0", "the first tier has threshold 0"),
    WordedRule("strictly increasing threshold", "thresholds increase strictly"),
    WordedRule("tier names must be unique", "tier names and campaign ids are unique"),
    WordedRule("campaign_id values must be unique", "tier names and campaign ids are unique"),
    WordedRule("ends_at must be after starts_at", "ends_at must be after starts_at"),
    WordedRule("available_until must be after available_from", "must be after available_from"),
    WordedRule("min_tier must be one of the program's tiers", "The name of one of the program's tiers"),
    WordedRule("the deployment's verified SES identity", "emails.sender is the deployment's verified SES identity"),
    WordedRule("the timezone the daily jobs are scheduled in", "timezone is the one the daily jobs are scheduled in"),
    WordedRule("discount_minor must not exceed unit_price_minor x quantity", "at most the line's amount"),
    WordedRule("url: the ", "resolves only to public addresses"),
    WordedRule('"*" stands alone', "stands alone; 422 otherwise"),
    WordedRule("campaign tiers must be names of the program's tiers", "a campaign's tiers are names of the program's"),
    WordedRule(
        "a campaign with budget_points has bonus_points and no multiplier",
        "A campaign with budget_points has bonus_points and no multiplier",
    ),
    WordedRule("type must be one of the program's event_rules types", "type is one of the program's event_rules types"),
    WordedRule("occurred_at is in the future", "at most 5 minutes ahead of the server's clock"),
    WordedRule("occurred_at is more than", "within the program's max_order_age_days"),
    WordedRule("event_rules types must be unique", "event types are unique"),
    WordedRule("period_days needs per_member_limit", "period_days needs per_member_limit"),
    WordedRule("to must not be before from", "`to` on or after `from`"),
    WordedRule("a KPI range covers at most 366 days", "a range of at most 366 days"),
    WordedRule("a report covers at most 36 months", "at most 36 months (422 otherwise)"),
    WordedRule("challenge's goal is at most", "At most 1000 for orders, 52 for weekly_streak, 20 for categories"),
    WordedRule("window_days must hold its goal in weeks", "holds at least its goal in weeks"),
    WordedRule("challenge_id values must be unique", "challenge ids unique"),
    WordedRule("a discount_percent perk needs value from 1 to 100", "A discount_percent perk needs value (1 to 100)"),
    WordedRule("membership_id and sku values of memberships must be unique", "membership ids and skus are unique"),
    WordedRule("a membership's tier must be one of the program's tiers", "a membership's tier is one of the program's"),
    WordedRule("perk_id values must be unique", "perk ids are unique within a tier or a membership"),
    WordedRule("early_access needs available_from", "early_access needs available_from and each entry's from before"),
    WordedRule("is not one of the program's tiers", "Each entry's tier is one of the program's tiers"),
    WordedRule("The two programs have different currencies", "in the stored program's currency (422 otherwise"),
]


def refused_by_worded_rule(response: Any) -> bool:
    """A 422 whose every error is one of WORDED_RULES."""
    if response.status_code != 422:
        return False
    errors = response.json().get("errors") or []
    return bool(errors) and all(any(rule.message in e["msg"] for rule in WORDED_RULES) for e in errors)


@dataclass
class Seeds:
    members: list[str] = field(default_factory=list)
    orders: list[str] = field(default_factory=list)
    rewards: list[str] = field(default_factory=list)
    redemptions: list[str] = field(default_factory=list)
    codes: list[str] = field(default_factory=list)

    def pools(self) -> dict[str, list[str]]:
        return {
            "member_id": self.members,
            "order_id": self.orders,
            "reward_id": self.rewards,
            "redemption_id": self.redemptions,
            "code": self.codes,
        }


def credential(path: str, shop: Api, shopper: str) -> str:
    """What a route takes: the admin key, a shopper's member token on /v1/me, else the storefront key."""
    if path.startswith("/v1/admin/"):
        return ADMIN_KEY
    return shopper if path == "/v1/me" or path.startswith("/v1/me/") else str(shop.key)


def seed_shop(admin: Api, shop: Api) -> Seeds:
    """Members with points (one with debt), orders and refunds, rewards of every kind, vouchers in
    every state: the fuzzer's valid requests land on these half the time."""
    seeds = Seeds(rewards=["coffee", "tote", "gold-lounge", "retired"])
    rewards = {
        "coffee": {"name": "Coffee", "kind": "voucher", "cost_points": 100, "stock": 50},
        "tote": {"name": "Tote", "kind": "free_product", "sku": "TOTE", "cost_points": 250},
        "gold-lounge": {"name": "Lounge", "kind": "voucher", "cost_points": 10, "min_tier": "Gold"},
        "retired": {"name": "Old", "kind": "discount_fixed", "value_minor": 500, "cost_points": 50, "active": False},
    }
    for reward_id, body in rewards.items():
        assert admin.put(f"/v1/admin/rewards/{reward_id}", body).status == 201
    for n in range(3):
        member_id = f"m-{n}"
        assert shop.post("/v1/members", {"member_id": member_id, "email": f"fuzz{n}@example.com"}).status == 201
        seeds.members.append(member_id)
        for k in range(2):
            order_id = f"o-{n}-{k}"
            line = {"sku": f"S{k}", "category": "shoes", "quantity": 2, "unit_price_minor": 30_000}
            body = {
                "order_id": order_id,
                "member_id": member_id,
                "currency": "USD",
                "placed_at": "2026-11-20T10:00:00Z",
                "lines": [line],
            }
            assert shop.post("/v1/orders", body).status == 201
            seeds.orders.append(order_id)
    assert shop.post("/v1/orders/o-0-0/refunds", {"refund_id": "rf-0", "amount_minor": 10_000}).status == 201
    for n, state in enumerate(("issued", "used", "cancelled", "issued")):
        redemption_id = f"x-{n}"
        answer = shop.post(
            f"/v1/members/m-{n % 3}/redemptions", {"redemption_id": redemption_id, "reward_id": "coffee"}
        )
        assert answer.status == 201, answer.body
        seeds.redemptions.append(redemption_id)
        seeds.codes.append(answer.body["code"])
        if state != "issued":
            action = {"used": "use", "cancelled": "cancel"}[state]
            assert shop.post(f"/v1/redemptions/{redemption_id}/{action}").status == 200
    # m-2 spends everything, then its first order is refunded: it owes points (debt).
    debit = {"adjustment_id": "a-0", "points": -1000, "reason": "fuzz seed"}
    assert admin.post("/v1/admin/members/m-2/adjustments", debit).status == 201
    assert shop.post("/v1/orders/o-2-0/refunds", {"refund_id": "rf-2", "amount_minor": 60_000}).status == 201
    return seeds


def steered(case: Any, rnd: random.Random, seeds: Seeds) -> Any:
    """Point some of a valid case's ids at seeded data; the values stay valid for the schema."""
    pools = seeds.pools()
    for name, value in list((case.path_parameters or {}).items()):
        if name in pools and pools[name] and rnd.random() < STEER:
            case.path_parameters[name] = rnd.choice(pools[name])
        del value
    if isinstance(case.body, dict):
        for name in ("member_id", "reward_id"):
            if name in case.body and rnd.random() < STEER:
                case.body[name] = rnd.choice(pools[name])
        if "currency" in case.body and rnd.random() < STEER:
            case.body["currency"] = "USD"
        if "placed_at" in case.body and rnd.random() < STEER:
            case.body["placed_at"] = (NOW - timedelta(minutes=rnd.randrange(60 * 24 * 30))).isoformat()
        if case.path == "/v1/orders" and rnd.random() < 0.2:
            case.body["order_id"] = rnd.choice(seeds.orders)  # a replay
    return case


def ordered(operations: list[Any]) -> list[Any]:
    """Storefront routes first, admin routes last and the program itself at the very end: a fuzzed
    program (another currency, other multipliers) would otherwise steer every later request away."""

    def rank(operation: Any) -> tuple[int, str]:
        admin = operation.path.startswith("/v1/admin/")
        program = operation.path == "/v1/admin/program" and operation.method.upper() == "PUT"
        keys = operation.path.startswith("/v1/admin/keys")
        return (2 if program else 1 if admin or keys else 0, operation.label)

    return sorted(operations, key=rank)


@dataclass(frozen=True)
class KnownIssue:
    """A deviation already reported and awaiting its fix (give it a strict-xfail test of its own, as
    test_fuzz_findings.py pins the fixed ones). Its answers are counted, and only the checks it breaks are
    left out for them, so one known deviation does not hide new ones."""

    name: str
    matches: Callable[[Any, Any], bool]  # (case, response)
    breaks: tuple[Callable[..., Any], ...]


# Deviations reported and awaiting a fix (each with a strict xfail in test_fuzz_findings.py): none now.
KNOWN_ISSUES: list[KnownIssue] = []


def _negation_not_ours_to_judge(case: Any) -> bool:
    """A negative case whose only invalid parts are ones this harness undoes or the contract allows:
    its Authorization header (the harness sends a valid key to reach the handlers) or a query parameter
    the operation does not define (the contract rejects unknown *body* fields; unknown query
    parameters are ignored, as most HTTP APIs do)."""
    if case.meta is None:
        return False
    negative = {location.name.lower() for location, info in case.meta.components.items() if info.mode.is_negative}
    known = {parameter.name for parameter in case.operation.query}
    unknown_query = set(case.query or {}) - known
    return bool(negative) and negative <= {"header", "query"} and ("header" in negative or bool(unknown_query))


@dataclass
class Findings:
    seen: dict[str, list[str]] = field(default_factory=dict)
    known: dict[str, int] = field(default_factory=dict)
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    calls: int = 0

    def record(self, label: str, case: Any, response: Any, error: BaseException, headers: dict[str, str]) -> None:
        failures = getattr(error, "exceptions", None) or [error]
        for failure in failures:
            title = str(getattr(failure, "title", type(failure).__name__))
            key = f"{label}: {title}"
            if key not in self.seen:
                curl = case.as_curl_command(headers={name: "<key>" for name in headers})
                body = response.content[:600].decode(errors="replace")
                self.seen[key] = [str(failure).strip()[:1200], curl, f"-> {response.status_code} {body}"]

    def report(self) -> str:
        return "\n\n".join(f"{key}\n" + "\n".join(lines) for key, lines in sorted(self.seen.items()))


def fuzz_operation(
    operation: Any, mode: GenerationMode, headers: dict[str, str], seeds: Seeds, found: Findings
) -> None:
    strategy = operation.as_strategy(generation_mode=mode)

    @settings(
        max_examples=EXAMPLES,
        database=None,
        deadline=None,
        derandomize=SEED is None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy, rnd=st.randoms(use_true_random=False))
    def run(case: Any, rnd: random.Random) -> None:
        if mode is GenerationMode.POSITIVE:
            case = steered(case, rnd, seeds)
        response = case.call(headers=headers)
        found.calls += 1
        found.statuses[(operation.label, response.status_code)] += 1
        applying = [issue for issue in KNOWN_ISSUES if issue.matches(case, response)]
        for issue in applying:
            found.known[issue.name] = found.known.get(issue.name, 0) + 1
        excluded = {check for issue in applying for check in issue.breaks}
        if mode is GenerationMode.NEGATIVE and _negation_not_ours_to_judge(case):
            excluded.add(negative_data_rejection)
        if refused_by_worded_rule(response):
            excluded.add(positive_data_acceptance)
        try:  # every check schemathesis has, but those the answer's known reasons exclude
            case.validate_response(response, excluded_checks=list(excluded), headers=headers)
        except (Exception, BaseExceptionGroup) as error:  # a FailureGroup of every check that failed
            found.record(f"{operation.label} [{mode.value}]", case, response, error, headers)

    if SEED is not None:
        run = seed(int(SEED))(run)
    try:
        run()
    except Unsatisfiable:
        # Nothing about the operation can be made invalid (GET /v1/health takes no input at all).
        assert mode is GenerationMode.NEGATIVE, operation.label


def test_the_api_answers_every_request_as_documented(admin_api: Api, api: Api, aws: str) -> None:
    clock.set_clock(lambda: NOW)
    seeds = seed_shop(admin_api, api)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app_for(api.gateway))
    operations = ordered([result.ok() for result in schema.get_all_operations()])
    assert len(operations) >= 18
    found = Findings()
    shopper = member_token(api, seeds.members[0], scope=["read", "redeem"], ttl_seconds=86_400)
    for operation in operations:
        headers = {"Authorization": f"Bearer {credential(operation.path, api, shopper)}"}
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            fuzz_operation(operation, mode, headers, seeds, found)
    assert found.calls >= len(operations) * 2
    print(f"fuzz: {found.calls} requests; known issues met: {found.known or 'none'}")
    successes = {label for (label, status), _ in found.statuses.items() if status < 300}
    print("fuzz: answers by operation and status:", dict(sorted(found.statuses.items())))
    # The steering works: valid requests reach past the 404s to a success on most operations.
    assert len(successes) >= len(operations) * 2 // 3, sorted(successes)
    assert not found.seen, f"{len(found.seen)} kind(s) of answer break the document:\n\n{found.report()}"
    audit_clean()


def for_the_program(case: Any) -> None:
    """What only the stored program decides, set as a storefront would: links carry ids, not these."""
    if isinstance(case.body, dict) and case.path == "/v1/orders":
        case.body["currency"] = "USD"
        case.body["placed_at"] = (NOW - timedelta(hours=2)).isoformat()


class LinkWalk:
    """Follows the document's own links from one answer to the next call, as a client reading only the
    document would: the target operation and where each of its ids comes from are the link's."""

    def __init__(self, document: dict[str, Any], shop: Api, admin: Api) -> None:
        self.operations = {
            op["operationId"]: (method.upper(), path)
            for path, methods in document["paths"].items()
            for method, op in methods.items()
        }
        self.links = {
            (method.upper(), path, status, name): link
            for path, methods in document["paths"].items()
            for method, op in methods.items()
            for status, answer in op.get("responses", {}).items()
            for name, link in (answer.get("links") or {}).items()
        }
        self.shop, self.admin = shop, admin

    def follow(
        self, source: tuple[str, str, Any, dict[str, Any]], name: str, body: dict[str, Any] | None = None
    ) -> Any:
        """Call link ``name`` of the answer ``source`` (method, path template, answer, request path values)."""
        method, template, answer, request_path = source
        link = self.links[(method, template, str(answer.status), name)]
        target_method, target = self.operations[link["operationId"]]
        values = {"response": answer.body, "request": request_path}

        def value(expression: str) -> Any:
            if expression.startswith("$response.body#/"):
                return values["response"][expression.removeprefix("$response.body#/")]
            assert expression.startswith("$request.path."), expression
            return values["request"][expression.removeprefix("$request.path.")]

        path_values = {where.removeprefix("path."): value(expr) for where, expr in link.get("parameters", {}).items()}
        sent = {**(body or {}), **{field: value(expr) for field, expr in link.get("requestBody", {}).items()}}
        path = target.format(**path_values)
        client = self.admin if target.startswith("/v1/admin/") else self.shop
        got = client.call(target_method, path, sent or None)
        assert got.status < 300, (name, target_method, path, got.status, got.body)
        return (target_method, target, got, path_values)


def test_the_documents_links_chain_a_members_whole_workflow(admin_api: Api, api: Api, aws: str) -> None:
    """Every id after the enrollment comes from an earlier answer through a link of the document: enroll
    -> order -> refund -> read the order; redeem -> check the voucher -> use it; redeem -> cancel."""
    clock.set_clock(lambda: NOW)
    document = json.loads((ROOT / "docs" / "openapi.json").read_text())
    walk = LinkWalk(document, api, admin_api)
    reward = {"name": "Coffee", "kind": "voucher", "cost_points": 100, "stock": 5}
    stocked = (
        "PUT",
        "/v1/admin/rewards/{reward_id}",
        admin_api.put("/v1/admin/rewards/coffee", reward),
        {"reward_id": "coffee"},
    )
    enrolled = (
        "POST",
        "/v1/members",
        api.post("/v1/members", {"member_id": "walker", "email": "walker@example.com"}),
        {},
    )
    line = {"sku": "S-1", "category": "shoes", "quantity": 1, "unit_price_minor": 50000}
    order = {
        "order_id": "o-walk",
        "currency": "USD",
        "placed_at": (NOW - timedelta(hours=1)).isoformat(),
        "lines": [line],
    }
    ordered = walk.follow(enrolled, "PlaceOrder", order)
    refunded = walk.follow(ordered, "Refund", {"refund_id": "r-walk", "amount_minor": 1000})
    assert walk.follow(refunded, "ReadOrder")[2].body["refunds"][0]["refund_id"] == "r-walk"
    redeemed = walk.follow(ordered, "Redeem", {"redemption_id": "rd-walk-1", "reward_id": "coffee"})
    assert walk.follow(redeemed, "CheckVoucher")[2].body["redemption_id"] == "rd-walk-1"
    assert walk.follow(redeemed, "Use")[2].body["status"] == "used"
    assert walk.follow(stocked, "ReadReward")[2].body["reward_id"] == "coffee"
    again = walk.follow(enrolled, "Redeem", {"redemption_id": "rd-walk-2", "reward_id": "coffee"})
    assert walk.follow(again, "Cancel")[2].body["status"] == "cancelled"
    audit_clean()


ERASED_STAYS = "GET /v1/admin/members/{member_id}/export"


def test_the_documents_links_chain_real_workflows(admin_api: Api, api: Api, aws: str) -> None:
    """Schemathesis' stateful phase: scenarios that follow the OpenAPI links from one answer to the next
    call (enroll -> order -> refund -> redeem -> use or cancel), every answer under every check."""
    clock.set_clock(lambda: NOW)
    seeds = seed_shop(admin_api, api)
    rnd = random.Random(SEED or 0)
    schema = schemathesis.openapi.from_wsgi("/openapi.json", app_for(api.gateway))
    # The workflow's operations; the program stays as seeded (a fuzzed one, in another currency, would turn
    # every later order away), and keys, lists and health are fuzzed alone above.
    schema = schema.include(
        path_regex=r"^/v1/(members|orders|redemptions|vouchers|rewards/\{|admin/rewards/|admin/members/)"
    )
    found = Findings()
    chained: Counter[str] = Counter()

    def headers_for(case: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {credential(case.path, api, '')}"}

    class Workflow(schema.as_state_machine()):  # type: ignore[misc]
        via_link = False

        def step(self, input: Any) -> Any:
            self.via_link = input.transition is not None  # this call's ids came from an earlier answer
            return super().step(input)

        def before_call(self, case: Any) -> None:
            if not self.via_link and case.meta is not None and case.meta.generation.mode.is_positive:
                steered(case, rnd, seeds)  # a scenario starts from seeded data as often as not
                if isinstance(case.body, dict):
                    case.body.pop("referral_code", None)
            for_the_program(case)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": headers_for(case)}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            found.calls += 1
            found.statuses[(case.operation.label, response.status_code)] += 1
            if response.status_code < 300 and self.via_link:
                chained[case.operation.label] += 1
            excluded = [positive_data_acceptance] if refused_by_worded_rule(response) else []
            if case.operation.label == ERASED_STAYS:
                # DELETE /v1/admin/members/{id} erases the member, it does not remove it: the contract has
                # its export (and GET) answer on, status "erased" and no personal data.
                excluded.append(use_after_free)
            if _negation_not_ours_to_judge(case):  # as in the first phase: unknown query parameters are ignored
                excluded.append(negative_data_rejection)
            try:
                case.validate_response(
                    response, excluded_checks=excluded, headers=headers_for(case), recorder=self.recorder
                )
            except (Exception, BaseExceptionGroup) as error:
                found.record(f"{case.operation.label} [stateful]", case, response, error, headers_for(case))

    sessions = 0
    while found.calls < SCENARIOS * 8 and sessions < 5:
        sessions += 1
        try:
            Workflow.run(
                settings=settings(
                    max_examples=SCENARIOS,
                    stateful_step_count=8,
                    database=None,
                    deadline=None,
                    derandomize=SEED is None,
                    phases=[Phase.generate],
                    suppress_health_check=list(HealthCheck),
                )
            )
        except FlakyStrategyDefinition:
            # Hypothesis replayed a scenario and the server, changed by the scenarios since, answered
            # otherwise: every call so far was checked; go on in a fresh session, as schemathesis' own
            # runner does.
            continue
    print(f"stateful: {found.calls} requests; reached through a link: {dict(sorted(chained.items()))}")
    print("stateful: answers by operation and status:", dict(sorted(found.statuses.items())))
    # Which links a random scenario takes varies with what earlier ones left behind; that each link leads
    # where it says is the walk's test above. Here: the scenarios did follow links, and every answer held.
    assert sum(chained.values()) > 0, dict(chained)
    assert not found.seen, f"{len(found.seen)} kind(s) of answer break the document:\n\n{found.report()}"
    audit_clean()


def test_every_worded_rule_is_stated_in_the_document() -> None:
    document = json.dumps(json.loads((ROOT / "docs" / "openapi.json").read_text()))
    missing = [rule.documented for rule in WORDED_RULES if rule.documented not in document]
    assert not missing, missing


pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
