"""MITRE ATT&CK offline: the bundled table (sigma_certutil/data/attack.json, written by
``python -m sigma_certutil.data.make_attack_table``) and a rule's ``attack.*`` tags resolved
against it, for the rule card and the deployable formats."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from typing import Any

_TECHNIQUE = re.compile(r"t\d{4}(\.\d{3})?")


@dataclass(frozen=True)
class Tactic:
    id: str
    short_name: str
    name: str


@dataclass(frozen=True)
class Technique:
    """A technique or sub-technique id as tagged (T1003.001); ``name`` is empty for an id the
    table does not know (revoked or mistyped)."""

    id: str
    name: str


@cache
def attack_table() -> dict[str, Any]:
    """The bundled MITRE ATT&CK table (read once per process: it is part of the package)."""
    text = (files("sigma_certutil") / "data" / "attack.json").read_text(encoding="utf-8")
    table: dict[str, Any] = json.loads(text)
    return table


def attack_tags(tags: Iterable[str]) -> tuple[tuple[Tactic, ...], tuple[Technique, ...]]:
    """Every ``attack.*`` tag, in tag order: tactics by short name or id, techniques by id
    (those the table does not know keep an empty name)."""
    table = attack_table()
    by_id = {t["id"].lower(): (short, t) for short, t in table["tactics"].items()}
    tactics: list[Tactic] = []
    techniques: list[Technique] = []
    for tag in tags:
        namespace, _, name = tag.partition(".")
        if namespace != "attack":
            continue
        name = name.replace("_", "-").lower()
        if _TECHNIQUE.fullmatch(name):
            technique = table["techniques"].get(name.upper())
            techniques.append(Technique(name.upper(), technique["name"] if technique else ""))
        elif name in table["tactics"]:
            tactic = table["tactics"][name]
            tactics.append(Tactic(tactic["id"], name, tactic["name"]))
        elif name in by_id:
            short, tactic = by_id[name]
            tactics.append(Tactic(tactic["id"], short, tactic["name"]))
    return tuple(tactics), tuple(techniques)


@dataclass(frozen=True)
class KnownAttack:
    """A rule's ATT&CK tags that the table knows, each once, in tag order."""

    tactics: tuple[str, ...]  # short names: command-and-control
    techniques: tuple[str, ...]  # ids, sub-techniques as tagged: T1105, T1003.001


def known_attack(tags: Iterable[str]) -> KnownAttack:
    tactics, techniques = attack_tags(tags)
    return KnownAttack(
        tuple(dict.fromkeys(tactic.short_name for tactic in tactics)),
        tuple(dict.fromkeys(technique.id for technique in techniques if technique.name)),
    )


def technique_tactics(technique_id: str) -> list[str]:
    """The short names of a known technique's tactics."""
    tactics: list[str] = attack_table()["techniques"][technique_id]["tactics"]
    return tactics


def technique_name(technique_id: str) -> str:
    name: str = attack_table()["techniques"][technique_id]["name"]
    return name
