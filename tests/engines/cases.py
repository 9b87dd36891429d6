"""Test cases: a Windows event and whether the rule under test means it to match."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from sigma_certutil.verify.events import PROVIDERS, SYSMON_CHANNEL, WindowsEvent


@dataclass(frozen=True)
class Case:
    name: str
    match: bool
    event: dict[str, Any]
    event_id: int = 3
    xdr_action: str | None = None
    channel: str = SYSMON_CHANNEL
    provider: str = ""
    user_data: str = ""

    def __post_init__(self) -> None:
        if not self.provider:
            object.__setattr__(self, "provider", PROVIDERS.get(self.channel, ""))


def load_cases(path: Path) -> list[Case]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return [
        Case(
            name=item["name"],
            match=item["match"],
            event=item["event"],
            xdr_action=item.get("xdr_action"),
        )
        for item in data["cases"]
    ]


def load_sysmon_json(path: Path, match: bool) -> Case:
    """A real event as SigmaHQ's regression data stores it ({"Event": {"System", "EventData"}})."""
    event = json.loads(path.read_text(encoding="utf-8"))["Event"]
    return Case(path.stem, match, event["EventData"], int(event["System"]["EventID"]))


@dataclass(frozen=True)
class WindowsFixture:
    """A raw event of tests/fixtures/windows_events.yml and, when its source is a golden
    file, what the golden ECS document holds."""

    family: str
    name: str
    event: WindowsEvent
    golden: dict[str, Any] | None
    golden_event_data: dict[str, Any] | None
    has_golden_event_data: bool


def windows_fixtures(path: Path) -> dict[str, WindowsFixture]:
    """The fixtures by "<family>/<name>"."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    fixtures: dict[str, WindowsFixture] = {}
    for family, block in data.items():
        for item in block["events"]:
            event = WindowsEvent(
                item["name"],
                item["event_data"],
                item["event_id"],
                channel=block["channel"],
                provider=item.get("provider", block.get("provider", "")),
                user_data=item.get("user_data", ""),
            )
            fixtures[f"{family}/{item['name']}"] = WindowsFixture(
                family,
                item["name"],
                event,
                item.get("golden"),
                item.get("golden_event_data"),
                "golden_event_data" in item,
            )
    return fixtures
