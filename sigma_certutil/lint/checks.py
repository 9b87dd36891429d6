"""The checks that read a rule's YAML document: its metadata values, its ATT&CK tags and its
detection names, each finding at the line of the key it is about.

The values allowed are the Sigma specification's: SigmaHQ/sigma-specification
``specification/sigma-rules-specification.md`` (id: "globally unique identifier ... UUIDs
(version 4) are recommended"; status: stable, test, experimental, deprecated, unsupported;
level: informational, low, medium, high, critical; date and modified: "Use the ISO 8601 date
with separator format : YYYY-MM-DD") and its schema ``json-schema/sigma-detection-rule-schema.json``
(id ``"format": "uuid"``; date ``"pattern": "^\\d{4}-(0[1-9]|1[012])-(0[1-9]|[12][0-9]|3[01])$"``).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from fnmatch import fnmatchcase
from typing import Any

from sigma_certutil.attack import attack_table
from sigma_certutil.lint.findings import Finding
from sigma_certutil.strict_yaml import KeyPath

STATUSES = ("stable", "test", "experimental", "deprecated", "unsupported")
LEVELS = ("informational", "low", "medium", "high", "critical")
# The textual form of RFC 4122 (JSON Schema's "uuid" format): uuid.UUID also takes braces,
# a urn: prefix and no hyphens, which the schema does not.
_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_TECHNIQUE = re.compile(r"t\d{4}(\.\d{3})?")
# ATT&CK objects the bundled table does not list (groups, software, mitigations, data
# sources, campaigns): their ids are checked for shape only.
_OTHER_ATTACK_ID = re.compile(r"(g|s|m|ds|c)\d{4}")
# The condition's grammar (pySigma 1.5 sigma/conditions.py): identifier Word(alphanums +
# "_-"), identifier_pattern Word(alphanums + "*_"), quantifier "1" | "any" | "all".
_TOKEN = re.compile(r"[A-Za-z0-9_*-]+")
_WORDS = frozenset({"and", "or", "not", "of", "them", "1", "any", "all"})
_NOT_DETECTIONS = frozenset({"condition", "timeframe"})


class DocumentChecks:
    """The checks on one rule document; ``lines`` maps key paths to lines."""

    def __init__(self, source: str, document: dict[str, Any], lines: dict[KeyPath, int]) -> None:
        self.source = source
        self.document = document
        self.lines = lines

    def finding(self, check: str, message: str, *where: str | int) -> Finding:
        line = self.lines.get(tuple(where)) if where else None
        return Finding(self.source, line if line is not None else 1, check, message)

    def run(self) -> Iterator[Finding]:
        yield from self.identifier()
        yield from self.value("status", STATUSES, "status_value")
        yield from self.value("level", LEVELS, "level_value")
        yield from self.dates()
        yield from self.attack_tags()
        yield from self.detection_names()

    def identifier(self) -> Iterator[Finding]:
        if "id" not in self.document:
            yield self.finding("identifier_existence", "the rule has no id (a UUID)")
            return
        value = self.document["id"]
        if not (isinstance(value, str) and _UUID.fullmatch(value)):
            yield self.finding("identifier_format", f"id {value!r} is not a UUID", "id")

    def value(self, key: str, allowed: tuple[str, ...], check: str) -> Iterator[Finding]:
        if key in self.document and self.document[key] not in allowed:
            message = f"{key} {self.document[key]!r} is not one of {', '.join(allowed)}"
            yield self.finding(check, message, key)

    def dates(self) -> Iterator[Finding]:
        found: dict[str, dt.date] = {}
        for key in ("date", "modified"):
            if key not in self.document:
                continue
            value = self.document[key]
            if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
                found[key] = value
                continue
            text = str(value)
            day = _parse_date(text) if isinstance(value, str) and _DATE.fullmatch(text) else None
            if day is None:
                yield self.finding("date_value", f"{key} {text!r} is not a date YYYY-MM-DD", key)
            else:
                found[key] = day
        if "date" in found and "modified" in found and found["modified"] < found["date"]:
            message = f"modified {found['modified']} is before date {found['date']}"
            yield self.finding("date_value", message, "modified")

    def attack_tags(self) -> Iterator[Finding]:
        tags = self.document.get("tags")
        if not isinstance(tags, list):
            return
        table = attack_table()
        tactics = set(table["tactics"])
        techniques = {technique.lower() for technique in table["techniques"]}
        version = table["version"]
        for index, tag in enumerate(tags):
            if not isinstance(tag, str) or not tag.lower().startswith("attack."):
                continue
            name = tag.split(".", 1)[1].lower()
            known = (
                name in techniques
                if _TECHNIQUE.fullmatch(name)
                else name.replace("_", "-") in tactics or bool(_OTHER_ATTACK_ID.fullmatch(name))
            )
            if not known:
                message = f"'{tag}' is not in the bundled MITRE ATT&CK {version} table"
                was = _retired(table, name)
                if was:
                    message += f" ({was} of ATT&CK {table['retired']['release']}, retired since)"
                yield self.finding("attacktag", message, "tags", index)

    def detection_names(self) -> Iterator[Finding]:
        detection = self.document.get("detection")
        if not isinstance(detection, dict):
            return
        defined = [str(name) for name in detection if name not in _NOT_DETECTIONS]
        conditions = detection.get("condition")
        listed = conditions if isinstance(conditions, list) else [conditions]
        used: set[str] = set()
        for index, condition in enumerate(listed):
            if not isinstance(condition, str):
                return
            where: tuple[str | int, ...] = ("detection", "condition")
            if isinstance(conditions, list):
                where = (*where, index)
            # Sigma 1's aggregations (``selection | count() > 5``) are no detection names:
            # pySigma refuses them (an invalid_rule finding).
            tokens = _TOKEN.findall(condition.split("|", 1)[0])
            for position, token in enumerate(tokens):
                if token in _WORDS:
                    if token == "them" and position > 0 and tokens[position - 1] == "of":
                        used.update(defined)
                    continue
                quantified = position > 0 and tokens[position - 1] == "of"
                matched = [name for name in defined if fnmatchcase(name, token)]
                if "*" in token and quantified:
                    used.update(matched)
                    if not matched:
                        message = f"the condition's '{token}' matches no detection"
                        yield self.finding("dangling_condition", message, *where)
                elif token in defined:
                    used.add(token)
                else:
                    message = f"the condition uses '{token}', which no detection defines"
                    yield self.finding("dangling_condition", message, *where)
        for name in defined:
            if name not in used:
                message = f"detection '{name}' is defined but the condition does not use it"
                yield self.finding("dangling_detection", message, "detection", name)


def _parse_date(text: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        return None


def _retired(table: dict[str, Any], name: str) -> str:
    """How the previous release named a tag's tactic or technique that this one retired
    (revoked or deprecated: the table's ``retired``), or ""."""
    retired = table.get("retired", {})
    if _TECHNIQUE.fullmatch(name):
        technique = retired.get("techniques", {}).get(name.upper())
        return f"{name.upper()} {technique!r}" if technique else ""
    tactic = retired.get("tactics", {}).get(name.replace("_", "-"))
    return f"the tactic {tactic!r}" if tactic else ""
