"""The Sigma language by target, strings side: letter case and |cased, wildcards and their
escapes, |re and its flags, windash, the encodings, |all, |fieldref, |expand, keywords and
conditions. Cases: tests/fixtures/language/strings/ (see tests/language_matrix.py)."""

from __future__ import annotations

from pathlib import Path

import pytest
from language_matrix import (
    LanguageCase,
    check_golden,
    engine_names,
    load_part,
    orphans,
    pipelines_of,
    reference_names,
    render,
    rule_of,
)

from sigma_certutil import TARGETS

PART = "strings"
CASES = load_part(PART)
CELLS = [(case, target) for case in CASES for target in TARGETS]


@pytest.mark.parametrize("case", CASES, ids=lambda case: case.name)
def test_the_reference_agrees_with_the_fixture(case: LanguageCase) -> None:
    """The events were written from the specification; the rule itself on the raw fields
    (pySigma's SQLite backend) must read them the same way, or the fixture is wrong. Where the
    fixture names why the reference reads a rule otherwise, it must still do so (a pySigma
    that encodes |utf16 as specified makes this fail, and the refusal can go)."""
    found = reference_names(rule_of(case, CASES, reference=True), case)
    if case.reference_misreads:
        assert found != case.expected, f"the reference now agrees: {case.reference_misreads}"
    else:
        assert found == case.expected


@pytest.mark.engine
@pytest.mark.parametrize(
    ("case", "target_id"), CELLS, ids=[f"{case.name}-{target}" for case, target in CELLS]
)
def test_cell(case: LanguageCase, target_id: str, update_snapshots: bool, tmp_path: Path) -> None:
    rule = rule_of(case, CASES)
    extension, text = render(rule, target_id, pipelines_of(case, tmp_path))
    check_golden(case, target_id, text, extension, update_snapshots)
    if target_id in case.refused:
        assert extension == "error", f"{target_id} must refuse {case.name}: {text}"
        assert case.refused[target_id] in text
        return
    assert extension != "error", f"{target_id} refused {case.name}: {text}"
    if target_id in case.not_modelled:
        pytest.skip(case.not_modelled[target_id])
    matched = engine_names(target_id, text.removesuffix("\n"), case)
    if matched is not None:
        assert matched == case.expected


def test_no_orphaned_golden_files(update_snapshots: bool) -> None:
    assert not orphans(PART, CASES, update_snapshots)


@pytest.mark.engine
def test_kusto_queries_pass_microsofts_analyzer(tmp_path: Path) -> None:
    """Every Kusto cell, through Kusto.Language against the Defender XDR schemas: duckdb-kql
    runs them, the analyzer says Kusto itself accepts them (types, operators, functions)."""
    from engines.kusto import analyze_kql, kusto_analyzer_unavailable
    from helpers import require_engine
    from sigma.pipelines.microsoftxdr.tables import MICROSOFT_XDR_TABLES

    from sigma_certutil.verify.engines.kusto import xdr_table_columns

    require_engine(kusto_analyzer_unavailable())
    queries = []
    for case in CASES:
        extension, text = render(rule_of(case, CASES), "kusto", pipelines_of(case, tmp_path))
        if extension != "error":
            queries.append(text.removesuffix("\n"))
    assert len(queries) >= 30
    tables = {table: xdr_table_columns(table) for table in MICROSOFT_XDR_TABLES}
    for query, diagnostics in zip(queries, analyze_kql(queries, tables), strict=True):
        assert diagnostics == [], f"{query}\n{diagnostics}"
