"""The rule card: what a rule is, what it covers, and what it matches, as the catalog shows it."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import yaml
from sigma.rule import SigmaRule

from sigma_certutil.attack import Tactic, Technique, attack_table, attack_tags
from sigma_certutil.errors import CorpusError, RuleError
from sigma_certutil.files import read_input
from sigma_certutil.limits import DEFAULT_LIMITS, Limits
from sigma_certutil.rules import decode_rule, rule_document
from sigma_certutil.strict_yaml import YamlLimitError, YamlProblem, load_documents
from sigma_certutil.windows import log_source, rule_events

# The operator a field's modifiers apply, named as the catalog names them; modifiers that only
# transform the value (base64, windash, wide, ...) are listed beside it.
_OPERATORS = {
    "contains": "contains",
    "startswith": "starts_with",
    "endswith": "ends_with",
    "re": "re",
    "cidr": "cidr",
    "lt": "lt",
    "lte": "lte",
    "gt": "gt",
    "gte": "gte",
    "exists": "exists",
    "fieldref": "field_ref",
}
_IGNORED = {"all", "cased", "i", "ignorecase", "m", "multiline", "s", "dotall"}
KEYWORDS = "(keywords)"


def _event_coverage(rule: SigmaRule) -> tuple[EventCoverage, ...]:
    """The Windows events the rule reads (sigma_certutil/windows.py): its log source's, those
    its EventID names; Sysmon's under the provider name the catalog page uses, "Sysmon"."""
    source = log_source(rule.logsource)
    if source is None:
        return ()
    return tuple(
        EventCoverage("Sysmon" if source.is_sysmon else e.provider, e.id, e.title)
        for e in rule_events(rule, source)
    )


@dataclass(frozen=True)
class EventCoverage:
    provider: str
    event_id: int
    title: str


@dataclass(frozen=True)
class Stage:
    """Stage 0 is the condition; each further stage is one detection with its predicates."""

    name: str
    body: str


@dataclass(frozen=True)
class IndicatorValue:
    value: str
    corpus: int | None = None


@dataclass(frozen=True)
class Indicator:
    field: str
    kind: str
    values: tuple[IndicatorValue, ...]
    modifiers: tuple[str, ...] = ()


@dataclass(frozen=True)
class RuleCard:
    title: str
    id: str
    status: str
    level: str
    author: str
    date: str
    modified: str
    description: str
    references: tuple[str, ...]
    falsepositives: tuple[str, ...]
    logsource: dict[str, str]
    tactics: tuple[Tactic, ...]
    techniques: tuple[Technique, ...]
    events: tuple[EventCoverage, ...]
    stages: tuple[Stage, ...]
    indicators: tuple[Indicator, ...]
    attack_version: str = ""
    corpus: str | None = None
    corpus_rules: int | None = None
    body: str = field(default="", repr=False)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["schema"] = "sigma-certutil/rule-card/1"
        return data


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "null" if value is None else str(value)


def _items(detection: Any) -> Iterator[tuple[str, str, tuple[str, ...], list[str]]]:
    """(field, kind, transforming modifiers, values) of one detection's predicates."""
    if isinstance(detection, dict):
        for key, value in detection.items():
            field_name, *modifiers = str(key).split("|")
            ops = [_OPERATORS[m] for m in modifiers if m in _OPERATORS]
            transforms = tuple(m for m in modifiers if m not in _OPERATORS and m not in _IGNORED)
            values = value if isinstance(value, list) else [value]
            yield field_name, ops[0] if ops else "eq", transforms, [_text(v) for v in values]
    elif isinstance(detection, list):
        if all(isinstance(item, dict) for item in detection):
            for item in detection:
                yield from _items(item)
        else:
            yield KEYWORDS, "contains", (), [_text(v) for v in detection]
    elif detection is not None:
        yield KEYWORDS, "contains", (), [_text(detection)]


def indicator_keys(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    """Every (field, kind, lowercased value) a rule document tests: what the corpus counts."""
    detection = document.get("detection") or {}
    return {
        (field_name, kind, value.lower())
        for name, body in detection.items()
        if name != "condition"
        for field_name, kind, _, values in _items(body)
        for value in values
    }


def _corpus_documents(path: Path, limits: Limits) -> list[Any]:
    """The YAML documents of one corpus file; none when it is not YAML (not a rule). A file
    that is no regular file, or over the limits, is a CorpusError: it is not read."""
    try:
        status = os.stat(path)
    except OSError as error:
        raise CorpusError(f"cannot read: {error.strerror or error}", path) from error
    if stat.S_ISDIR(status.st_mode):  # a folder named *.yml: its files are walked
        return []
    raw = read_input(path, CorpusError, limits.rule_bytes)
    try:
        return [document.value for document in load_documents(raw.decode("utf-8"), limits)]
    except YamlLimitError as error:
        raise CorpusError(error.problem, path, error.line) from error
    except (YamlProblem, yaml.YAMLError, UnicodeDecodeError):
        return []


def _corpus_counts(
    corpus: Path, rule_id: str, limits: Limits
) -> tuple[dict[tuple[str, str, str], int], int, bool]:
    counts: dict[tuple[str, str, str], int] = {}
    rules = 0
    seen_self = False
    for path in sorted(corpus.rglob("*.yml")):
        keys: set[tuple[str, str, str]] = set()
        for document in _corpus_documents(path, limits):
            if isinstance(document, dict) and isinstance(document.get("detection"), dict):
                keys |= indicator_keys(document)
                seen_self = seen_self or str(document.get("id")) == rule_id
        if keys:
            rules += 1
            for key in keys:
                counts[key] = counts.get(key, 0) + 1
    return counts, rules, seen_self


def explain(
    rule: SigmaRule | None = None,
    text: str | None = None,
    corpus: Path | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
) -> RuleCard:
    """The card of a rule (the bundled rule when none is given). ``text`` is the rule's YAML,
    read from the rule's file when not given. With ``corpus``, each indicator value carries the
    number of rules under that folder testing the same field with the same operator and value
    (values compared without case, each rule counted once), the rule itself included even when
    it is not in the folder. The rule's text and the corpus files are read within ``limits``."""
    if rule is None:
        from sigma_certutil.rules import bundled_rule_text, load_bundled_rule

        rule, text = load_bundled_rule(), bundled_rule_text()
    path = Path(rule.source.path) if rule.source is not None else None
    if text is None:
        if path is None:
            raise RuleError("explain needs the rule's YAML text or a rule read from a file")
        text = decode_rule(read_input(path, RuleError, limits.rule_bytes), path)
    document = rule_document(text, path, limits)
    detection = document["detection"]
    tactics, techniques = attack_tags(str(tag) for tag in rule.tags)
    events = _event_coverage(rule)
    conditions = detection.get("condition")
    condition_text = "\n".join(conditions) if isinstance(conditions, list) else str(conditions)
    stages = [Stage("condition", condition_text)] + [
        Stage(name, yaml.safe_dump({name: body}, sort_keys=False, allow_unicode=True).rstrip())
        for name, body in detection.items()
        if name != "condition"
    ]
    grouped: dict[tuple[str, str], tuple[list[str], set[str]]] = {}
    for name, body in detection.items():
        if name == "condition":
            continue
        for field_name, kind, transforms, values in _items(body):
            found_values, found_mods = grouped.setdefault((field_name, kind), ([], set()))
            found_values.extend(v for v in values if v not in found_values)
            found_mods.update(transforms)
    counts: dict[tuple[str, str, str], int] | None = None
    corpus_rules = None
    seen_self = False
    if corpus is not None:
        if not corpus.is_dir():
            raise CorpusError("not a directory", corpus)
        counts, corpus_rules, seen_self = _corpus_counts(corpus, str(rule.id), limits)

    def count(field_name: str, kind: str, value: str) -> int | None:
        if counts is None:
            return None
        return counts.get((field_name, kind, value.lower()), 0) + (0 if seen_self else 1)

    indicators = tuple(
        Indicator(
            field_name,
            kind,
            tuple(
                IndicatorValue(v, count(field_name, kind, v)) for v in sorted(values, key=str.lower)
            ),
            tuple(sorted(mods)),
        )
        for (field_name, kind), (values, mods) in sorted(grouped.items())
    )
    return RuleCard(
        title=rule.title,
        id=str(rule.id or ""),
        status=str(rule.status or ""),
        level=str(rule.level or ""),
        author=rule.author or "",
        date=str(rule.date or ""),
        modified=str(rule.modified or ""),
        description=(rule.description or "").strip(),
        references=tuple(rule.references or ()),
        falsepositives=tuple(rule.falsepositives or ()),
        logsource={
            key: value
            for key, value in (
                ("product", rule.logsource.product),
                ("category", rule.logsource.category),
                ("service", rule.logsource.service),
            )
            if value
        },
        tactics=tactics,
        techniques=techniques,
        events=events,
        stages=tuple(stages),
        indicators=indicators,
        attack_version=str(attack_table()["version"]),
        corpus=str(corpus) if corpus is not None else None,
        corpus_rules=corpus_rules,
        body=text,
    )
