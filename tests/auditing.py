"""The audit as a test step: every suite that changes balances ends by asserting the table is sound."""

from __future__ import annotations

import audit
from harness.books import settle_books


def audit_clean() -> audit.AuditReport:
    """Settle the books (the table's stream handed to its consumer, as Lambda does), then run the audit
    over the table under test and fail with its report if anything is off."""
    settle_books()
    report = audit.run()
    assert report.clean, report.render()
    return report
