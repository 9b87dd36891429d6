"""sigma_certutil/reports/github.py: workflow commands, escaped as GitHub documents."""

from __future__ import annotations

from pathlib import Path

from sigma_certutil.reports import Case, Status, github_annotations


def test_an_error_on_the_rule_line(tmp_path: Path) -> None:
    case = Case(
        "test", "rules/a.yml [kusto]", tmp_path / "rules" / "a.yml", 7, Status.FAILED,
        "matched e2, expected e1", "kusto",
    )  # fmt: skip
    assert github_annotations([case], tmp_path) == [
        "::error file=rules/a.yml,line=7,title=rules/a.yml [kusto]::matched e2, expected e1"
    ]


def test_escaping_of_properties_and_message(tmp_path: Path) -> None:
    # https://docs.github.com/actions/reference/workflow-commands-for-github-actions: % CR LF
    # in the message; also : and , in a property.
    case = Case(
        "lint", "a,b: c%", tmp_path / "x:y,z.yml", 2, Status.FAILED, "50% done\r\nnext: line",
        check="c",
    )  # fmt: skip
    assert github_annotations([case], tmp_path) == [
        "::error file=x%3Ay%2Cz.yml,line=2,title=a%2Cb%3A c%25::50%25 done%0D%0Anext: line"
    ]


def test_levels_and_what_makes_no_annotation(tmp_path: Path) -> None:
    rule = tmp_path / "a.yml"
    cases = [
        Case("lint", "w", rule, 1, Status.FAILED, "w", check="w", level="warning"),
        Case("lint", "n", rule, None, Status.FAILED, "n", check="n", level="note"),
        Case("test", "p", rule, 1, Status.PASSED),
        Case("test", "s", rule, 1, Status.SKIPPED, "untested"),
        Case("check", "m", None, None, Status.ERROR, "no manifest"),
    ]
    assert github_annotations(cases, tmp_path) == [
        "::warning file=a.yml,line=1,title=w::w",
        "::notice file=a.yml,title=n::n",
        "::error title=m::no manifest",
    ]
