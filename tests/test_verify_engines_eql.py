"""verify/engines/eql.py: Elastic's eql engine with Elasticsearch's ``not``, on hand-written
documents and queries (https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-syntax.html:
a comparison returns true or false, and ``not`` is true when the condition is false)."""

from __future__ import annotations

from typing import Any

import pytest
from helpers import require_engine

from sigma_certutil.verify.engines.eql import ecs_schema, run_eql, unavailable

pytestmark = pytest.mark.engine

TYPES = {"event.code": "keyword", "process.executable": "keyword", "destination.port": "long"}
DOCS: list[dict[str, Any]] = [
    {"event": {"category": ["process"], "code": "1"}, "process": {"executable": "C:\\a.exe"}},
    {"event": {"category": ["process"], "code": "1"}, "process": {"executable": "C:\\b.exe"}},
    {"event": {"category": ["process"], "code": "1"}},  # no process.executable
]


@pytest.fixture(autouse=True)
def _eql() -> None:
    require_engine(unavailable())


def hits(query: str) -> set[int]:
    return run_eql(query, ecs_schema(TYPES), DOCS)


def test_not_of_a_comparison_with_a_missing_field_matches() -> None:
    assert hits('process where process.executable : "C:\\\\a.exe"') == {0}
    assert hits('process where not process.executable : "C:\\\\a.exe"') == {1, 2}
    assert hits('process where not (process.executable : "*b.exe" or destination.port == 1)') == {
        0,
        2,
    }


def test_not_equal_on_a_missing_field_matches() -> None:
    # The parser writes `not a == b` as `a != b`.
    assert hits("process where not destination.port == 443") == {0, 1, 2}
    assert hits('process where process.executable != "C:\\\\a.exe"') == {1, 2}


def test_a_comparison_with_a_missing_field_alone_does_not_match() -> None:
    assert hits('process where process.executable : "*"') == {0, 1}
    assert hits("process where destination.port == 443") == set()


def test_null_checks() -> None:
    assert hits("process where ?process.executable == null") == {2}
    assert hits("process where ?process.executable != null") == {0, 1}
    assert hits("process where not ?process.executable == null") == {0, 1}
