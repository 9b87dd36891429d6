"""pySigma's own validators (sigma.validators.core, pySigma 1.5), run offline, their issues
turned into findings at the line of the key each is about.

The ones that download MITRE's data are not run (catalog.py says which, and what replaces
them): nothing here reads ``sigma.data.mitre_attack`` or ``mitre_d3fend``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sigma.rule import SigmaDetectionItem, SigmaRule
from sigma.validators.base import (
    SigmaRuleValidator,
    SigmaValidationIssue,
    SigmaValidationIssueSeverity,
)

from sigma_certutil.lint.catalog import CHECKS
from sigma_certutil.lint.findings import Finding
from sigma_certutil.strict_yaml import KeyPath

_WARNINGS = (SigmaValidationIssueSeverity.LOW,)


@dataclass(frozen=True)
class LintedRule:
    """A rule that loaded, where it came from, and the lines of its keys."""

    source: str
    rule: SigmaRule
    document: dict[str, Any]
    lines: dict[KeyPath, int]


def pysigma_findings(
    rules: Iterable[LintedRule], applies: Callable[[str, LintedRule], bool]
) -> Iterator[Finding]:
    """Each pySigma validator's issues on the rules it applies to (``applies(check, rule)``),
    then the issues it finds across them (duplicate titles, file names)."""
    from sigma.validators.core import validators

    listed = list(rules)
    by_rule = {id(linted.rule): linted for linted in listed}
    for check in (c for c in CHECKS.values() if not c.own):
        validator: SigmaRuleValidator = validators[check.id]()
        for linted in listed:
            if applies(check.id, linted):
                for issue in validator.validate(linted.rule):
                    yield from _findings(check.id, issue, by_rule, applies)
        for issue in validator.finalize():
            yield from _findings(check.id, issue, by_rule, applies)


def _findings(
    check: str,
    issue: SigmaValidationIssue,
    by_rule: dict[int, LintedRule],
    applies: Callable[[str, LintedRule], bool],
) -> Iterator[Finding]:
    level = "warning" if issue.severity in _WARNINGS else "error"
    rules = [by_rule[id(rule)] for rule in issue.rules if id(rule) in by_rule]
    for linted in rules:
        if not applies(check, linted):
            continue
        message = issue.description + _detail(issue)
        others = [other.source for other in rules if other is not linted]
        if len(rules) > 1:
            message += f" (also {', '.join(others)})"
        yield Finding(linted.source, _line(issue, linted), check, message, level)


def _detail(issue: SigmaValidationIssue) -> str:
    for name in ("tag", "reference", "title", "filename", "fieldname", "string", "modifiers"):
        value = getattr(issue, name, None)
        if value is not None:
            return f": {_text(value)}"
    item = getattr(issue, "detection_item", None)
    if isinstance(item, SigmaDetectionItem) and item.field is not None:
        return f": field {item.field}"
    return ""


def _text(value: Any) -> str:
    if isinstance(value, list | tuple):
        return ", ".join(_text(v) for v in value)
    if isinstance(value, type):
        return value.__name__
    return repr(str(value))


def _line(issue: SigmaValidationIssue, linted: LintedRule) -> int:
    lines, document = linted.lines, linted.document
    tag = getattr(issue, "tag", None)
    if tag is not None:
        return _list_line(lines, document, "tags", str(tag)) or lines.get(("tags",), 1)
    reference = getattr(issue, "reference", None)
    if reference is not None:
        found = _list_line(lines, document, "references", str(reference))
        return found or lines.get(("references",), 1)
    if getattr(issue, "title", None) is not None:
        return lines.get(("title",), 1)
    field = getattr(issue, "fieldname", None)
    item = getattr(issue, "detection_item", None)
    if field is None and isinstance(item, SigmaDetectionItem):
        field = item.field
    if isinstance(field, str):
        for path, line in lines.items():
            last = path[-1] if path else None
            if isinstance(last, str) and last.split("|")[0] == field:
                return line
    if getattr(issue, "logsource", None) is not None:
        return lines.get(("logsource",), 1)
    string = getattr(issue, "string", None)
    if string is not None:
        return _value_line(linted, str(string)) or lines.get(("detection",), 1)
    if type(issue).__name__.endswith(("ConditionIssue", "ModifierIssue")) or item is not None:
        return lines.get(("detection", "condition"), lines.get(("detection",), 1))
    return 1


def _list_line(lines: dict[KeyPath, int], document: dict[str, Any], key: str, text: str) -> int:
    """The line of the item of the list ``key`` whose text is ``text``: of its second
    occurrence when it is listed twice (the duplicate)."""
    values = document.get(key)
    if not isinstance(values, list):
        return 0
    found = [index for index, value in enumerate(values) if str(value) == text]
    return lines.get((key, found[min(1, len(found) - 1)]), 0) if found else 0


def _value_line(linted: LintedRule, text: str) -> int:
    """The line of the first detection value whose text is ``text``, or is it without the
    wildcards a modifier added (``endswith`` makes ``x`` into ``*x``)."""
    values: list[tuple[str, KeyPath]] = []
    stack: list[tuple[Any, KeyPath]] = [(linted.document.get("detection"), ("detection",))]
    while stack:
        value, path = stack.pop(0)
        if isinstance(value, dict):
            stack.extend((v, (*path, str(k))) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend((v, (*path, i)) for i, v in enumerate(value))
        else:
            values.append((str(value), path))
    for wanted in (text, text.strip("*")):
        for value, path in values:
            if value == wanted or value.strip("*") == wanted:
                return linted.lines.get(path, 0)
    return 0
