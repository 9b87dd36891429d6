"""verify/engines/lucene.py: Apache Lucene 8 as verify and the engine tests run it, on
hand-written documents and queries."""

from __future__ import annotations

import pytest
from helpers import require_engine

from sigma_certutil.verify.engines.lucene import LuceneQueryError, lucene_unavailable, run_lucene

pytestmark = pytest.mark.engine

FIELD_TYPES = {
    "process.executable": "keyword",
    "process.name": "lowercase_keyword",
    "destination.port": "long",
    "network.direction": "keyword",
}
DOCS: list[dict[str, object]] = [
    {
        "process": {"executable": "C:\\Windows\\System32\\certutil.exe", "name": "CertUtil.exe"},
        "destination": {"port": 443},
        "network": {"direction": "egress"},
    },
    {
        "process": {"executable": "C:\\x\\xcertutil.exe", "name": "xcertutil.exe"},
        "destination": {"port": 80},
        "network": {"direction": "egress"},
    },
    {
        "process": {"executable": "C:\\WINDOWS\\SYSTEM32\\CERTUTIL.EXE", "name": "CERTUTIL.EXE"},
        "destination": {"port": [8080, 8443]},
        "network": {"direction": "ingress"},
    },
]


@pytest.fixture(autouse=True)
def _lucene() -> None:
    require_engine(lucene_unavailable())


def hits(query: str) -> set[int]:
    return run_lucene([query], DOCS, FIELD_TYPES)[0]


def test_escaped_backslash_matches_a_literal_backslash() -> None:
    assert hits(r"process.executable:*\\certutil.exe") == {0}


def test_single_backslash_only_escapes_the_next_letter() -> None:
    # The pitfall: "\c" is an escaped "c", so the pattern is just *certutil.exe.
    assert hits(r"process.executable:*\certutil.exe") == {0, 1}


def test_long_field_terms_and_ranges() -> None:
    assert run_lucene(
        ["destination.port:(80 OR 443)", "destination.port:8443", "destination.port:>=1024"],
        DOCS,
        FIELD_TYPES,
    ) == [{0, 1}, {2}, {2}]


def test_value_that_is_not_stored_matches_nothing() -> None:
    assert hits("network.direction:true") == set()


def test_negation_inside_a_group_means_and_not() -> None:
    # Elasticsearch adds match-all to purely negative groups; bare Lucene would match nothing.
    assert hits("destination.port:* AND (NOT network.direction:ingress)") == {0, 1}


def test_unknown_or_missing_field_raises() -> None:
    with pytest.raises(LuceneQueryError, match=r"unknown field process\.commandline"):
        hits("process.commandline:*certutil*")
    with pytest.raises(LuceneQueryError, match="without a field"):
        hits("certutil.exe")


def test_wildcard_on_a_long_field_raises() -> None:
    with pytest.raises(LuceneQueryError, match=r"wildcard on numeric field destination\.port"):
        hits("destination.port:44*")


def test_regexp_character_classes_match_mixed_case() -> None:
    query = r"process.executable:/.*\\[cC][eE][rR][tT][uU][tT][iI][lL]\.[eE][xX][eE]/"
    assert hits(query) == {0, 2}


def test_lowercase_keyword_matches_case_insensitively() -> None:
    assert hits("process.name:CERTUTIL.exe") == {0, 2}
    assert hits("process.name:*UTIL.EXE") == {0, 1, 2}
    # As in Elasticsearch, the normalizer skips escaped characters of a wildcard.
    assert hits(r"process.name:*\Certutil.exe") == set()


# --- ip fields (https://www.elastic.co/guide/en/elasticsearch/reference/current/ip.html) --

IP_TYPES = {"destination.ip": "ip", "process.executable": "keyword"}
IP_DOCS: list[dict[str, object]] = [
    {"destination": {"ip": "10.1.2.3"}, "process": {"executable": "a"}},
    {"destination": {"ip": "fe80::1"}, "process": {"executable": "b"}},
    {"process": {"executable": "c"}},  # no destination.ip
]


def ip_hits(query: str) -> set[int]:
    return run_lucene([query], IP_DOCS, IP_TYPES)[0]


def test_ip_field_terms_are_addresses_or_cidr_ranges() -> None:
    assert ip_hits("destination.ip:10.0.0.0\\/8") == {0}
    assert ip_hits('destination.ip:"10.1.2.3"') == {0}
    assert ip_hits("destination.ip:fe80\\:\\:\\/10") == {1}
    assert ip_hits('destination.ip:"fe80::1"') == {1}
    assert ip_hits('destination.ip:"10.1.2.4"') == set()


def test_negated_range_and_exists_on_ip_field() -> None:
    assert ip_hits("NOT destination.ip:10.0.0.0\\/8") == {1, 2}
    assert ip_hits("_exists_:destination.ip") == {0, 1}
    assert ip_hits("NOT _exists_:destination.ip") == {2}


def test_patterns_and_non_addresses_on_ip_field_raise() -> None:
    for query, message in [
        ("destination.ip:10.*", "wildcard or regexp on ip field destination.ip"),
        ("destination.ip:/10\\..*/", "wildcard or regexp on ip field destination.ip"),
        ("destination.ip:foo", "'foo' is not an IP string literal"),
        ("destination.ip:10.0.0.0\\/33", "'10.0.0.0/33' is not a CIDR range"),
    ]:
        with pytest.raises(LuceneQueryError) as error:
            ip_hits(query)
        assert message in error.value.message


# --- strings on keyword fields, as Elasticsearch documents them ------------------------------
# keyword fields keep the value as written, so terms and wildcards compare with case
# (https://www.elastic.co/guide/en/elasticsearch/reference/current/keyword.html); '?' is one
# character, '*' any run; a regular expression matches the whole value and '.' is any
# character, line breaks included
# (https://www.elastic.co/guide/en/elasticsearch/reference/current/regexp-syntax.html).

LINES = ("Foo Bar", "foo bar", "Foo\nBar", "a*b")


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('c:"Foo Bar"', {"Foo Bar"}),
        ("c:Foo*", {"Foo Bar", "Foo\nBar"}),
        ("c:Foo?Bar", {"Foo Bar", "Foo\nBar"}),
        ("c:Foo\\ Bar", {"Foo Bar"}),
        ("c:a\\*b", {"a*b"}),
        ("c:/Foo.Bar/", {"Foo Bar", "Foo\nBar"}),
        ("c:/Foo/", set()),
        ("c:/[fF]oo.*/", {"Foo Bar", "foo bar", "Foo\nBar"}),
        ("c:/Foo[^\n]Bar/", {"Foo Bar"}),
    ],
)
def test_keyword_strings_as_documented(query: str, expected: set[str]) -> None:
    [hits] = run_lucene([query], [{"c": line} for line in LINES], {"c": "keyword"})
    assert {LINES[i] for i in hits} == expected
