"""Backend corrections for missing values, negation over them, existence and IP ranges.

Sigma reads a comparison with a field the event lacks as false, so ``not selection``
matches an event without the field. Each class below answers one backend's defect there;
conversion/backends.py puts them in front of the pySigma backends.
"""

from __future__ import annotations

from typing import ClassVar

from sigma.conditions import ConditionFieldEqualsValueExpression, ConditionItem, ConditionNOT
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.deferred import DeferredQueryExpression
from sigma.conversion.state import ConversionState
from sigma.types import (
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaExists,
    SigmaNull,
    SigmaNumber,
)


def _comparisons(cond: object) -> list[ConditionFieldEqualsValueExpression]:
    """The field comparisons under a condition."""
    if isinstance(cond, ConditionFieldEqualsValueExpression):
        return [cond]
    found: list[ConditionFieldEqualsValueExpression] = []
    for arg in getattr(cond, "args", ()):
        found.extend(_comparisons(arg))
    return found


def _null_checks_only(cond: ConditionItem | object) -> bool:
    """A condition that only tests whether fields have a value: never null itself."""
    return all(
        isinstance(item.value, SigmaNull | SigmaExists) for item in _comparisons(cond)
    ) and bool(_comparisons(cond))


class EsqlNullSafeNot(TextQueryBackend):
    """``not`` that keeps the rows where the negated condition reads a missing field.

    Defect answered: the ES|QL backend writes ``not f rlike "x"``; in ES|QL a comparison with
    a null field is null, ``NOT null`` is null and WHERE drops the row
    (https://www.elastic.co/docs/reference/query-languages/esql/esql-null-values: "NOT NULL
    is still NULL", "WHERE keeps only true"), so a Sigma ``not`` missed every event without
    the field. Here the negated condition is read as false when it is null:
    ``not COALESCE(<condition>, false)`` (COALESCE returns its first non-null argument,
    https://www.elastic.co/docs/reference/query-languages/esql/functions-operators/conditional-functions-and-expressions#esql-coalesce).
    """

    def convert_condition_not(
        self, cond: ConditionNOT, state: ConversionState
    ) -> str | DeferredQueryExpression | None:
        converted = super().convert_condition_not(cond, state)
        prefix = self.not_token + self.token_separator
        if (
            isinstance(converted, str)
            and converted.startswith(prefix)
            and not _null_checks_only(cond.args[0])
        ):
            return f"{prefix}COALESCE({converted[len(prefix) :]}, false)"
        return converted


class SplunkNotNull(TextQueryBackend):
    """``not Field: null`` and ``not Field|exists: false`` as ``Field=*``.

    Defect answered: the Splunk backend writes ``null`` (and ``|exists: false``) as ``NOT
    Field=*`` and its negation as ``NOT NOT Field=*``; ``Field=*`` is the search for events
    where the field has a value (Splunk search reference, search command: "field=*" matches
    events that have the field).
    """

    def convert_condition_not(
        self, cond: ConditionNOT, state: ConversionState
    ) -> str | DeferredQueryExpression | None:
        arg = cond.args[0]
        if isinstance(arg, ConditionFieldEqualsValueExpression) and (
            isinstance(arg.value, SigmaNull)
            or (isinstance(arg.value, SigmaExists) and not arg.value.exists)
        ):
            return f"{self.escape_and_quote_field(arg.field)}=*"
        return super().convert_condition_not(cond, state)


def _under_not(cond: object) -> bool:
    parent = getattr(cond, "parent", None)
    while parent is not None:
        if isinstance(parent, ConditionNOT):
            return True
        parent = getattr(parent, "parent", None)
    return False


class EqlOrderingUnderNot(TextQueryBackend):
    """An ordering comparison under ``not`` that keeps the events without the field.

    Defect answered: Elasticsearch's query optimizer negates ``not f > n`` into ``f <= n``
    (elastic/elasticsearch x-pack/plugin/ql, ``GreaterThan.negate()`` returns
    ``LessThanOrEqual``), a range query that no event without ``f`` matches, where a Sigma
    ``not`` must match it; the eql engine rewrites it the same way. Under ``not`` the
    comparison is written ``(?f != null and f > n)``: the same where ``f`` has a value, and
    its negation is ``?f == null or f <= n``.
    """

    def convert_condition_field_compare_op_val(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        converted = super().convert_condition_field_compare_op_val(cond, state)
        if isinstance(converted, str) and _under_not(cond):
            return f"(?{self.escape_and_quote_field(cond.field)} != null and {converted})"
        return converted


class EqlFieldExists(TextQueryBackend):
    """``|exists`` in EQL.

    Defect answered: the EQL backend refuses ``|exists`` ("Field exists expressions are not
    supported"), although Elasticsearch EQL tests it with ``?field != null`` and
    ``?field == null`` (https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-syntax.html#eql-syntax-check-field-exists).
    """

    field_exists_expression: ClassVar[str] = "?{field} != null"
    field_not_exists_expression: ClassVar[str] = "?{field} == null"


def _may_be_null(cond: object) -> bool:
    """Whether Kusto can evaluate the condition to null: a comparison with a number column
    (numbers can be null, strings cannot: MicrosoftDocs/dataexplorer-docs
    data-explorer/kusto/query/scalar-data-types/null-values.md; an ordering comparison with
    null is null) or an IP range function (null for a value that is not an address of its
    family, ipv4-is-in-range-function.md)."""
    return any(
        isinstance(item.value, SigmaNumber | SigmaCompareExpression | SigmaCIDRExpression)
        for item in _comparisons(cond)
    )


class KustoMissingValues(TextQueryBackend):
    """Kusto's missing values and IP ranges.

    Defects answered:
    - ``isnull(Column)`` for Sigma ``null``: a string column is never null in Kusto, it holds
      an empty string (null-values.md: "the string type doesn't support null values. For
      string type use isempty()"), so ``Field: null`` matched nothing; ``isempty`` is true
      for an empty string and for null (isempty-function.md), whatever the column's type.
    - ``ipv4_is_in_range`` for an IPv6 range: the function parses IPv4 only and returns null
      for an IPv6 address or range (ipv4-is-in-range-function.md); IPv6 ranges take
      ``ipv6_is_in_range`` (ipv6-is-in-range-function.md).
    - ``not(<condition>)`` over a number column or an IP range: an ordering comparison with
      null is null in Kusto (null-values.md: ``val > 3`` on a null ``val``), and so is an IP
      range function on a value that is not an address; ``not`` keeps it null and ``where``
      drops the row, so a Sigma ``not`` missed events without the value. Here it is
      ``not(coalesce(<condition>, false))`` (coalesce-function.md). (Equality with null is
      already false, so there the coalesce changes nothing.)
    """

    field_null_expression: ClassVar[str] = "isempty({field})"
    ipv6_cidr_expression: ClassVar[str] = 'ipv6_is_in_range({field}, "{value}")'

    def convert_condition_field_eq_val_cidr(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        cidr = cond.value
        if isinstance(cidr, SigmaCIDRExpression) and cidr.network.version == 6:
            return self.ipv6_cidr_expression.format(
                field=self.escape_and_quote_field(cond.field), value=str(cidr.network)
            )
        return super().convert_condition_field_eq_val_cidr(cond, state)

    def convert_condition_not(
        self, cond: ConditionNOT, state: ConversionState
    ) -> str | DeferredQueryExpression:
        converted = super().convert_condition_not(cond, state)
        assert converted is not None  # the Kusto backend's NOT always yields an expression
        prefix = self.not_token + "("
        if (
            isinstance(converted, str)
            and converted.startswith(prefix)
            and converted.endswith(")")
            and _may_be_null(cond.args[0])
        ):
            return f"{prefix}coalesce({converted[len(prefix) : -1]}, false))"
        return converted
