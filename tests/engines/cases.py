"""Test cases: a Sysmon event and whether the rule under test means it to match."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Case:
    name: str
    match: bool
    event: dict[str, Any]
    event_id: int = 3
    xdr_action: str | None = None


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
