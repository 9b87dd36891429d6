"""Sysmon's own vocabulary: its events and the fields they have (the Windows catalog,
sigma_certutil/windows.py, reads the Sysmon channel from here)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

import yaml


@dataclass(frozen=True)
class SysmonEvent:
    id: int
    title: str
    fields: frozenset[str]


def _load(text: str) -> dict[Any, Any]:
    loaded: dict[Any, Any] = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    return loaded


@cache
def sysmon_events() -> dict[int, SysmonEvent]:
    """Every Sysmon event by id (sigma_certutil/data/sysmon_events.yml)."""
    text = (files("sigma_certutil") / "data" / "sysmon_events.yml").read_text(encoding="utf-8")
    return {
        int(event_id): SysmonEvent(int(event_id), entry["title"], frozenset(entry["fields"]))
        for event_id, entry in _load(text).items()
    }
