"""Checkouts on Shopify and WooCommerce that auto-enroll their shopper, from the platforms' published
payloads (tests/fixtures): the member the checkout enrolls is drawn as any enrollment is, and a holdout
member is credited the order's points without the campaign's bonus, on the webhook and queue path."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from harness.api import Api
from harness.programs import program_document
from local.template import Template
from tests.service.holdout.ids import first
from tests.service.integrations_in import shops

ALWAYS = {
    "campaign_id": "always",
    "bonus_points": 100,
    "starts_at": "2000-01-01T00:00:00Z",
    "ends_at": "2030-01-01T00:00:00Z",
}


def configure(admin_api: Api) -> None:
    document = program_document(campaigns=[ALWAYS], holdout={"percent": 50})
    assert admin_api.put("/v1/admin/program", document).status == 200


def connection_for(customer_id: str, *, held: bool) -> str:
    """A connection id whose auto-enrolled member (``<connection>:<customer id>``) the draw puts where asked."""
    return first(lambda n: f"shop-{n}:{customer_id}", held=held).split(":")[0]


def earned(api: Api, member_id: str) -> list[int]:
    return [e["points"] for e in api.get(f"/v1/members/{member_id}/activity").body["items"] if e["kind"] == "earn"]


@pytest.mark.parametrize("held", [True, False], ids=["holdout", "treatment"])
def test_shopify_sample_checkout(api: Api, admin_api: Api, template: Template, held: bool) -> None:
    shops.at(shops.SAMPLE_PLACED)
    configure(admin_api)
    connection = connection_for("207119551", held=held)
    shops.connect(admin_api, connection, "shopify", category_by_sku={"IPOD2008RED": "electronics"})
    order = shops.body_of(shops.sample("shopify/order.json"))
    shops.shopify(api, connection, order, "orders/paid")
    shops.shopify(api, connection, order, "orders/paid")  # redelivered: credited once
    shops.consume(template, shops.queued())
    member: dict[str, Any] = api.get(f"/v1/members/{connection}:207119551").body
    assert member["provisional"] is True and member["group"] == ("holdout" if held else "treatment")
    assert earned(api, member["member_id"]) == ([796] if held else [896])


@pytest.mark.parametrize("held", [True, False], ids=["holdout", "treatment"])
def test_woocommerce_sample_checkout(api: Api, admin_api: Api, template: Template, held: bool) -> None:
    shops.at(datetime(2017, 3, 23, 12, 0, tzinfo=UTC))
    configure(admin_api)
    connection = connection_for("26", held=held)
    shops.connect(admin_api, connection, "woocommerce", match_members_by="customer_id")
    order = shops.body_of(shops.sample("woocommerce/order-723-list.json"))
    shops.woo(api, connection, order, "order.updated")
    shops.consume(template, shops.queued())
    member: dict[str, Any] = api.get(f"/v1/members/{connection}:26").body
    assert member["group"] == ("holdout" if held else "treatment")
    assert earned(api, member["member_id"]) == ([29] if held else [129])  # 9.00 + 20.00, and the bonus
