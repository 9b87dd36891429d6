"""What every report is made of: one ``Case`` per rule and target (or lint finding), its
``Status``, and where its rule file lies relative to the repository root."""

from __future__ import annotations

import enum
import os
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from urllib.parse import quote


class Status(enum.Enum):
    """A case's outcome. SKIPPED is a rule without test events ("untested") or a target whose
    queries cannot run here ("not executed"): never counted as passing."""

    PASSED = "passed"
    FAILED = "failed"
    ERROR = "error"
    SKIPPED = "skipped"

    @property
    def finding(self) -> bool:
        """A failure or an error: what SARIF and the workflow annotations report."""
        return self in (Status.FAILED, Status.ERROR)


LEVELS = ("error", "warning", "note")


@dataclass(frozen=True)
class Case:
    """One test case: ``command`` is "build", "check", "test" or "lint"; ``name`` the case's
    name (``rules/a.yml [kusto]``); ``source`` the rule file and ``line`` the 1-based line in
    it, when known; ``check`` the lint check (the SARIF ruleId); ``level`` the SARIF level of
    a finding (error, warning or note)."""

    command: str
    name: str
    source: Path | None
    line: int | None
    status: Status
    message: str = ""
    target: str | None = None
    check: str | None = None
    level: str = "error"

    def __post_init__(self) -> None:
        if self.level not in LEVELS:
            raise ValueError(f"level must be one of {', '.join(LEVELS)}, not {self.level!r}")
        if self.line is not None and self.line < 1:
            raise ValueError(f"line must be at least 1, not {self.line}")


def relative_path(source: Path, root: Path) -> str:
    """``source`` as a forward-slash path relative to ``root`` (the repository root, where CI
    runs), or absolute when it lies outside it."""
    absolute = Path(os.path.abspath(source))
    try:
        return absolute.relative_to(Path(os.path.abspath(root))).as_posix()
    except ValueError:
        return absolute.as_posix()


def uri(source: Path, root: Path) -> str:
    """``source`` as a URI reference: relative to ``root`` (percent-encoded, RFC 3986), or a
    ``file:`` URI when it lies outside it."""
    path = relative_path(source, root)
    if PurePosixPath(path).is_absolute():
        return Path(path).as_uri()
    return quote(path, safe="/")
