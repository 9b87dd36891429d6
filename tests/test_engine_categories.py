"""Every Sysmon category of the suite's own rules, executed on each engine that can run the
query over events shaped as that target stores them: EQL and Lucene over ECS documents
(Winlogbeat ingest), SPL over the Sysmon add-on's fields (search model)."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from engines.cases import Case
from engines.spl_model import spl_search
from helpers import TESTS, require_engine

from sigma_certutil import convert, load_rule
from sigma_certutil.verify.engines.eql import ecs_schema, run_eql
from sigma_certutil.verify.engines.lucene import lucene_unavailable, run_lucene
from sigma_certutil.verify.shapes.ecs import ecs_fields, to_ecs
from sigma_certutil.verify.shapes.splunk import to_splunk

BLOCKS: dict[str, Any] = yaml.safe_load(
    (TESTS / "fixtures" / "category_events.yml").read_text(encoding="utf-8")
)
INDEX_TYPES = {name: "keyword" if kind == "ip" else kind for name, kind in ecs_fields().items()}


def _cases(rule: str) -> list[Case]:
    block = BLOCKS[rule]
    return [Case(c["name"], c["match"], c["event"], block["event_id"]) for c in block["cases"]]


def _expected(cases: list[Case]) -> set[str]:
    return {case.name for case in cases if case.match}


RULES = sorted(BLOCKS)


def test_every_rule_has_a_positive_and_a_negative() -> None:
    for rule in RULES:
        assert (TESTS / "rules" / f"{rule}.yml").exists(), rule
        assert {case.match for case in _cases(rule)} == {True, False}, rule


@pytest.mark.engine
@pytest.mark.parametrize("rule", RULES)
def test_eql(rule: str) -> None:
    cases = _cases(rule)
    query = convert(load_rule(TESTS / "rules" / f"{rule}.yml"), "eql")
    matched = run_eql(query, ecs_schema(ecs_fields()), [to_ecs(case) for case in cases])
    assert {cases[i].name for i in matched} == _expected(cases), query


@pytest.mark.engine
@pytest.mark.parametrize("rule", RULES)
def test_lucene(rule: str) -> None:
    require_engine(lucene_unavailable())
    cases = _cases(rule)
    query = convert(load_rule(TESTS / "rules" / f"{rule}.yml"), "lucene")
    [hits] = run_lucene([query], [to_ecs(case) for case in cases], INDEX_TYPES)
    assert {cases[i].name for i in hits} == _expected(cases), query


@pytest.mark.engine
@pytest.mark.parametrize("rule", RULES)
def test_splunk_model(rule: str) -> None:
    undecided = {c["name"] for c in BLOCKS[rule]["cases"] if c.get("splunk_model_undecided")}
    cases = [case for case in _cases(rule) if case.name not in undecided]
    query = convert(load_rule(TESTS / "rules" / f"{rule}.yml"), "splunk")
    matched = spl_search(query, [to_splunk(case) for case in cases])
    assert {cases[i].name for i in matched} == _expected(cases), query
