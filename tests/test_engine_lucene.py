"""Lucene output parsed and run by Apache Lucene 8 over an index typed as ECS (keyword, long)
with documents shaped as the Winlogbeat sysmon module writes them."""

from __future__ import annotations

import pytest
from engines.cases import Case, load_cases
from helpers import TESTS, golden_rules, real_eid3_cases, require_engine

from sigma_certutil import convert, load_bundled_rule, load_rule
from sigma_certutil.verify.engines.lucene import LuceneQueryError, lucene_unavailable, run_lucene
from sigma_certutil.verify.shapes.ecs import ecs_fields, to_ecs

pytestmark = pytest.mark.engine

CASES = load_cases(TESTS / "fixtures" / "certutil_events.yml")
# Elasticsearch's ip type takes exact terms and CIDR; the index here keeps exact terms.
INDEX_TYPES = {name: "keyword" if kind == "ip" else kind for name, kind in ecs_fields().items()}


def _matched_names(query: str, cases: list[Case]) -> set[str]:
    [hits] = run_lucene([query], [to_ecs(case) for case in cases], INDEX_TYPES)
    return {cases[i].name for i in hits}


def test_every_golden_query_parses_against_the_ecs_index() -> None:
    require_engine(lucene_unavailable())
    queries = [convert(load_rule(rule), "lucene") for rule in golden_rules()]
    run_lucene(queries, [to_ecs(CASES[0])], INDEX_TYPES)  # raises LuceneQueryError if not


def test_flagship_matches_exactly_the_positive_cases() -> None:
    require_engine(lucene_unavailable())
    matched = _matched_names(convert(load_bundled_rule(), "lucene"), CASES)
    assert matched == {case.name for case in CASES if case.match}


@pytest.mark.shared
def test_flagship_on_real_sysmon_events() -> None:
    require_engine(lucene_unavailable())
    cases = real_eid3_cases()
    assert _matched_names(convert(load_bundled_rule(), "lucene"), cases) == {"certutil_0dba975d"}


def test_stock_output_matches_nothing_here() -> None:
    """Stock ecs_windows output, on the same index: no caseless field, and direction 'true'."""
    require_engine(lucene_unavailable())
    stock = (
        "process.executable.caseless:*\\\\certutil.exe AND network.direction:true"
        " AND (destination.port:(80 OR 135 OR 443 OR 445))"
    )
    with pytest.raises(LuceneQueryError, match="unknown field"):
        run_lucene([stock], [to_ecs(case) for case in CASES], INDEX_TYPES)
    fixed_field = stock.replace(".caseless", "")
    assert _matched_names(fixed_field, CASES) == set()


def test_inbound_rule_runs() -> None:
    require_engine(lucene_unavailable())
    rule = load_rule(TESTS / "rules" / "net_connection_inbound_smb_to_user_binary.yml")
    event = {"Image": r"c:\users\bob\evil.exe", "DestinationPort": 445, "Protocol": "tcp"}
    cases = [
        Case("inbound", True, {**event, "Initiated": "false"}),
        Case("outbound", False, {**event, "Initiated": "true"}),
        Case("other folder", False, {**event, "Initiated": "false", "Image": r"C:\Tools\x.exe"}),
    ]
    assert _matched_names(convert(rule, "lucene"), cases) == {"inbound"}
