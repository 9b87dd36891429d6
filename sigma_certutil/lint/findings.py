"""What lint reports: one finding per problem, at the line of the key it is about."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """``source:line: check: message``; ``level`` is "error" or "warning" (pySigma's low
    severity)."""

    source: str
    line: int | None
    check: str
    message: str
    level: str = "error"

    def __str__(self) -> str:
        where = self.source if self.line is None else f"{self.source}:{self.line}"
        return f"{where}: {self.check}: {self.message}"
