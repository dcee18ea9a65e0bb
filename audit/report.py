"""What the audit reports: each problem found (subject, check, detail) and the report over the table."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    subject: str  # "member m-1", "reward coffee", ...
    check: str  # stable name of the rule, e.g. "ledger"
    detail: str

    def __str__(self) -> str:
        return f"{self.subject}: [{self.check}] {self.detail}"


@dataclass(frozen=True)
class AuditReport:
    items_scanned: int
    members_checked: int
    entries_checked: int
    problems: tuple[Problem, ...]

    @property
    def clean(self) -> bool:
        return not self.problems

    def by_subject(self) -> dict[str, list[Problem]]:
        grouped: dict[str, list[Problem]] = defaultdict(list)
        for problem in self.problems:
            grouped[problem.subject].append(problem)
        return dict(grouped)

    def checks(self) -> set[str]:
        return {problem.check for problem in self.problems}

    def render(self) -> str:
        """A human report; it names members by id only, never by email."""
        summary = (
            f"Audit: {self.items_scanned} items, {self.members_checked} members, "
            f"{self.entries_checked} ledger entries: "
        )
        if self.clean:
            return summary + "clean"
        lines = [summary + f"{len(self.problems)} problem(s)"]
        for subject, problems in sorted(self.by_subject().items()):
            lines.append(subject)
            lines += [f"  [{problem.check}] {problem.detail}" for problem in problems]
        return "\n".join(lines)
