"""The Windows event logs a Sigma rule reads: each log source's channel, and each channel's
events by id with their provider, title and fields (sigma_certutil/data/windows_events.yml;
the Sysmon channel from sigma_certutil/data/sysmon_events.yml)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, cast

import yaml

if TYPE_CHECKING:
    from sigma.rule import SigmaLogSource, SigmaRule

SYSMON_CHANNEL = "Microsoft-Windows-Sysmon/Operational"
SYSMON_PROVIDER = "Microsoft-Windows-Sysmon"


@dataclass(frozen=True)
class WindowsEvent:
    """One event of a channel: its fields in Sigma's names (the XML `<Data Name>` without its
    spaces), ``user_data`` for the ones the event writes under `<UserData>` instead, and
    ``xml_names`` for the fields whose XML name differs (Windows Defender's "Process Name")."""

    channel: str
    provider: str
    id: int
    title: str
    fields: frozenset[str]
    user_data: frozenset[str] = frozenset()
    xml_names: tuple[tuple[str, str], ...] = ()
    # Sigma's ``Data`` is the event's unnamed <Data> elements (the catalog's ``classic``
    # group), and ``params`` how many it writes where a source shows it (0: not known).
    unnamed_data: bool = False
    params: int = 0

    def xml_name(self, field: str) -> str:
        """The field's name in the event's XML rendering."""
        return dict(self.xml_names).get(field, field)


@dataclass(frozen=True)
class WindowsLogSource:
    """A Sigma log source: the channel(s) it reads and the events it selects (all of the
    channel's when the log source names no event ids)."""

    name: str
    channel: str
    events: tuple[WindowsEvent, ...]
    # Further channels the log source also reads (AppLocker's four, the two mitigation logs).
    also: tuple[str, ...] = ()
    # The event ids the log source itself means (ps_script: 4104); empty when it means the
    # channel's every event and the rule's EventID says which.
    event_ids: tuple[int, ...] = ()

    @property
    def channels(self) -> tuple[str, ...]:
        return (self.channel, *self.also)

    @property
    def is_sysmon(self) -> bool:
        return self.channel == SYSMON_CHANNEL


def sigma_name(xml_name: str) -> str:
    """Sigma's name for an EventData name: without spaces ("Process Name" -> ProcessName)."""
    return re.sub(r"\s+", "", xml_name)


@cache
def _catalog() -> dict[str, Any]:
    text = (files("sigma_certutil") / "data" / "windows_events.yml").read_text(encoding="utf-8")
    catalog: dict[str, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return catalog


def _event(channel: str, provider: str, event_id: int, entry: dict[str, Any]) -> WindowsEvent:
    groups: dict[str, list[str]] = _catalog()["groups"]
    names = [name for group in entry.get("with", []) for name in groups[group]]
    names += entry.get("fields", [])
    user_data = [sigma_name(name) for name in entry.get("user_data", [])]
    # A name with spaces is written without them (ProcessName) or, in a few of SigmaHQ's
    # rules, with underscores (Feature_Name): both name the same field.
    spaced = [(form, n) for n in names if " " in n for form in (sigma_name(n), n.replace(" ", "_"))]
    return WindowsEvent(
        channel=channel,
        provider=entry.get("provider", provider),
        id=event_id,
        title=entry["title"],
        fields=frozenset(sigma_name(n) for n in names)
        | frozenset(form for form, _ in spaced)
        | frozenset(user_data),
        user_data=frozenset(user_data),
        xml_names=tuple(sorted(set(spaced))),
        unnamed_data="classic" in entry.get("with", []),
        params=int(entry.get("params", 0)),
    )


@cache
def _channels() -> Mapping[str, Mapping[int, tuple[WindowsEvent, ...]]]:
    from sigma_certutil.sysmon import sysmon_events

    channels: dict[str, Mapping[int, tuple[WindowsEvent, ...]]] = {}
    for channel, spec in _catalog()["channels"].items():
        provider = spec.get("provider", "")
        events: dict[int, tuple[WindowsEvent, ...]] = {}
        for event_id, entries in spec["events"].items():
            listed = entries if isinstance(entries, list) else [entries]
            events[int(event_id)] = tuple(
                _event(channel, provider, int(event_id), e) for e in listed
            )
        channels[channel] = MappingProxyType(events)
    channels[SYSMON_CHANNEL] = MappingProxyType(
        {
            event.id: (
                WindowsEvent(SYSMON_CHANNEL, SYSMON_PROVIDER, event.id, event.title, event.fields),
            )
            for event in sysmon_events().values()
        }
    )
    return MappingProxyType(channels)


def channel_events(channel: str) -> Mapping[int, tuple[WindowsEvent, ...]]:
    """The channel's events by id; an id several providers write (System 16) has one event
    per provider. Empty for a channel the catalog does not hold."""
    return _channels().get(channel, MappingProxyType({}))


def system_fields() -> frozenset[str]:
    """The System-section fields every event carries, in Sigma's names (Provider_Name, ...)."""
    return frozenset(_catalog()["system"])


def _source(name: str, spec: dict[str, Any]) -> WindowsLogSource:
    channel: str = spec["channel"]
    also = tuple(spec.get("also", ()))
    ids = tuple(int(i) for i in spec.get("events", ()))
    events = [
        event
        for each in (channel, *also)
        for event_id, listed in channel_events(each).items()
        if not ids or event_id in ids
        for event in listed
    ]
    return WindowsLogSource(name, channel, tuple(events), also, ids)


@cache
def log_sources() -> Mapping[str, WindowsLogSource]:
    """Every log source of the catalog by name (its service or category), with each generic
    Sysmon category of pysigma-pipeline-sysmon (process_creation: Sysmon Event ID 1)."""
    from sigma.pipelines.sysmon.sysmon import sysmon_generic_logsource_eventid_mapping

    sources = {name: _source(name, spec) for name, spec in _catalog()["logsources"].items()}
    for category, ids in sysmon_generic_logsource_eventid_mapping.items():
        listed = cast("list[int]", ids if isinstance(ids, list) else [ids])
        sources.setdefault(
            category, _source(category, {"channel": SYSMON_CHANNEL, "events": listed})
        )
    return MappingProxyType(sources)


@cache
def _keys() -> dict[tuple[str, str], str]:
    """(kind, value) -> log source name: each catalog entry by its service or category, and
    each Sysmon category."""
    keys = {("category", name): name for name in log_sources()}
    for name, spec in _catalog()["logsources"].items():
        kind = "service" if "service" in spec else "category"
        keys[(kind, str(spec[kind]))] = name
    return keys


def log_source(logsource: SigmaLogSource) -> WindowsLogSource | None:
    """The Windows log source a rule's ``logsource`` names (product windows, or none, with a
    service or category of the catalog); None for any other."""
    if logsource.product not in (None, "windows"):
        return None
    keys = _keys()
    # The category first: pySigma's Sysmon step adds service sysmon to a category it maps.
    name = keys.get(("category", logsource.category or "")) or keys.get(
        ("service", logsource.service or "")
    )
    return log_sources()[name] if name is not None else None


def _event_ids(values: Iterable[object]) -> set[int]:
    found = set()
    for value in values:
        text = str(getattr(value, "number", value))
        if text.isdigit():
            found.add(int(text))
    return found


def rule_event_ids(rule: SigmaRule) -> set[int]:
    """The EventID values the rule's detections compare with (any of them, in any detection)."""
    from sigma_certutil.rules import detection_items

    found: set[int] = set()
    for item in detection_items(rule):
        if item.field == "EventID":
            found.update(_event_ids(item.value))
    return found


def rule_events(rule: SigmaRule, source: WindowsLogSource) -> tuple[WindowsEvent, ...]:
    """The events of the log source the rule can match: those its EventID names, or every
    event of the log source when it names none (or none the log source holds)."""
    ids = rule_event_ids(rule)
    if source.event_ids:
        ids = ids & set(source.event_ids) if ids else set(source.event_ids)
    chosen = tuple(event for event in source.events if event.id in ids)
    return chosen or source.events
