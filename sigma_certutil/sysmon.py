"""Sysmon's own vocabulary: which events a Sigma category selects and the fields they have."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import cast

import yaml
from sigma.pipelines.sysmon.sysmon import sysmon_generic_logsource_eventid_mapping


@dataclass(frozen=True)
class SysmonEvent:
    id: int
    title: str
    fields: frozenset[str]


@cache
def sysmon_events() -> dict[int, SysmonEvent]:
    """Every Sysmon event by id (sigma_certutil/data/sysmon_events.yml)."""
    text = (files("sigma_certutil") / "data" / "sysmon_events.yml").read_text(encoding="utf-8")
    return {
        int(event_id): SysmonEvent(int(event_id), entry["title"], frozenset(entry["fields"]))
        for event_id, entry in yaml.safe_load(text).items()
    }


def category_events(category: str | None) -> list[SysmonEvent]:
    """The Sysmon events a Windows log-source category selects (pysigma-pipeline-sysmon's
    table); empty for a category Sysmon does not record."""
    ids = cast(
        "int | list[int] | None", sysmon_generic_logsource_eventid_mapping.get(category or "")
    )
    if ids is None:
        return []
    events = sysmon_events()
    return [events[i] for i in ([ids] if isinstance(ids, int) else ids)]
