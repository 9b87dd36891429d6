"""Kusto: Sigma's string values, letter case, regular expressions and field references in
KQL's own operators (Defender XDR advanced hunting)."""

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
    SigmaNumber,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SpecialChars,
)

from sigma_certutil.conversion.strings import (
    anchored_pattern,
    condition_values,
    is_cased,
)

# A look-around or a back-reference (outside an escape).
_RE2_MISSING = re.compile(r"(?<!\\)(?:\\\\)*(?:\(\?<?[=!]|\\[1-9])")


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
        values = condition_values(cond)
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
        values = condition_values(cond)
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
