"""Inbound commerce integrations: connections, the webhook route's verification, and the mapping of
Shopify and WooCommerce orders and refunds onto accrual and refunds."""
