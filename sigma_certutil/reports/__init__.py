"""Reports that CI systems read, made of one ``Case`` per rule and target (or lint finding):
JUnit XML (``junit.py``), SARIF 2.1.0 (``sarif.py``) and GitHub workflow annotations
(``github.py``). Paths in them are relative to the repository root, the current folder where
CI runs, unless ``root`` says otherwise."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

from sigma_certutil.reports.cases import Case, Status
from sigma_certutil.reports.github import github_annotations

__all__ = ["REPORT_KINDS", "Case", "Status", "github_annotations", "render_report", "write_report"]

REPORT_KINDS = ("junit", "sarif")


def render_report(kind: str, command: str, cases: Sequence[Case], root: Path | None = None) -> str:
    """The report's text: ``kind`` is "junit" or "sarif"."""
    base = Path.cwd() if root is None else root
    if kind == "junit":
        from sigma_certutil.reports.junit import junit_xml

        return junit_xml(command, cases, base)
    if kind == "sarif":
        from sigma_certutil.reports.sarif import sarif_log
        from sigma_certutil.versions import installed_versions

        version = installed_versions(["sigma-certutil"])["sigma-certutil"]
        return json.dumps(sarif_log(command, cases, base, version), indent=2) + "\n"
    raise ValueError(f"unknown report kind {kind!r} (one of {', '.join(REPORT_KINDS)})")


def write_report(
    kind: str, path: Path, command: str, cases: Sequence[Case], root: Path | None = None
) -> None:
    """Write the report to ``path``, whole or not at all (OutputError when it cannot be)."""
    from sigma_certutil.output import write_atomic

    write_atomic(path, render_report(kind, command, cases, root))
