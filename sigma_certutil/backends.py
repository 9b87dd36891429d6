"""Small corrections to the pySigma backends, each answering one rendering defect.

The pipelines keep values typed as the target stores them (ports are numbers); these
subclasses only change how a backend writes what the pipeline hands it.
"""

from __future__ import annotations

import re
from typing import ClassVar

from sigma.backends.elasticsearch.elasticsearch_eql import EqlBackend
from sigma.backends.elasticsearch.elasticsearch_lucene import LuceneBackend
from sigma.backends.kusto.kusto import KustoBackend
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionOR,
    ConditionValueExpression,
)
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.deferred import DeferredQueryExpression
from sigma.conversion.state import ConversionState
from sigma.rule import SigmaRule
from sigma.types import SigmaNumber, SigmaRegularExpression, SigmaString, SpecialChars

__all__ = ["CertutilEqlBackend", "CertutilKustoBackend", "CertutilLuceneBackend"]


def _numbers_only(cond: ConditionOR | ConditionAND) -> bool:
    return all(
        isinstance(arg, ConditionFieldEqualsValueExpression) and isinstance(arg.value, SigmaNumber)
        for arg in cond.args
    )


class _NumericInList(TextQueryBackend):
    """Writes a list of numbers as a plain numeric ``in`` list.

    The EQL and Kusto backends turn every OR of values into their string list operator
    (``like~`` and ``in~``), even when the values are numbers compared with a numeric
    field; both languages reject that as a type error.
    """

    numeric_in_operator: ClassVar[str]

    def convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> str | DeferredQueryExpression:
        if isinstance(cond, ConditionOR) and _numbers_only(cond):
            field = cond.args[0].field  # type: ignore[union-attr]
            numbers = self.list_separator.join(str(arg.value) for arg in cond.args)  # type: ignore[union-attr]
            assert self.field_in_list_expression is not None
            return self.field_in_list_expression.format(
                field=self.escape_and_quote_field(field), op=self.numeric_in_operator, list=numbers
            )
        return super().convert_condition_as_in_expression(cond, state)


class CertutilEqlBackend(_NumericInList, EqlBackend):
    """EQL with numeric ``in`` lists and the event category the pipeline names.

    Defects answered: ``destination.port like~ (80, 135)`` (EqlTypeMismatchError in Elastic's
    EQL parser), ``destination.port:4444`` (':' is a string operator), and ``any where`` for
    every rule although the category is known (state key ``eql_event_category``, set by the
    ECS pipeline).
    """

    numeric_in_operator: ClassVar[str] = " in "
    # Defect answered: the stock backend escapes '/' in regular expressions, and '\/' is not
    # an EQL string escape (EqlSyntaxError), while '"' is left bare and ends the string.
    re_escape = ('"',)

    def convert_condition_field_eq_val_num(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        # Defect answered: "destination.port:4444"; EQL's ':' compares strings only.
        return f"{self.escape_and_quote_field(cond.field)} == {cond.value}"

    @staticmethod
    def _has_literal_wildcard(value: object) -> bool:
        return isinstance(value, SigmaString) and any(
            isinstance(part, str) and ("*" in part or "?" in part) for part in value.s
        )

    def decide_convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> bool:
        if any(
            isinstance(arg, ConditionFieldEqualsValueExpression)
            and self._has_literal_wildcard(arg.value)
            for arg in cond.args
        ):
            return False
        return bool(super().decide_convert_condition_as_in_expression(cond, state))

    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        # Defect answered: a literal '*' or '?' (Sigma '\*') was written as "\*", which is not
        # an EQL string escape (EqlSyntaxError); EQL wildcard patterns cannot escape them, so
        # such a value is matched with an equivalent regular expression (regex~ ignores case
        # like ':').
        if self._has_literal_wildcard(cond.value):
            assert isinstance(cond.value, SigmaString)
            as_regex = ConditionFieldEqualsValueExpression(cond.field, cond.value.to_regex())
            as_regex.parent = cond.parent
            return self.convert_condition_field_eq_val_re(as_regex, state)
        return super().convert_condition_field_eq_val_str(cond, state)

    def convert_condition_val_str(
        self, cond: ConditionValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        raise NotImplementedError(
            "a keyword without a field: EQL has no full-text search over every field"
        )

    def finalize_query_default(
        self, rule: SigmaRule, query: str, index: int, state: ConversionState
    ) -> str:
        category = state.processing_state.get("eql_event_category", "any")
        return f"{category} where {query}"


class CertutilKustoBackend(_NumericInList, KustoBackend):
    """KQL with numeric ``in`` lists.

    Defect answered: ``RemotePort in~ ("80", "135")`` compares an int column with strings
    (Kusto analyzer KS107); ``RemotePort in (80, 135)`` is what the table accepts.
    """

    numeric_in_operator: ClassVar[str] = "in"

    def convert_value_str(self, s: SigmaString | SigmaNumber, state: ConversionState) -> str:
        # Defect answered: the stock backend escapes a literal '*' as '\*' and then removes
        # every '\*', which also eats the second half of an escaped backslash before a
        # literal star (Sigma '\\\*', "C:\*."), leaving '"...\*..."', an invalid KQL escape
        # (analyzer KS001). KQL strings have no wildcards: only '\' and '"' need escaping.
        value = s if isinstance(s, SigmaString) else SigmaString(str(s))
        parts = []
        for part in value.s:
            if isinstance(part, str):
                parts.append(part.replace("\\", "\\\\").replace('"', '\\"'))
            elif part in (SpecialChars.WILDCARD_MULTI, SpecialChars.WILDCARD_SINGLE):
                parts.append("*")
            else:
                raise NotImplementedError(f"value part {part!r} has no KQL form")
        return '"' + "".join(parts) + '"'


class CertutilLuceneBackend(LuceneBackend):
    """Lucene query strings whose regular expressions escape Lucene's operator characters.

    Defect answered: Elasticsearch's query_string enables every Lucene regular-expression
    operator, so '"', '<', '>', '#', '@', '&' and '~' in a value (a command line ending in
    '.exe"') must be escaped, and '/' ends the expression; the stock backend escapes only '/'
    and the query fails to parse. Characters the expression already escapes stay as they are.
    """

    lucene_regex_reserved: ClassVar[str] = '/"<>#@&~'

    def convert_value_re(
        self, r: SigmaRegularExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        # An escape pair is kept as it is; a reserved character alone gets a backslash.
        reserved = re.compile(rf"(\\.)|([{re.escape(self.lucene_regex_reserved)}])", re.DOTALL)
        return reserved.sub(lambda m: m.group(1) or "\\" + m.group(2), str(r.regexp))
