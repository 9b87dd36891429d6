"""Sigma's string values in each target's own operators, with Sigma's letter-case rule.

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
    SigmaExpansion,
    SigmaFieldReference,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SpecialChars,
)

# A look-around or a back-reference (outside an escape).
_RE2_MISSING = re.compile(r"(?<!\\)(?:\\\\)*(?:\(\?<?[=!]|\\[1-9])")
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


def _as_regex(
    cond: ConditionFieldEqualsValueExpression, pattern: SigmaRegularExpression
) -> ConditionFieldEqualsValueExpression:
    as_regex = ConditionFieldEqualsValueExpression(cond.field, pattern)
    as_regex.parent = cond.parent
    return as_regex


def _values(cond: ConditionOR | ConditionAND) -> list[object]:
    return [getattr(arg, "value", None) for arg in cond.args]


class SplunkStrings(TextQueryBackend):
    """Splunk: values its search cannot write go to the PCRE ``| regex`` command.

    Defects answered: the stock backend writes Sigma's ``?`` as ``*`` (Splunk's search has no
    one-character wildcard: https://help.splunk.com/splunk-enterprise/search/search-manual/9.1/search-primer/wildcards),
    so ``a?c`` also matched ``abbc``; a literal ``*`` (Sigma ``\\*``) as ``\\*``, which
    Splunk's search reads as a wildcard ("The backslash symbol can't be used to escape the
    asterisk in search strings",
    https://help.splunk.com/splunk-enterprise/search/search-manual/9.4/search-primer/backslashes);
    and it refuses ``|cased``. Field-value matching is case-insensitive; ``CASE()`` matches
    index terms (https://help.splunk.com/splunk-enterprise/search/search-manual/9.0/search-primer/use-case-and-term-to-match-phrases),
    not whole field values that hold breakers such as spaces and backslashes, so a cased value
    is the anchored, case-sensitive regular expression ``(?s)^...\\z`` instead; the others
    above the same with ``(?i)``. (PCRE's ``\\z`` is the very end; ``$`` also matches before a
    final line break.)
    """

    def _needs_regex(self, value: object) -> bool:
        return isinstance(value, SigmaString) and (
            is_cased(value) or has_single_wildcard(value) or has_literal_star(value)
        )

    def _one_alternation(self, cond: ConditionOR | ConditionAND) -> bool:
        """An OR of string values of one field, some needing a regular expression, all of one
        case rule: one alternation (several "| regex" lines would AND them)."""
        values = _values(cond)
        fields = {getattr(arg, "field", None) for arg in cond.args}
        return (
            isinstance(cond, ConditionOR)
            and len(fields) == 1
            and None not in fields
            and all(isinstance(v, SigmaString) for v in values)
            and len({is_cased(v) for v in values}) == 1
            and any(self._needs_regex(v) for v in values)
        )

    def _alternation(
        self, cond: ConditionFieldEqualsValueExpression, values: list[SigmaString]
    ) -> ConditionFieldEqualsValueExpression:
        bodies = [
            str(anchored_pattern(value, ignore_case=False, end="").regexp)[1:] for value in values
        ]
        pattern = SigmaRegularExpression(f"^(?:{'|'.join(bodies)})$(?!\\n)")
        pattern.flags = {SigmaRegularExpressionFlag.DOTALL}
        if not is_cased(values[0]):
            pattern.flags.add(SigmaRegularExpressionFlag.IGNORECASE)
        return _as_regex(cond, pattern)

    def decide_convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> bool:
        if self._one_alternation(cond):
            return True
        if any(self._needs_regex(value) for value in _values(cond)):
            return False
        return bool(super().decide_convert_condition_as_in_expression(cond, state))

    def convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> str | DeferredQueryExpression:
        if self._one_alternation(cond):
            first = cond.args[0]
            assert isinstance(first, ConditionFieldEqualsValueExpression)
            as_one = ConditionFieldEqualsValueExpression(first.field, first.value)
            as_one.parent = cond.parent
            strings = [v for v in _values(cond) if isinstance(v, SigmaString)]
            return self.convert_condition_field_eq_val_re(self._alternation(as_one, strings), state)
        converted: str | DeferredQueryExpression = super().convert_condition_as_in_expression(
            cond, state
        )
        return converted

    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        if self._needs_regex(cond.value):
            assert isinstance(cond.value, SigmaString)
            pattern = anchored_pattern(cond.value, ignore_case=True, end="$(?!\\n)")
            return self.convert_condition_field_eq_val_re(_as_regex(cond, pattern), state)
        return super().convert_condition_field_eq_val_str(cond, state)

    def convert_condition_field_eq_expansion(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        # The backend writes the OR of an expansion's values without telling its regular
        # expressions they are ORed: each became a "| regex" line, which ANDs them. Values that
        # need a regular expression are one alternation instead.
        assert isinstance(cond.value, SigmaExpansion)
        values = cond.value.values
        if not (
            all(isinstance(value, SigmaString) for value in values)
            and any(self._needs_regex(value) for value in values)
        ):
            converted: str | DeferredQueryExpression = super().convert_condition_field_eq_expansion(
                cond, state
            )
            return converted
        if len({is_cased(value) for value in values}) != 1:
            raise NotImplementedError("an expansion of cased and uncased values")
        strings = [value for value in values if isinstance(value, SigmaString)]
        return self.convert_condition_field_eq_val_re(self._alternation(cond, strings), state)

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        assert isinstance(cond.value, SigmaString)
        pattern = anchored_pattern(cond.value, ignore_case=False, end="$(?!\\n)")
        return self.convert_condition_field_eq_val_re(_as_regex(cond, pattern), state)


class KustoStrings(TextQueryBackend):
    """Kusto: each value with the string operator that means it, ``_cs`` when cased.

    Kusto's string operators (https://learn.microsoft.com/en-us/kusto/query/datatypes-string-operators):
    ``=~``, ``in~``, ``startswith``, ``endswith``, ``contains`` ignore case; ``==``, ``in``,
    ``startswith_cs``, ``endswith_cs``, ``contains_cs`` keep it. A value with wildcards
    elsewhere is ``matches regex`` (RE2, a search: https://learn.microsoft.com/en-us/kusto/query/matches-regex-operator)
    anchored with ``^...$`` (RE2's ``$`` without ``m`` is the end of the text), ``(?s)`` so that
    ``*`` spans line breaks, and ``(?i)`` unless cased.

    Defects answered: the stock backend writes Sigma's ``?`` as ``*``, a wildcard value as an
    unanchored, case-sensitive ``matches regex "a.*b.c"`` (it matched ``xAaxbyc``... and missed
    ``A1B2C``), OR lists with wildcards as ``contains`` of the pieces, AND lists as
    ``has_all`` (a term search, not equality), and refuses ``|cased``.
    """

    convert_and_as_in: ClassVar[bool] = False

    _OPERATORS: ClassVar[dict[tuple[str, bool], str]] = {
        ("eq", False): "=~",
        ("eq", True): "==",
        ("startswith", False): "startswith",
        ("startswith", True): "startswith_cs",
        ("endswith", False): "endswith",
        ("endswith", True): "endswith_cs",
        ("contains", False): "contains",
        ("contains", True): "contains_cs",
    }

    def decide_convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> bool:
        values = _values(cond)
        if all(isinstance(value, SigmaNumber) for value in values):
            return bool(super().decide_convert_condition_as_in_expression(cond, state))
        plain = all(
            isinstance(value, SigmaString) and not value.contains_special() for value in values
        )
        one_case = len({is_cased(value) for value in values}) == 1
        if not (plain and one_case):
            return False
        return bool(super().decide_convert_condition_as_in_expression(cond, state))

    def convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> str | DeferredQueryExpression:
        values = _values(cond)
        if all(isinstance(value, SigmaString) for value in values):
            field = self.escape_and_quote_field(cond.args[0].field)  # type: ignore[union-attr]
            listed = str(self.list_separator).join(
                self.convert_value_str(value, state)  # type: ignore[arg-type]
                for value in values
            )
            op = "in" if is_cased(values[0]) else "in~"
            return f"{field} {op} ({listed})"
        return super().convert_condition_as_in_expression(cond, state)

    def _kusto_string(self, value: SigmaString, cased: bool, state: ConversionState) -> str:
        multi = SpecialChars.WILDCARD_MULTI
        inner = value[1:-1] if len(value) >= 2 else value
        if not value.contains_special():
            kind, operand = "eq", value
        elif value.endswith(multi) and not value[:-1].contains_special():
            kind, operand = "startswith", value[:-1]
        elif value.startswith(multi) and not value[1:].contains_special():
            kind, operand = "endswith", value[1:]
        elif value.startswith(multi) and value.endswith(multi) and not inner.contains_special():
            kind, operand = "contains", inner
        else:
            pattern = anchored_pattern(value, ignore_case=not cased, end="$")
            flags = "".join(
                sorted(SigmaRegularExpression.sigma_to_re_flag[f] for f in pattern.flags)
            )
            text = f"(?{flags}){pattern.regexp!s}"
            return 'matches regex "' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
        return f"{self._OPERATORS[(kind, cased)]} {self.convert_value_str(operand, state)}"

    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        assert isinstance(cond.value, SigmaString)
        field = self.escape_and_quote_field(cond.field)
        return f"{field} {self._kusto_string(cond.value, is_cased(cond.value), state)}"

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        return self.convert_condition_field_eq_val_str(cond, state)

    def convert_condition_field_eq_val_re(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        # RE2 has no look-around and no back-references
        # (https://github.com/google/re2/wiki/Syntax: "NOT SUPPORTED"); Kusto would fail the query.
        assert isinstance(cond.value, SigmaRegularExpression)
        if _RE2_MISSING.search(str(cond.value.regexp)):
            raise NotImplementedError(
                "|re: a look-around or a back-reference, which Kusto's RE2 regular expressions "
                "do not have"
            )
        value = cond.value
        # PCRE's '$' (and '\\Z') without m is the end or before a final line feed; RE2's is
        # only the end (RE2 syntax: "$ at end of text ... like \\z not \\Z"); and RE2's \\s
        # lacks PCRE's vertical tab.
        multiline = SigmaRegularExpressionFlag.MULTILINE in value.flags
        as_re2 = SigmaRegularExpression(_pcre_for_re2(str(value.regexp), multiline))
        as_re2.flags = value.flags
        cond = ConditionFieldEqualsValueExpression(cond.field, as_re2)
        converted: str | DeferredQueryExpression = super().convert_condition_field_eq_val_re(
            cond, state
        )
        return converted


def _pcre_for_re2(pattern: str, multiline: bool) -> str:
    r"""Each '$' and '\Z' outside a class as RE2's 'a final line feed, then the end'."""
    out, in_class, i = [], False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            pair = pattern[i : i + 2]
            if pair == "\\Z" and not in_class and not multiline:
                pair = "(?:\\n?$)"
            elif pair == "\\s":  # PCRE's white space has the vertical tab, RE2's has not
                pair = "\\t-\\r " if in_class else "[\\t-\\r ]"
            elif pair == "\\S" and not in_class:
                pair = "[^\\t-\\r ]"
            out.append(pair)
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        end = char == "$" and not in_class and not multiline
        out.append("(?:\\n?$)" if end else char)
        i += 1
    return "".join(out)


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
        if any(is_cased(value) for value in _values(cond)):
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


class KustoFieldRefs(TextQueryBackend):
    """|fieldref in Kusto: the string operators take a column on either side, ignoring case
    (https://learn.microsoft.com/en-us/kusto/query/datatypes-string-operators). A string
    column an event leaves out holds "" (https://learn.microsoft.com/en-us/kusto/query/scalar-data-types/null-values:
    string values cannot be null), and every value starts with, ends with and contains "",
    so the other column must not be empty (nor, for equality, the first). Defect answered:
    the stock backend refuses every field reference."""

    field_equals_field_expression: ClassVar[str | None] = (
        "(isnotempty({field1}) and {field1} =~ {field2})"
    )
    field_equals_field_startswith_expression: ClassVar[str | None] = (
        "(isnotempty({field2}) and {field1} startswith {field2})"
    )
    field_equals_field_endswith_expression: ClassVar[str | None] = (
        "(isnotempty({field2}) and {field1} endswith {field2})"
    )
    field_equals_field_contains_expression: ClassVar[str | None] = (
        "(isnotempty({field2}) and {field1} contains {field2})"
    )


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
