"""GitHub Actions workflow commands: one ``::error``/``::warning``/``::notice`` line per finding,
which the runner turns into an annotation on the rule file's line.

Syntax and escaping: https://docs.github.com/actions/reference/workflow-commands-for-github-actions
("Setting an error message": ``::error file={name},line={line},title={title}::{message}``), as
actions/toolkit ``packages/core/src/command.ts`` writes it: in the message ``%``, CR and LF
become ``%25``, ``%0D``, ``%0A``; in a property also ``:`` and ``,`` become ``%3A`` and ``%2C``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from sigma_certutil.reports.cases import Case, relative_path

# A SARIF level to the workflow command that shows it.
_COMMAND = {"error": "error", "warning": "warning", "note": "notice"}


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def github_annotations(cases: Sequence[Case], root: Path | None = None) -> list[str]:
    """One workflow command per failed or erroneous case (passed and skipped cases make none):
    ``file`` relative to ``root`` (the repository root, where the workflow runs: the current
    folder by default), ``line`` when known, ``title`` the case's name."""
    base = Path.cwd() if root is None else root
    lines = []
    for case in cases:
        if not case.status.finding:
            continue
        properties = []
        if case.source is not None:
            properties.append(f"file={escape_property(relative_path(case.source, base))}")
            if case.line is not None:
                properties.append(f"line={case.line}")
        properties.append(f"title={escape_property(case.name)}")
        command = _COMMAND[case.level]
        lines.append(f"::{command} {','.join(properties)}::{escape_data(case.message)}")
    return lines
