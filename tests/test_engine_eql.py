"""EQL output parsed by Elastic's eql package (Elasticsearch syntax, ECS schema) and run on
ECS documents shaped as the Winlogbeat sysmon module writes them."""

from __future__ import annotations

from pathlib import Path

import eql
import pytest
from engines.cases import load_cases
from helpers import TESTS, golden_rules, real_eid3_cases

from sigma_certutil import convert, load_bundled_rule, load_rule
from sigma_certutil.verify.engines.eql import ecs_schema, parse_eql, run_eql
from sigma_certutil.verify.shapes.ecs import ecs_fields, to_ecs

pytestmark = pytest.mark.engine

CASES = load_cases(TESTS / "fixtures" / "certutil_events.yml")


@pytest.fixture(scope="module")
def schema() -> eql.Schema:
    return ecs_schema(ecs_fields())


@pytest.mark.parametrize("rule", golden_rules(), ids=lambda p: p.stem)
def test_every_golden_rule_parses_against_the_ecs_schema(rule: Path, schema: eql.Schema) -> None:
    parse_eql(convert(load_rule(rule), "eql"), schema)


def test_flagship_matches_exactly_the_positive_cases(schema: eql.Schema) -> None:
    query = convert(load_bundled_rule(), "eql")
    matched = run_eql(query, schema, [to_ecs(case) for case in CASES])
    assert {CASES[i].name for i in matched} == {case.name for case in CASES if case.match}


@pytest.mark.shared
def test_flagship_on_real_sysmon_events(schema: eql.Schema) -> None:
    cases = real_eid3_cases()
    query = convert(load_bundled_rule(), "eql")
    matched = run_eql(query, schema, [to_ecs(case) for case in cases])
    assert {cases[i].name for i in matched} == {case.name for case in cases if case.match}
    assert matched, "the certutil event must match"


def test_stock_like_on_a_number_is_a_type_error(schema: eql.Schema) -> None:
    """The defect the EQL backend fix answers, shown on the same parser."""
    with pytest.raises(eql.EqlTypeMismatchError):
        parse_eql("network where destination.port like~ (80, 443)", schema)


def test_unknown_field_is_rejected(schema: eql.Schema) -> None:
    """The schema check is live: a field the index lacks fails to parse."""
    with pytest.raises(eql.EqlSchemaError):
        parse_eql('network where process.executable.caseless : "*\\\\certutil.exe"', schema)
