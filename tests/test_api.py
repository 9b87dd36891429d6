"""The package's API (sigma_certutil/__init__.py): load_rule, convert, convert_all and TARGETS."""

from __future__ import annotations

import copy

from helpers import BUNDLED_RULE, SNAPSHOTS

import sigma_certutil
from sigma_certutil import (
    TARGETS,
    convert,
    convert_all,
    load_bundled_rule,
    load_rule,
    parse_rule,
)


def test_target_ids_are_stable() -> None:
    assert list(TARGETS) == ["splunk", "lucene", "eql", "esql", "kusto"]


def test_load_rule_from_path_text_and_bundle_agree() -> None:
    text = BUNDLED_RULE.read_text(encoding="utf-8")
    rules = [
        load_rule(BUNDLED_RULE),
        load_rule(str(BUNDLED_RULE)),
        parse_rule(text),
        load_bundled_rule(),
    ]
    assert {str(rule.id) for rule in rules} == {"0dba975d-a193-4ed1-a067-424df57570d1"}
    assert len({convert(rule, "kusto") for rule in rules}) == 1


def test_bundled_rule_is_the_sigmahq_rule_verbatim() -> None:
    text = BUNDLED_RULE.read_text(encoding="utf-8")
    assert text.startswith("title: Uncommon Network Connection Initiated By Certutil.EXE\n")
    assert "    Initiated: 'true'\n" in text and text.endswith("level: high\n")


def test_convert_all_in_target_order_and_subset() -> None:
    rule = load_bundled_rule()
    assert list(convert_all(rule)) == list(TARGETS)
    assert list(convert_all(rule, ["kusto", "eql"])) == ["kusto", "eql"]
    expected = (SNAPSHOTS / BUNDLED_RULE.stem / "eql.eql").read_text(encoding="utf-8")
    assert convert_all(rule, ["eql"])["eql"] + "\n" == expected


def test_conversion_leaves_the_rule_unchanged() -> None:
    rule = load_bundled_rule()
    before = copy.deepcopy(rule.to_dict())
    first = convert_all(rule)
    assert rule.to_dict() == before
    assert convert_all(rule) == first


def test_public_names() -> None:
    assert set(sigma_certutil.__all__) >= {"load_rule", "convert", "convert_all", "TARGETS"}


def test_unquoted_boolean_converts_like_the_sysmon_string() -> None:
    text = BUNDLED_RULE.read_text(encoding="utf-8")
    unquoted = parse_rule(text.replace("Initiated: 'true'", "Initiated: true"))
    assert convert_all(unquoted) == convert_all(parse_rule(text))


def test_the_command_line_and_build_load_no_pysigma_until_they_convert() -> None:
    """A rebuild with nothing changed starts without pySigma (a third of its time), and the
    package's names still reach the functions, not the modules they live in."""
    import subprocess
    import sys

    code = (
        "import sys, sigma_certutil.cli, sigma_certutil.build\n"
        "assert not any(m == 'sigma' or m.startswith('sigma.') for m in sys.modules), 'pySigma'\n"
        "import sigma_certutil.conversion, sigma_certutil.rule_card\n"
        "from sigma_certutil import convert, explain\n"
        "assert callable(convert) and callable(explain)\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
