"""sigma_certutil/processing/language.py: |expand from the user's vars, |utf16 refused."""

from __future__ import annotations

import pytest
from sigma.processing.pipeline import ProcessingPipeline

from sigma_certutil import ConversionError, convert, parse_rule

_RULE = """\
title: t
id: 3e0c8d0e-6a0e-4f55-8f0d-2a4b9c0e7d11
status: test
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        {item}
    condition: sel
level: low
"""


def _rule(item: str):  # type: ignore[no-untyped-def]
    return parse_rule(_RULE.format(item=item), "r.yml")


def test_expand_takes_the_values_of_the_variable() -> None:
    own = ProcessingPipeline.from_dict({"name": "own", "vars": {"tools": ["\\a.exe", "\\b.exe"]}})
    query = convert(_rule("ParentImage|expand|endswith: '%tools%'"), "eql", [own])
    assert query.endswith('process.parent.executable like~ ("*\\\\a.exe", "*\\\\b.exe")))'), query


def test_expand_without_the_variable_is_refused_naming_it() -> None:
    with pytest.raises(ConversionError) as raised:
        convert(_rule("ParentImage|expand|endswith: '%tools%'"), "eql")
    assert raised.value.reason == (
        "|expand: placeholder %tools% has no value; give it in your own pipeline (-p own.yml) "
        "as vars: {tools: [...]}"
    )


def test_utf16_is_refused_with_the_reason() -> None:
    with pytest.raises(ConversionError) as raised:
        convert(_rule("CommandLine|utf16|base64|contains: 'ping'"), "kusto")
    assert raised.value.reason == (
        "|utf16: pySigma 1.5 writes the byte order mark as EF BB BF (UTF-8), not the FF FE of "
        "UTF-16 the specification gives, so no UTF-16 value would match"
    )
