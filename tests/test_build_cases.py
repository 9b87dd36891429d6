"""sigma_certutil/build/cases.py: a build or check as report cases, one per rule and target."""

from __future__ import annotations

import shutil
from pathlib import Path

from helpers import BUNDLED_RULE, TEST_RULES

from sigma_certutil.build import build, rule_files
from sigma_certutil.build.cases import build_cases
from sigma_certutil.reports import Status

DNS_RULE = TEST_RULES / "dns_query_paste_site_by_powershell.yml"  # kusto refuses it


def _rules(tmp_path: Path) -> Path:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "certutil.yml")
    shutil.copy(DNS_RULE, rules / "dns.yml")
    (rules / "bad.yml").write_text(
        "title: x\nlogsource: {}\ndetection:\n  sel: {a: 1}\n", encoding="utf-8"
    )
    return rules


def _outcomes(cases: list) -> list[tuple[str, Status, int | None]]:  # type: ignore[type-arg]
    return [(case.name, case.status, case.line) for case in cases]


def test_a_build_is_one_case_per_rule_and_target(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    sources = [str(rules)]
    result = build(sources, tmp_path / "out", ["eql", "kusto"], workers=1)
    cases = build_cases("build", result, rule_files(sources))
    certutil, dns, bad = (str(rules / name) for name in ("certutil.yml", "dns.yml", "bad.yml"))
    assert _outcomes(cases) == [
        (f"{certutil} [eql]", Status.PASSED, None),
        (f"{certutil} [kusto]", Status.PASSED, None),
        (f"{dns} [eql]", Status.PASSED, None),
        (bad, Status.FAILED, 3),
        (f"{dns} [kusto]", Status.FAILED, None),
    ]
    assert cases[3].message == f"{bad}:3: 'detection' has no 'condition'"
    assert cases[4].message.startswith(f"{dns}: kusto: field has no DeviceEvents column")
    assert {case.command for case in cases} == {"build"}
    allowed = build(sources, tmp_path / "out2", ["kusto"], allow_unsupported=True, workers=1)
    skipped = build_cases("build", allowed, rule_files(sources))
    assert (skipped[-1].name, skipped[-1].status) == (f"{dns} [kusto]", Status.SKIPPED)


def test_a_check_fails_the_rule_and_target_whose_query_drifted(tmp_path: Path) -> None:
    rules = _rules(tmp_path)
    (rules / "bad.yml").unlink()
    out = tmp_path / "out"
    build([str(rules)], out, ["eql"], workers=1)
    (out / "eql" / "certutil.eql").write_text("network where true\n", encoding="utf-8")
    (out / "eql" / "stray.eql").write_text("x\n", encoding="utf-8")
    result = build([str(rules)], out, ["eql"], check=True, workers=1)
    cases = build_cases("check", result, rule_files([str(rules)]), check=True)
    certutil, dns = str(rules / "certutil.yml"), str(rules / "dns.yml")
    assert [(c.name, c.status, c.target, c.message) for c in cases] == [
        (f"{dns} [eql]", Status.PASSED, "eql", ""),
        (
            f"{certutil} [eql]", Status.FAILED, "eql",
            f"eql/certutil.eql differs from what {certutil} builds now",
        ),
        (
            "eql/stray.eql", Status.FAILED, None,
            "eql/stray.eql: no manifest lists this file; a build removes it",
        ),
    ]  # fmt: skip
    assert cases[2].source is None
