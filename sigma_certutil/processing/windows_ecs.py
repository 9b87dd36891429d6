"""Windows event log channels beside Sysmon in Elastic Common Schema: the channel filter,
each field where Winlogbeat's (and the Elastic Agent's) ingest writes it, the EQL event
category and the index patterns. The facts, with their sources, are in
sigma_certutil/data/ecs_windows.yml; the Sysmon channel is pipelines/ecs.yml's.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import re
from dataclasses import dataclass, field
from functools import cache
from importlib.resources import files
from typing import Any

import yaml
from sigma.conditions import ConditionAND, ConditionOR
from sigma.exceptions import SigmaTransformationError
from sigma.processing.conditions import IncludeFieldCondition
from sigma.processing.pipeline import ProcessingItem
from sigma.processing.transformations import (
    ConvertTypeTransformation,
    FieldMappingTransformation,
)
from sigma.processing.transformations.base import (
    DetectionItemTransformation,
    PreprocessingTransformation,
)
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import SigmaString

from sigma_certutil.processing.powershell_ecs import powershell_ecs_items
from sigma_certutil.processing.windows_logs import ChannelCondition
from sigma_certutil.rules import detection_items
from sigma_certutil.windows import WindowsEvent, WindowsLogSource, log_source, rule_events

EVENT_DATA = "winlog.event_data."
USER_DATA = "winlog.user_data."
# Where the Winlogbeat sysmon module and the Agent's sysmon_operational data stream write.
SYSMON_INDICES = ("winlogbeat-*", "logs-windows.sysmon_operational-*")


@cache
def _facts() -> dict[str, Any]:
    text = (files("sigma_certutil") / "data" / "ecs_windows.yml").read_text(encoding="utf-8")
    facts: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return facts


def channel_indices(channel: str) -> tuple[str, ...]:
    """The index patterns that hold a channel's events: winlogbeat-* and the Elastic Agent
    data stream that collects it."""
    indices: dict[str, str] = _facts()["indices"]
    return ("winlogbeat-*", indices.get(channel, indices["*"]))


def all_indices() -> tuple[str, ...]:
    """Every index pattern a Windows event of any channel may be in."""
    return tuple(dict.fromkeys((*SYSMON_INDICES, *_facts()["indices"].values())))


def _covers(listed: Any, event_id: int) -> bool:
    return bool(listed == "all" or event_id in listed)


def ecs_field(name: str, channel: str, events: tuple[WindowsEvent, ...]) -> str | list[str]:
    """Where a field of the channel's events lands in ECS, for a rule over ``events``; a
    field some of the events have renamed and others not lands in both (each event holds
    one). SigmaTransformationError when the ingest leaves it no home."""
    facts = _facts()
    if name in facts["system"]:
        return str(facts["system"][name])
    if name in facts["system_refused"]:
        raise SigmaTransformationError(
            f"field '{name}' has no Elastic Common Schema home with its Windows value: "
            f"{facts['system_refused'][name]}",
            source=None,
        )
    spec: dict[str, Any] = facts["channels"].get(channel, {})
    if name in spec.get("removed", {}):
        raise SigmaTransformationError(
            f"field '{name}' has no Elastic Common Schema home: {spec['removed'][name]}",
            source=None,
        )
    having = [e for e in events if name in e.fields]
    if name == "Data" and any(e.unnamed_data for e in having):
        return _unnamed_data(having)
    # A name with spaces ("Process Name") is written with underscores (Process_Name): the
    # winlog input's names, which the Elastic Agent's windows_defender pipeline reads.
    raw = (USER_DATA if having and all(name in e.user_data for e in having) else EVENT_DATA) + (
        having[0].xml_name(name).replace(" ", "_") if having else name
    )
    if raw[len(EVENT_DATA) :] in spec.get("agent_renames", {}):
        # The Agent's pipeline moves it; winlogbeat-* keeps it: each document has one.
        return [str(spec["agent_renames"][raw[len(EVENT_DATA) :]]), raw]
    for rename in spec.get("renames", []):
        if name not in rename["fields"]:
            continue
        moved = [e for e in having if _covers(rename["events"], e.id)]
        if len(moved) == len(having):
            return str(rename["fields"][name])
        if moved:
            return [str(rename["fields"][name]), raw]
    return raw


def _unnamed_data(having: list[WindowsEvent]) -> str | list[str]:
    """Sigma's Data, an event's unnamed <Data> elements: Winlogbeat names the Nth element
    of EventData paramN (elastic/beats winlogbeat/sys/winevent/maputil.go AddPairs: "If the
    key name is empty or if it the default of "Data" then assign a generic name of paramN",
    N counting from 1), so a comparison is one on any of param1..paramN. Refused when the
    catalog does not say how many the event writes: a query on too few misses, one on too
    many names fields the event lacks."""
    unknown = sorted({f"{e.channel} {e.id}" for e in having if not e.unnamed_data or not e.params})
    if unknown:
        raise SigmaTransformationError(
            "field 'Data' (the event's unnamed <Data> elements) is stored by Winlogbeat as "
            "winlog.event_data.param1, param2, ... one per element, and how many elements "
            f"{', '.join(unknown)} writes is not known here: no faithful query names them",
            source=None,
        )
    count = max(e.params for e in having)
    fields = [f"{EVENT_DATA}param{n}" for n in range(1, count + 1)]
    return fields[0] if count == 1 else fields


def _source_events(rule: SigmaRule) -> tuple[WindowsLogSource, tuple[WindowsEvent, ...]] | None:
    source = log_source(rule.logsource)
    if source is None or source.is_sysmon:
        return None
    return source, rule_events(rule, source)


@dataclass
class EcsChannelFields(FieldMappingTransformation):
    """Each field of a channel rule where the ingest writes it (EventID is left to the ECS
    step, which makes it event.code)."""

    mapping: dict[str | None, str | list[str]] = field(default_factory=dict)

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        found = _source_events(rule)
        if found is None:
            return
        source, events = found
        self.mapping = {
            name: ecs_field(name, source.channel, events)
            # EventID is the ECS step's; dotted names are ECS already (powershell_ecs.py).
            for name in sorted({i.field for i in detection_items(rule) if i.field} - {"EventID"})
            if "." not in name
        }
        super().apply(rule)

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        """``Data|...|all`` on an event of several unnamed <Data> elements: Sigma's ``all``
        links the values with AND (SigmaHQ/sigma-specification specification/
        sigma-appendix-modifiers.md, "all"), and each value of the field ``Data`` is found
        in any element, so every value becomes its own OR over param1..paramN (an element
        may hold one value, another element the other: Windows Error Reporting 1001 writes
        the faulting program in P1 and the module in P4). pySigma's mapping to several
        fields would keep the values together, an OR over the elements of (all values in
        one element), which misses such an event."""
        mapped = self.mapping.get(detection_item.field)
        if (
            detection_item.field == "Data"
            and isinstance(mapped, list)
            and all(name.startswith(f"{EVENT_DATA}param") for name in mapped)
            and detection_item.value_linking is ConditionAND
            and len(detection_item.value) > 1
        ):
            parts: list[SigmaDetection | SigmaDetectionItem] = []
            for value in detection_item.value:
                one = dataclasses.replace(detection_item, value=[value], value_linking=ConditionOR)
                parts.append(super().apply_detection_item(one) or one)
            return SigmaDetection(parts, item_linking=ConditionAND)
        return super().apply_detection_item(detection_item)


@dataclass
class EcsKeywordRefusal(DetectionItemTransformation):
    """A Sigma keyword (a value with no field) matches the event's text anywhere, case
    aside. ECS keeps no field for that: the rendered text is in ``message``, an analyzed text
    field (Winlogbeat's fields.yml), where a wildcard over the whole text matches no token,
    and a query over every keyword field compares each case-sensitively."""

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        if detection_item.field is None:
            raise SigmaTransformationError(
                "a keyword (a value with no field) has no Elastic Common Schema field to "
                "search: the event's text is in message, an analyzed text field where a "
                "wildcard over the whole text matches no token",
                source=None,
            )
        return None


# Security fields the ingest moves to an ip field, unless the value is "-" (no address),
# which stays where it was (security.yml: `IpAddress != "-"`, `ClientAddress != "-"`).
_IP_FIELDS = {"source.ip": "IpAddress", "related.ip": "ClientAddress"}
# Characters of an address's text (IPv4, IPv6 and its zone).
_ADDRESS_TEXT = re.compile(r"^[0-9A-Fa-f.:%]*$")
# The keyword masks of the Security channel and the names Winlogbeat renders for them in
# winlog.keywords (elastic/beats x-pack/winlogbeat/module/security/test/testdata/
# 4625.evtx.golden.json: "keywords": ["Audit Failure"]; 4624's: ["Audit Success"]).
_KEYWORD_NAMES = {
    "0x8010000000000000": "Audit Failure",
    "0x8020000000000000": "Audit Success",
}


@dataclass
class EcsValueForms(DetectionItemTransformation):
    """Values in the form the ingest writes them. An ip field takes addresses (or a cidr
    range): "-" stays in the raw field, a wildcard that no address can match (``*-*``)
    searches the raw field, where only such values stay, and any other wildcard or partial
    address is refused, as Elasticsearch refuses it on an ip field. winlog.keywords holds the
    keyword names, not the mask."""

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        if _source_events(rule) is not None:
            super().apply(rule)

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        name = detection_item.field
        if name == "winlog.keywords":
            detection_item.value = [self._keyword(value) for value in detection_item.value]
            return None
        if name not in _IP_FIELDS:
            return None
        for value in detection_item.value:
            if not isinstance(value, SigmaString):
                continue  # a cidr range, which the ip field takes
            text = str(value)
            literal = "".join(p for p in value.s if isinstance(p, str))
            if text == "-" or (value.contains_special() and not _ADDRESS_TEXT.match(literal)):
                detection_item.field = EVENT_DATA + _IP_FIELDS[name]
                return None
            try:
                ipaddress.ip_address(text)
            except ValueError:
                raise SigmaTransformationError(
                    f"{_IP_FIELDS[name]} is stored in {name}, an ip field, which takes no "
                    f"wildcard or partial address ('{text}'); the cidr modifier expresses "
                    "a range",
                    source=None,
                ) from None
        return None

    @staticmethod
    def _keyword(value: object) -> SigmaString:
        text = str(value).lower()
        if text not in _KEYWORD_NAMES:
            raise SigmaTransformationError(
                f"field 'Keywords' has no Elastic Common Schema home with the value '{value}': "
                "winlog.keywords holds the rendered keyword names ("
                + ", ".join(f"{mask} is {name}" for mask, name in _KEYWORD_NAMES.items())
                + ")",
                source=None,
            )
        return SigmaString(_KEYWORD_NAMES[text])


def eql_category(channel: str, events: tuple[WindowsEvent, ...]) -> str:
    """The EQL event category of the rule's events: the ingest's event.category when every
    event has the same, else ``any`` (a channel without an ingest module sets none)."""
    categories: dict[str, Any] = _facts()["channels"].get(channel, {}).get("categories", {})
    found = {name for event in events for name, ids in categories.items() if _covers(ids, event.id)}
    every = all(any(_covers(ids, e.id) for ids in categories.values()) for e in events)
    return found.pop() if len(found) == 1 and every else "any"


@dataclass
class EcsChannelCategory(PreprocessingTransformation):
    """The EQL event category of a channel rule (pipeline state the EQL backend reads)."""

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        super().apply(rule)
        found = _source_events(rule)
        if found is not None and self._pipeline is not None:
            source, events = found
            self._pipeline.state["eql_event_category"] = eql_category(source.channel, events)


def rule_indices(rule: SigmaRule) -> tuple[str, ...]:
    """The index patterns that hold the rule's events: its channel's, or Sysmon's."""
    found = _source_events(rule)
    return SYSMON_INDICES if found is None else channel_indices(found[0].channel)


def ecs_channel_items() -> list[ProcessingItem]:
    """ECS: the channel, the fields, their keyword values and the EQL category."""
    return [
        ProcessingItem(identifier="ecs_keyword_refused", transformation=EcsKeywordRefusal()),
        *powershell_ecs_items(),
        ProcessingItem(identifier="ecs_channel_fields", transformation=EcsChannelFields()),
        ProcessingItem(identifier="ecs_channel_value_forms", transformation=EcsValueForms()),
        ProcessingItem(
            identifier="ecs_channel",
            transformation=ChannelCondition(field_name="winlog.channel"),
        ),
        # winlog.* fields are keywords (Winlogbeat's template): numbers compare as strings.
        ProcessingItem(
            identifier="ecs_channel_keywords",
            transformation=ConvertTypeTransformation(target_type="str"),
            field_name_conditions=[IncludeFieldCondition(fields=[r"^winlog\."], mode="re")],
        ),
        ProcessingItem(identifier="ecs_channel_category", transformation=EcsChannelCategory()),
    ]
