"""sigma_certutil/verify/engines/elastic_case.py: the eql engine with Elasticsearch's letter-case
rules, on hand-written queries whose meaning the EQL syntax reference states
(https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-syntax.html)."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.engine

eql = pytest.importorskip("eql")

from sigma_certutil.verify.engines.eql import run_eql  # noqa: E402

VALUES = ("Foo", "foo", "FOO bar", "xFoo")


def _matches(condition: str) -> set[str]:
    schema = eql.Schema({"process": {"a": "string"}})
    docs = [{"a": value, "event": {"category": ["process"]}} for value in VALUES]
    return {VALUES[i] for i in run_eql(f"process where {condition}", schema, docs)}


@pytest.mark.parametrize(
    ("condition", "expected"),
    [
        # "==" and "!=" are case-sensitive, ":" is not.
        ('a == "Foo"', {"Foo"}),
        ('a != "Foo"', {"foo", "FOO bar", "xFoo"}),
        ('not a == "Foo"', {"foo", "FOO bar", "xFoo"}),
        ('a : "foo"', {"Foo", "foo"}),
        ('a : "*foo*"', set(VALUES)),
        # like / like~, regex / regex~ (whole-value patterns).
        ('a like "Foo*"', {"Foo"}),
        ('a like~ "foo*"', {"Foo", "foo", "FOO bar"}),
        ('a like ("Foo", "x*")', {"Foo", "xFoo"}),
        ('a regex "F.*"', {"Foo", "FOO bar"}),
        ('a regex~ "f.*"', {"Foo", "foo", "FOO bar"}),
        # Wildcards: '?' is exactly one character; patterns match the whole value.
        ('a : "f?o"', {"Foo", "foo"}),
        ('a like "?Foo"', {"xFoo"}),
        ('a : "fo"', set()),
        ('a regex "Fo"', set()),
        ('a regex~ ".*foo"', {"Foo", "foo", "xFoo"}),
        # in / in~.
        ('a in ("Foo", "FOO bar")', {"Foo", "FOO bar"}),
        ('a in~ ("foo")', {"Foo", "foo"}),
        ('not a in ("Foo")', {"foo", "FOO bar", "xFoo"}),
        # A cased comparison beside a caseless one keeps each rule.
        ('a == "Foo" or a : "xfoo"', {"Foo", "xFoo"}),
    ],
)
def test_case_rules(condition: str, expected: set[str]) -> None:
    assert _matches(condition) == expected


def test_the_engine_case_rule_is_restored_after_a_query() -> None:
    """The eql package keeps case in one module flag; a query leaves it as it was."""
    import eql.utils

    _matches('a == "Foo"')
    assert eql.utils.CASE_INSENSITIVE is True
