"""Sigma's string values in each target's own operators, with Sigma's letter-case rule: what
the targets share, and the Elasticsearch languages (splunk_strings and kusto_strings hold
Splunk's and Kusto's).

Sigma compares strings case-insensitively unless the rule says ``|cased``; ``*`` matches any
run of characters (line breaks included), ``?`` exactly one, and ``\\*``, ``\\?``, ``\\\\`` are
those characters themselves. pySigma 1.5's backends leave gaps there (each mixin below names
the one it answers): these mixins pick, per value, an operator of the target whose documented
semantics are exactly Sigma's, and fall back to the target's regular expressions, anchored,
where no operator is.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionOR,
)
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.deferred import DeferredQueryExpression
from sigma.conversion.state import ConversionState
from sigma.types import (
    SigmaCasedString,
    SigmaFieldReference,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SpecialChars,
)

_REGEX_SPECIAL = ".*+?^$[](){}\\|"


def is_cased(value: object) -> bool:
    return isinstance(value, SigmaCasedString)


def has_single_wildcard(value: SigmaString) -> bool:
    return SpecialChars.WILDCARD_SINGLE in value.s


def has_literal_star(value: SigmaString) -> bool:
    return any(isinstance(part, str) and "*" in part for part in value.s)


def anchored_pattern(value: SigmaString, *, ignore_case: bool, end: str) -> SigmaRegularExpression:
    """The whole value as a regular expression (PCRE or RE2): anchored at both ends (``end``
    is the end-of-text anchor of the dialect), ``*`` as ``.*`` and ``?`` as ``.`` with ``.``
    matching line breaks (``s``), literal characters escaped, and ``i`` unless cased."""
    parts: list[str] = []
    for part in value.s:
        if isinstance(part, str):
            parts.append("".join(f"\\{c}" if c in _REGEX_SPECIAL else c for c in part))
        elif part == SpecialChars.WILDCARD_MULTI:
            parts.append(".*")
        elif part == SpecialChars.WILDCARD_SINGLE:
            parts.append(".")
        else:
            raise NotImplementedError(f"value part {part!r} has no regular-expression form")
    pattern = SigmaRegularExpression(f"^{''.join(parts)}{end}")
    pattern.flags = {SigmaRegularExpressionFlag.DOTALL}
    if ignore_case:
        pattern.flags.add(SigmaRegularExpressionFlag.IGNORECASE)
    return pattern


def as_regex(
    cond: ConditionFieldEqualsValueExpression, pattern: SigmaRegularExpression
) -> ConditionFieldEqualsValueExpression:
    as_regex = ConditionFieldEqualsValueExpression(cond.field, pattern)
    as_regex.parent = cond.parent
    return as_regex


def condition_values(cond: ConditionOR | ConditionAND) -> list[object]:
    return [getattr(arg, "value", None) for arg in cond.args]


class ElasticCasedStrings(TextQueryBackend):
    """A ``|cased`` value in the Elasticsearch languages: the case-sensitive operator of each.

    The caseless step (pipelines/elastic_caseless.yml) leaves cased values alone, so they reach
    the backend as written. Lucene: a term or wildcard query on a keyword field is exact
    (https://www.elastic.co/guide/en/elasticsearch/reference/current/keyword.html); ES|QL:
    ``==``, ``starts_with``, ``ends_with`` and ``LIKE`` compare with case
    (https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-functions-operators.html);
    EQL: ``==`` and ``like`` (and ``regex`` for literal wildcards) are case-sensitive
    (https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-syntax.html).
    Defect answered: the stock Lucene and ES|QL backends refuse ``|cased`` (the caseless step
    had turned it into a caseless ``[aA]`` pattern), and the EQL backend writes ``==`` with
    wildcards (``== "*Foo*"``, which compares the stars literally) and ORs of cased values as
    ``like~``.
    """

    cased_eq_expression: ClassVar[str] = "{field}:{value}"
    cased_wildcard_expression: ClassVar[str] = "{field}:{value}"
    cased_startswith_expression: ClassVar[str | None] = None
    cased_endswith_expression: ClassVar[str | None] = None

    def decide_convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> bool:
        if any(is_cased(value) for value in condition_values(cond)):
            return False
        return bool(super().decide_convert_condition_as_in_expression(cond, state))

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        value = cond.value
        assert isinstance(value, SigmaString)
        multi = SpecialChars.WILDCARD_MULTI
        template, operand = self.cased_wildcard_expression, value
        if not value.contains_special():
            template = self.cased_eq_expression
        elif (
            self.cased_startswith_expression
            and value.endswith(multi)
            and not value[:-1].contains_special()
        ):
            template, operand = self.cased_startswith_expression, value[:-1]
        elif (
            self.cased_endswith_expression
            and value.startswith(multi)
            and not value[1:].contains_special()
        ):
            template, operand = self.cased_endswith_expression, value[1:]
        written = (
            self.cased_pattern(operand, state)
            if template == self.cased_wildcard_expression
            else self.convert_value_str(operand, state)
        )
        return template.format(field=self.escape_and_quote_field(cond.field), value=written)

    def cased_pattern(self, value: SigmaString, state: ConversionState) -> str:
        """A cased wildcard pattern as the wildcard template takes it."""
        return str(self.convert_value_str(value, state))


def literal_wildcards(value: object) -> bool:
    """A Sigma value with a literal ``*`` or ``?`` (``\\*``, ``\\?``)."""
    return isinstance(value, SigmaString) and any(
        isinstance(part, str) and re.search(r"[*?]", part) for part in value.s
    )


_FIELDREF_OPERATORS = {
    (False, False): "eq",
    (True, False): "startswith",
    (False, True): "endswith",
    (True, True): "contains",
}


def fieldref_kind(value: SigmaFieldReference) -> str:
    """What a |fieldref compares: eq, startswith, endswith or contains."""
    return _FIELDREF_OPERATORS[(value.starts_with, value.ends_with)]


class EsqlFieldRefs(TextQueryBackend):
    """|fieldref in ES|QL: both sides lowercased (TO_LOWER), since ``==``, ``starts_with``,
    ``ends_with`` and ``LOCATE`` compare with case
    (https://www.elastic.co/guide/en/elasticsearch/reference/current/esql-functions-operators.html).
    Defect answered: the stock backend compares ``a==b`` with case and refuses the string
    modifiers."""

    field_equals_field_expression: ClassVar[str] = "TO_LOWER({field1})==TO_LOWER({field2})"
    field_equals_field_startswith_expression: ClassVar[str] = (
        "starts_with(TO_LOWER({field1}), TO_LOWER({field2}))"
    )
    field_equals_field_endswith_expression: ClassVar[str] = (
        "ends_with(TO_LOWER({field1}), TO_LOWER({field2}))"
    )
    field_equals_field_contains_expression: ClassVar[str] = (
        "LOCATE(TO_LOWER({field1}), TO_LOWER({field2})) > 0"
    )


class NoFieldRefs(TextQueryBackend):
    """|fieldref where the language cannot compare two fields: refused, saying why."""

    no_fieldref_reason: ClassVar[str] = ""

    def convert_condition_field_eq_field(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        raise NotImplementedError(f"|fieldref: {self.no_fieldref_reason}")
