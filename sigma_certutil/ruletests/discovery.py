"""Where a rule's test events are, and what they must match.

Two layouts, looked for in this order:

- SigmaHQ's (SigmaHQ/sigma ``regression_data/``, see ``tests/regression_tests_runner.py``
  there and ``../shared/data/sigmahq/regression_data``): for a rule at ``ROOT/<path>.yml``,
  ``ROOT/regression_data/<path>/info.yml`` names the rule id (``rule_metadata[0].id``) and
  lists ``regression_tests_info``: each a ``path`` (``regression_data/.../<id>.evtx``, from
  ROOT) whose JSON export lies beside it as ``<id>.json``, a ``provider`` and a
  ``match_count``. An info file whose folder does not follow the rule (a rule that moved) is
  found by the rule id among the other info files of the same ``regression_data``.
- Beside the rule, for a team's repository: ``<stem>.match.json`` holds events the rule must
  match (every one of them) and ``<stem>.nomatch.json`` events it must not match (``.jsonl``
  too); either may be missing. They are JSON, not YAML, so that ``build``, sigma-cli and
  SigmaHQ's own checks, which read every ``*.yml`` under the rules as a rule, pass them by;
  what they must do is in their names, so no count can drift from the events; and they hold
  events as ``verify`` reads them, so an exported event file is a test once renamed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigma_certutil.errors import RuleTestError
from sigma_certutil.files import read_input
from sigma_certutil.verify.events import SysmonEvent, load_events

INFO = "info.yml"
REGRESSION_DATA = "regression_data"
MATCH_SUFFIXES = (".match.json", ".match.jsonl")
NOMATCH_SUFFIXES = (".nomatch.json", ".nomatch.jsonl")
# verify reads Sysmon events only; SigmaHQ names the provider of each test.
SYSMON = "Microsoft-Windows-Sysmon"
_INFO_BYTES = 1 << 20


@dataclass(frozen=True)
class EventSet:
    """One test of a rule: events from ``source`` and what must match among them. With
    ``must_match`` given, exactly those events (by name) must match; otherwise
    ``match_count`` of them (SigmaHQ's count), or at least one when it is None."""

    source: Path
    events: tuple[SysmonEvent, ...]
    must_match: frozenset[str] | None = None
    match_count: int | None = None

    @property
    def names(self) -> frozenset[str]:
        return frozenset(event.name for event in self.events)

    def expectation(self) -> str:
        if self.must_match is not None:
            return _listed(self.must_match) if self.must_match else "no event"
        if self.match_count is None:
            return "at least one event"
        return f"{self.match_count} event" + ("" if self.match_count == 1 else "s")


@dataclass(frozen=True)
class RuleEvents:
    """A rule's tests (none: the rule is untested), where they were found (``layout`` is
    "sigmahq" or "beside"), and the tests this package cannot run (``unreadable``: why)."""

    layout: str | None
    tests: tuple[EventSet, ...] = ()
    unreadable: tuple[str, ...] = ()
    looked_for: tuple[str, ...] = ()


def _listed(names: frozenset[str] | set[str]) -> str:
    return ", ".join(sorted(names))


@dataclass
class Finder:
    """Finds each rule's tests; keeps, for one run, the rule ids of each ``regression_data``
    folder it has indexed."""

    _indexes: dict[Path, dict[str, Path]] = field(default_factory=dict)

    def find(self, rule_path: Path, rule_id: str | None) -> RuleEvents:
        """The rule's tests; RuleTestError when a test file is not what it must be."""
        looked_for = []
        for root, relative in _ancestors(rule_path):
            data = root / REGRESSION_DATA
            if not data.is_dir():
                continue
            info = data / relative.with_suffix("") / INFO
            looked_for.append(str(info))
            if not info.is_file() and rule_id is not None:
                info = self._index(data).get(rule_id, info)
            if info.is_file():
                return _sigmahq(info, root, rule_id)
        beside = _beside(rule_path)
        if beside is not None:
            return beside
        stem = rule_path.with_suffix("")
        looked_for.extend(f"{stem}{suffix}" for suffix in (MATCH_SUFFIXES[0], NOMATCH_SUFFIXES[0]))
        return RuleEvents(None, looked_for=tuple(looked_for))

    def _index(self, data: Path) -> dict[str, Path]:
        if data not in self._indexes:
            index: dict[str, Path] = {}
            for folder, _, names in os.walk(data):
                if INFO in names:
                    path = Path(folder) / INFO
                    found = re.search(r"^\s*-\s*id:\s*['\"]?([0-9A-Za-z-]+)", _text(path), re.M)
                    if found:
                        index.setdefault(found.group(1), path)
            self._indexes[data] = index
        return self._indexes[data]


def _ancestors(rule_path: Path) -> Iterator[tuple[Path, Path]]:
    """Each folder above the rule, nearest first, with the rule's path from it."""
    absolute = Path(os.path.abspath(rule_path))
    for root in absolute.parents:
        yield root, absolute.relative_to(root)


def _text(path: Path) -> str:
    try:
        return read_input(path, RuleTestError, _INFO_BYTES, "info.yml size").decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise RuleTestError("not UTF-8 text", path) from error


def _info_document(info: Path) -> dict[str, Any]:
    import yaml

    from sigma_certutil.strict_yaml import YamlProblem, load_documents

    try:
        documents = load_documents(_text(info))
    except YamlProblem as error:
        raise RuleTestError(error.problem, info, error.line) from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark
        raise RuleTestError(
            f"malformed YAML: {error.problem or 'invalid YAML'}",
            info,
            mark.line + 1 if mark else None,
        ) from error
    document = documents[0].value if len(documents) == 1 else None
    if not isinstance(document, dict):
        raise RuleTestError("not a SigmaHQ regression test: expected one YAML mapping", info, 1)
    return document


def _sigmahq(info: Path, root: Path, rule_id: str | None) -> RuleEvents:
    document = _info_document(info)
    metadata = document.get("rule_metadata")
    named = (
        metadata[0].get("id")
        if isinstance(metadata, list) and metadata and isinstance(metadata[0], dict)
        else None
    )
    if rule_id is not None and named is not None and str(named) != rule_id:
        raise RuleTestError(f"names rule id {named}, not this rule's {rule_id}", info)
    entries = document.get("regression_tests_info") or []
    if not isinstance(entries, list):
        raise RuleTestError("regression_tests_info is not a list", info)
    tests, unreadable = [], []
    for number, entry in enumerate(entries, 1):
        if not isinstance(entry, dict) or not isinstance(entry.get("path"), str):
            raise RuleTestError(f"regression test {number} has no path", info)
        name = entry.get("name") or f"test {number}"
        provider = entry.get("provider")
        if provider != SYSMON:
            unreadable.append(f"{name}: provider {provider}: only Sysmon events are read")
            continue
        count = entry.get("match_count")
        if count is not None and (
            isinstance(count, bool) or not isinstance(count, int) or count < 0
        ):
            raise RuleTestError(
                f"regression test {number}: match_count is not a whole number", info
            )
        events_path = _export(root, entry["path"], info)
        tests.append(EventSet(events_path, tuple(load_events(events_path)), match_count=count))
    return RuleEvents("sigmahq", tuple(tests), tuple(unreadable), (str(info),))


def _export(root: Path, path: str, info: Path) -> Path:
    """The JSON export of a test's events: the path itself when it names one, else the file of
    the same name with ``.json`` (SigmaHQ keeps ``<id>.json`` beside the ``.evtx`` it names).
    The path is from the repository root, and must stay inside ``regression_data``."""
    named = (root / path).with_suffix(".json")
    data = (root / REGRESSION_DATA).resolve()
    if not named.resolve().is_relative_to(data):
        raise RuleTestError(f"test path {path!r} leaves {REGRESSION_DATA}/", info)
    if not named.is_file():
        raise RuleTestError(f"no events for {path}: {named} not found", info)
    return named


def _beside(rule_path: Path) -> RuleEvents | None:
    stem = str(rule_path.with_suffix(""))
    found = []
    for suffixes, must in ((MATCH_SUFFIXES, True), (NOMATCH_SUFFIXES, False)):
        for suffix in suffixes:
            path = Path(stem + suffix)
            if path.exists():
                events = tuple(load_events(path))
                names = frozenset(event.name for event in events)
                found.append(EventSet(path, events, must_match=names if must else frozenset()))
    if not found:
        return None
    return RuleEvents("beside", tuple(found), looked_for=tuple(str(t.source) for t in found))
