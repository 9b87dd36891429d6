"""sigma_certutil/reports/__init__.py: the cases and writing a report whole."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigma_certutil.errors import OutputError
from sigma_certutil.reports import Case, Status, render_report, write_report


def test_write_report_writes_the_rendered_text(tmp_path: Path) -> None:
    cases = [Case("test", "a", tmp_path / "a.yml", 1, Status.PASSED)]
    write_report("junit", tmp_path / "out.xml", "test", cases, tmp_path)
    text = (tmp_path / "out.xml").read_text(encoding="utf-8")
    assert text == render_report("junit", "test", cases, tmp_path)
    assert text.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<testsuites ')


def test_an_unwritable_report_is_an_output_error_and_leaves_nothing(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match=r"missing/out.xml: cannot write: No such file"):
        write_report("junit", tmp_path / "missing" / "out.xml", "test", [])
    assert list(tmp_path.iterdir()) == []


def test_unknown_kind() -> None:
    with pytest.raises(ValueError, match="unknown report kind 'html'"):
        render_report("html", "test", [])


def test_case_refuses_a_bad_level_or_line() -> None:
    with pytest.raises(ValueError, match="level must be one of error, warning, note, not 'fatal'"):
        Case("lint", "a", None, None, Status.FAILED, level="fatal")
    with pytest.raises(ValueError, match="line must be at least 1, not 0"):
        Case("lint", "a", None, 0, Status.FAILED)


def test_skipped_is_no_finding() -> None:
    assert [status for status in Status if status.finding] == [Status.FAILED, Status.ERROR]
