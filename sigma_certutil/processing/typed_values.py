"""Values as each store types the field they are compared with: numbers, text, IP ranges and
missing values. Applied after the field mapping, so the field is the store's own.

- A number field compares with numbers: a Sigma ``DestinationPort: '443'`` becomes the
  number 443 (Splunk, which compares either way, keeps it); a pattern, a regular expression
  or an IP range on a number field is refused (Elasticsearch rejects a wildcard on a long
  field, Kusto a string operator on an int column).
- A text field compares with text: ``IntegrityLevel: 3`` becomes "3"; an ordering (``|gt``)
  on a text field is refused (it would order text, not numbers).
- ``|cidr`` needs an ``ip`` field in Elasticsearch (a keyword field holds the range as text);
  Kusto's range functions take any string column.
- In ECS a Sysmon field whose value is empty, ``-`` or the zero GUID is absent: the ingest
  removes them (elastic/beats x-pack/winlogbeat/module/sysmon/ingest/sysmon.yml, first
  script: ``removeIf(... [null, "", "-", "{00000000-0000-0000-0000-000000000000}"] ...)``), so
  such a value is compared as a missing field (``Field: null``). Defender XDR string columns
  hold an empty string for a missing value (MicrosoftDocs/dataexplorer-docs
  data-explorer/kusto/query/scalar-data-types/null-values.md: "the string type doesn't
  support null values"), and the XDR shape of Sysmon's "none" (``-``) is empty; there too
  ``''`` and ``-`` are compared as a missing value (``isempty``).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import NoReturn

from sigma.exceptions import SigmaTransformationError
from sigma.processing.pipeline import ProcessingItem
from sigma.processing.transformations.base import DetectionItemTransformation
from sigma.rule import SigmaDetection, SigmaDetectionItem
from sigma.types import (
    SigmaCIDRExpression,
    SigmaCompareExpression,
    SigmaNull,
    SigmaNumber,
    SigmaRegularExpression,
    SigmaString,
    SigmaType,
)

# ECS field reference (https://www.elastic.co/guide/en/ecs/current/ecs-field-reference.html):
# process.pid, process.parent.pid, process.thread.id, source.port and destination.port are
# long; the Sysmon ingest converts ProcessId, ParentProcessId, SourceProcessId,
# SourceThreadId, SourcePort and DestinationPort to them (`convert: type: long`).
ECS_NUMBER_FIELDS = frozenset(
    {"process.pid", "process.parent.pid", "process.thread.id", "source.port", "destination.port"}
)
# source.ip and destination.ip are of type ip (ECS source and destination field sets).
ECS_IP_FIELDS = frozenset({"source.ip", "destination.ip"})
# Every other ECS field the Sysmon mapping writes is a keyword.
ECS_MISSING_VALUES = ("", "-", "{00000000-0000-0000-0000-000000000000}")
# Sysmon's "none" and the empty string: what an XDR string column holds empty.
XDR_MISSING_VALUES = ("", "-")

_DECIMAL = re.compile(r"[+-]?[0-9]+")


def _plain(value: SigmaString) -> str | None:
    """The text of a value without wildcards or placeholders, or None."""
    if value.contains_special() or not all(isinstance(part, str) for part in value.s):
        return None
    return "".join(str(part) for part in value.s)


@dataclass
class StoreValueTypes(DetectionItemTransformation):
    """Each value as the store types its field (see the module's docstring). ``kinds`` says
    a field's kind in the store, "number", "ip", "text" or "" (unknown: left alone);
    ``missing`` lists the values the store keeps as a missing value."""

    store: str
    kinds: Callable[[str, str], str]
    missing: tuple[str, ...]
    ip_type_needed: bool

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        field = detection_item.field
        if field is None:
            return None
        table = str(self._pipeline.state.get("query_table", "")) if self._pipeline else ""
        kind = self.kinds(table, field)
        if not kind:
            return None
        typed = [self._typed(field, kind, value) for value in detection_item.value]
        # Values the store keeps alike ('' and '-' in ECS) become one null test.
        nulls: list[SigmaType] = [value for value in typed if isinstance(value, SigmaNull)]
        detection_item.value = [v for v in typed if not isinstance(v, SigmaNull)] + nulls[:1]
        return None

    def _typed(self, field: str, kind: str, value: SigmaType) -> SigmaType:
        if isinstance(value, SigmaString) and _plain(value) in self.missing:
            return SigmaNull()
        if kind == "number":
            return self._number(field, value)
        if kind == "ip":
            return self._address(field, value)
        if isinstance(value, SigmaNumber):
            return SigmaString(str(value.number))
        if isinstance(value, SigmaCompareExpression):
            self._refuse(
                f"|{value.op.name.lower()} {value.number.number}",
                field,
                "a text field",
                "the target would order the text, not the numbers",
            )
        if isinstance(value, SigmaCIDRExpression) and kind != "ip" and self.ip_type_needed:
            self._refuse(
                f"|cidr {value.network}",
                field,
                "a keyword field",
                "an IP range is matched only on an ip field",
            )
        return value

    def _number(self, field: str, value: SigmaType) -> SigmaType:
        if isinstance(value, SigmaString):
            text = _plain(value)
            if text is None:
                self._refuse(
                    f"the pattern '{value}'",
                    field,
                    "a number field",
                    "the target matches no wildcard against a number",
                )
            elif not _DECIMAL.fullmatch(text.strip()):
                self._refuse(f"'{value}'", field, "a number field", "the text is not a number")
            return SigmaNumber(int(str(text)))
        if isinstance(value, SigmaRegularExpression):
            self._refuse(
                f"|re '{value.regexp}'",
                field,
                "a number field",
                "the target matches no regular expression against a number",
            )
        if isinstance(value, SigmaCIDRExpression):
            self._refuse(
                f"|cidr {value.network}",
                field,
                "a number field",
                "an IP range cannot hold a number",
            )
        return value

    def _address(self, field: str, value: SigmaType) -> SigmaType:
        """An address on an ip field is the one-address range: EQL's ``:``/``like~`` and
        ES|QL's string operators take strings only, and an ip field is not one (EQL syntax
        reference; https://www.elastic.co/guide/en/elasticsearch/reference/current/ip.html),
        while a range is matched on it by every ECS target (cidrMatch, cidr_match, a CIDR
        term). A pattern or a regular expression cannot be matched on an ip field."""
        if isinstance(value, SigmaString):
            text = _plain(value)
            if text is None:
                self._refuse(
                    f"the pattern '{value}'",
                    field,
                    "an ip field",
                    "the target matches no wildcard against an ip field",
                )
            try:
                address = ipaddress.ip_address(str(text).strip())
            except ValueError:
                self._refuse(f"'{value}'", field, "an ip field", "the text is not an address")
            return SigmaCIDRExpression(f"{address}/{address.max_prefixlen}")
        if isinstance(value, SigmaRegularExpression):
            self._refuse(
                f"|re '{value.regexp}'",
                field,
                "an ip field",
                "the target matches no regular expression against an ip field",
            )
        if isinstance(value, SigmaNumber | SigmaCompareExpression):
            self._refuse(f"'{value}'", field, "an ip field", "a number is not an address")
        return value

    def _refuse(self, what: str, field: str, kind: str, reason: str) -> NoReturn:
        raise SigmaTransformationError(f"{what} on {field}, {kind} in {self.store}: {reason}")


def _ecs_kind(_table: str, field: str) -> str:
    if field in ECS_NUMBER_FIELDS:
        return "number"
    if field in ECS_IP_FIELDS:
        return "ip"
    return "text"


def _xdr_kind(table: str, field: str) -> str:
    """An XDR column's kind from the table schemas pysigma-backend-kusto ships (scraped from
    MicrosoftDocs/defender-docs advanced-hunting-<table>-table.md)."""
    from sigma.pipelines.microsoftxdr.tables import MICROSOFT_XDR_TABLES

    for raw_name, spec in MICROSOFT_XDR_TABLES.get(table, {}).items():
        if raw_name.split("`")[0].strip() == field:
            kusto_type = str(spec["data_type"])
            return "number" if kusto_type in ("int", "long") else "text"
    return ""


def ecs_value_items() -> list[ProcessingItem]:
    """The Sysmon ingest removes empty, ``-`` and zero-GUID values (ECS_MISSING_VALUES); the
    other channels' documents keep ``-`` (security.yml moves IpAddress to source.ip only when
    it is not ``-``, and leaves it in event_data), so there only an empty value is missing."""
    from sigma.processing.conditions import LogsourceCondition, RuleProcessingCondition

    def sysmon() -> list[RuleProcessingCondition]:
        return [LogsourceCondition(product="windows", service="sysmon")]

    return [
        ProcessingItem(
            identifier="ecs_value_types",
            transformation=StoreValueTypes(
                "Elastic Common Schema", _ecs_kind, ECS_MISSING_VALUES, ip_type_needed=True
            ),
            rule_conditions=sysmon(),
        ),
        ProcessingItem(
            identifier="ecs_channel_value_types",
            transformation=StoreValueTypes(
                "Elastic Common Schema", _ecs_kind, ("",), ip_type_needed=True
            ),
            rule_conditions=sysmon(),
            rule_condition_negation=True,
        ),
    ]


def xdr_value_items() -> list[ProcessingItem]:
    return [
        ProcessingItem(
            identifier="xdr_value_types",
            transformation=StoreValueTypes(
                "Defender XDR", _xdr_kind, XDR_MISSING_VALUES, ip_type_needed=False
            ),
        )
    ]
