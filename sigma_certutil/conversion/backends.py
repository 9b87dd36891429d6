"""Small corrections to the pySigma backends, each answering one defect.

The pipelines keep values typed as the target stores them (ports are numbers); these
subclasses only change how a backend writes what the pipeline hands it, and, for every
target, how much work that takes (_LazyRegex).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import ClassVar

from sigma.backends.elasticsearch.elasticsearch_eql import EqlBackend
from sigma.backends.elasticsearch.elasticsearch_esql import ESQLBackend
from sigma.backends.elasticsearch.elasticsearch_lucene import LuceneBackend
from sigma.backends.kusto.kusto import KustoBackend
from sigma.backends.splunk.splunk import SplunkBackend
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
from sigma.types import (
    SigmaExpansion,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SpecialChars,
)

from sigma_certutil.conversion.kusto_strings import KustoFieldRefs, KustoStrings
from sigma_certutil.conversion.missing_values import (
    EqlFieldExists,
    EqlOrderingUnderNot,
    EsqlNullSafeNot,
    KustoMissingValues,
    SplunkNotNull,
)
from sigma_certutil.conversion.splunk_strings import SplunkFieldRefsAndOrder, SplunkStrings
from sigma_certutil.conversion.strings import (
    ElasticCasedStrings,
    EsqlFieldRefs,
    NoFieldRefs,
    is_cased,
)

__all__ = [
    "CertutilEqlBackend",
    "CertutilEsqlBackend",
    "CertutilKustoBackend",
    "CertutilLuceneBackend",
    "CertutilSplunkBackend",
]


class _Formatted:
    """A template field worked out only when the template has it (str.format asks)."""

    def __init__(self, make: Callable[[], object]) -> None:
        self.make = make

    def __format__(self, spec: str) -> str:
        return format(self.make(), spec)


class _LazyRegex(TextQueryBackend):
    """String comparisons that build a value's regular expression only for a template that
    writes one.

    Defect answered (speed, not output): TextQueryBackend.convert_condition_field_eq_val_str
    turns every string value into a regular expression, which pySigma compiles to check, for
    the {regex} field of the template it picks, although most templates have none; over
    SigmaHQ's Windows rules that was a tenth of a build. The choice of template is pySigma
    1.5's, unchanged.
    """

    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        found = cond.value
        if not isinstance(found, SigmaString):
            raise TypeError(f"Expected SigmaString for cond.value, got {type(found)}")
        wildcard = SpecialChars.WILDCARD_MULTI
        try:
            if (
                self.startswith_expression is not None
                and found.endswith(wildcard)
                and (self.startswith_expression_allow_special or not found[:-1].contains_special())
            ):
                expr, value = self.startswith_expression, found[:-1]
            elif (
                self.endswith_expression is not None
                and found.startswith(wildcard)
                and (self.endswith_expression_allow_special or not found[1:].contains_special())
            ):
                expr, value = self.endswith_expression, found[1:]
            elif (
                self.contains_expression is not None
                and found.startswith(wildcard)
                and found.endswith(wildcard)
                and (self.contains_expression_allow_special or not found[1:-1].contains_special())
            ):
                expr, value = self.contains_expression, found[1:-1]
            elif self.wildcard_match_expression is not None and found.contains_special():
                expr, value = self.wildcard_match_expression, found
            else:
                expr, value = self.eq_expression, found
            return expr.format(
                field=self.escape_and_quote_field(cond.field),
                value=self.convert_value_str(value, state),
                regex=_Formatted(
                    lambda: self.convert_value_re(value.to_regex(self.add_escaped_re), state)
                ),
                backend=self,
            )
        except TypeError:  # pragma: no cover
            raise NotImplementedError(
                "Field equals string value expressions with strings are not supported by the "
                "backend."
            ) from None


class _ExpansionAsOr(TextQueryBackend):
    """An expansion's values (windash, base64offset) as one parenthesised OR.

    Defect answered: the Lucene and EQL backends build the OR of an expansion's values and,
    when it is not an in-list, convert the expansion condition itself as that OR
    (AttributeError: no 'args'): once the caseless step had made the values regular
    expressions (Lucene) or the values were cased (EQL), every such rule failed.
    """

    def convert_condition_field_eq_expansion(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        assert isinstance(cond.value, SigmaExpansion)
        either = ConditionOR(
            [ConditionFieldEqualsValueExpression(cond.field, value) for value in cond.value.values],
            cond.source,
        )
        either.parent = cond.parent
        if self.decide_convert_condition_as_in_expression(either, state):
            return self.convert_condition_as_in_expression(either, state)
        converted = self.convert_condition_or(either, state)
        assert isinstance(converted, str)
        return str(self.group_expression).format(expr=converted)


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


class CertutilEqlBackend(  # type: ignore[misc]  # NoFieldRefs replaces its field_eq_field
    _NumericInList,
    ElasticCasedStrings,
    NoFieldRefs,
    _ExpansionAsOr,
    EqlFieldExists,
    EqlOrderingUnderNot,
    EqlBackend,
    _LazyRegex,
):
    """EQL with numeric ``in`` lists, the event category the pipeline names, ``|exists``
    (EqlFieldExists) and orderings under ``not`` that keep events without the field
    (EqlOrderingUnderNot).

    Defects answered: ``destination.port like~ (80, 135)`` (EqlTypeMismatchError in Elastic's
    EQL parser), ``destination.port:4444`` (':' is a string operator), and ``any where`` for
    every rule although the category is known (state key ``eql_event_category``, set by the
    ECS pipeline).
    """

    numeric_in_operator: ClassVar[str] = " in "
    # Defect answered: the stock backend writes |re as regex~, which ignores case; Sigma's |re
    # is case-sensitive unless |i, which ElasticRegexSemantics writes as [aA] classes.
    re_expression: ClassVar[str] = '{field} regex "{regex}"'
    cased_eq_expression: ClassVar[str] = "{field} == {value}"
    cased_wildcard_expression: ClassVar[str] = "{field} like {value}"
    no_fieldref_reason: ClassVar[str] = (
        "EQL cannot compare a field to another field (https://www.elastic.co/guide/en/"
        "elasticsearch/reference/current/eql-syntax.html, limitations for comparisons)"
    )
    # Defect answered: the stock backend escapes '/' in regular expressions, and '\/' is not
    # an EQL string escape (EqlSyntaxError), while '"' is left bare and ends the string.
    re_escape = ('"',)  # type: ignore[assignment]  # EqlBackend's tuple; TextQueryBackend says list

    def convert_value_re(
        self, r: SigmaRegularExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        # The Lucene form of \s and '.' holds control characters, which an EQL string must
        # escape (EQL syntax reference, "Escape characters in a string": \n, \r, \t, \u{XX}).
        converted = super().convert_value_re(r, state)
        assert isinstance(converted, str)
        return converted.translate(_EQL_CONTROLS)

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
        # such a value is matched with an equivalent regular expression: regex~, which ignores
        # case like ':' (regex, case-sensitive, for a cased value).
        if self._has_literal_wildcard(cond.value):
            assert isinstance(cond.value, SigmaString)
            operator = "regex" if is_cased(cond.value) else "regex~"
            pattern = self.convert_value_re(cond.value.to_regex(), state)
            return f'{self.escape_and_quote_field(cond.field)} {operator} "{pattern}"'
        return super().convert_condition_field_eq_val_str(cond, state)

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        if self._has_literal_wildcard(cond.value):
            return self.convert_condition_field_eq_val_str(cond, state)
        return super().convert_condition_field_eq_val_str_case_sensitive(cond, state)

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


class CertutilKustoBackend(
    _NumericInList, KustoStrings, KustoFieldRefs, KustoMissingValues, KustoBackend, _LazyRegex
):
    """KQL with numeric ``in`` lists, and missing values and IP ranges as Kusto reads them
    (KustoMissingValues).

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


class CertutilLuceneBackend(  # type: ignore[misc]  # NoFieldRefs replaces its field_eq_field
    ElasticCasedStrings, NoFieldRefs, _ExpansionAsOr, LuceneBackend, _LazyRegex
):
    """Lucene query strings whose regular expressions escape Lucene's operator characters.

    Defect answered: Elasticsearch's query_string enables every Lucene regular-expression
    operator, so '"', '<', '>', '#', '@', '&' and '~' in a value (a command line ending in
    '.exe"') must be escaped, and '/' ends the expression; the stock backend escapes only '/'
    and the query fails to parse. Characters the expression already escapes stay as they are.
    """

    lucene_regex_reserved: ClassVar[str] = '/"<>#@&~'

    def convert_condition_val_re(
        self, cond: ConditionValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        raise NotImplementedError(
            "a keyword without a field: Lucene would need the caseless pattern on every field, "
            "which the numeric and ip fields of ECS reject"
        )

    no_fieldref_reason: ClassVar[str] = (
        "a Lucene query compares a field with values only, never with another field "
        "(https://www.elastic.co/guide/en/elasticsearch/reference/current/"
        "query-dsl-query-string-query.html#query-string-syntax)"
    )

    def convert_value_re(
        self, r: SigmaRegularExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        # An escape pair is kept as it is; a reserved character alone gets a backslash.
        reserved = re.compile(rf"(\\.)|([{re.escape(self.lucene_regex_reserved)}])", re.DOTALL)
        return reserved.sub(lambda m: m.group(1) or "\\" + m.group(2), str(r.regexp))


class CertutilSplunkBackend(
    SplunkStrings, SplunkFieldRefsAndOrder, SplunkNotNull, SplunkBackend, _LazyRegex
):
    """Splunk SPL, with the values its search cannot write as regular expressions
    (SplunkStrings), field references without case and its search in Splunk's precedence
    (SplunkFieldRefsAndOrder), ``not Field: null`` as ``Field=*`` (SplunkNotNull), and the
    others as _LazyRegex writes them (the same, faster)."""


_EQL_CONTROLS = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})
# ES|QL strings escape \n, \r and \t; other characters stand for themselves (Elasticsearch's
# ES|QL grammar, EsqlBaseLexer.g4: ESCAPE_SEQUENCE and UNESCAPED_CHARS).
_ESQL_CONTROLS = str.maketrans({"\n": "\\n", "\r": "\\r", "\t": "\\t"})


class CertutilEsqlBackend(
    ElasticCasedStrings, EsqlFieldRefs, EsqlNullSafeNot, ESQLBackend, _LazyRegex
):
    """ES|QL, with cased values in its case-sensitive operators (ElasticCasedStrings),
    ``not`` that keeps rows without the field (EsqlNullSafeNot), and the others as _LazyRegex
    writes them (the same, faster)."""

    def convert_condition_val_re(
        self, cond: ConditionValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        raise NotImplementedError("a keyword without a field: ES|QL compares named fields only")

    def convert_value_re(
        self, r: SigmaRegularExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        # The Lucene form of \s and '.' holds control characters: escaped for ES|QL strings.
        converted = super().convert_value_re(r, state)
        assert isinstance(converted, str)
        return converted.translate(_ESQL_CONTROLS)

    def cased_pattern(self, value: SigmaString, state: ConversionState) -> str:
        # LIKE's own escape is a backslash before *, ? or a backslash, and the ES|QL string
        # doubles each backslash (ES|QL operators, LIKE: "To match the exact characters * and
        # ., escape them with \\"); the stock form "\*" is an invalid string escape.
        pattern = []
        for part in value.s:
            if isinstance(part, str):
                pattern.append(re.sub(r"([\\*?])", r"\\\1", part))
            else:
                pattern.append("*" if part == SpecialChars.WILDCARD_MULTI else "?")
        text = "".join(pattern).replace("\\", "\\\\").replace('"', '\\"')
        return f'"{text}"'

    cased_eq_expression: ClassVar[str] = "{field}=={value}"
    cased_wildcard_expression: ClassVar[str] = "{field} like {value}"
    cased_startswith_expression: ClassVar[str | None] = "starts_with({field}, {value})"
    cased_endswith_expression: ClassVar[str | None] = "ends_with({field}, {value})"
