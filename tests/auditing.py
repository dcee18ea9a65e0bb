"""The audit as a test step: every suite that changes balances ends by asserting the table is sound."""

from __future__ import annotations

import audit


def audit_clean() -> audit.AuditReport:
    """Run the audit over the table under test and fail with its report if anything is off."""
    report = audit.run()
    assert report.clean, report.render()
    return report
