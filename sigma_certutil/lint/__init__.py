"""``lint``: the checks detection engineers run on Sigma rules, offline, each finding one line
``file:line: check: message`` at the line of the offending key.

The checks (catalog.py lists them): this package's own on the rule's YAML (checks.py:
identifier, status, level and date values, ATT&CK tags against the bundled table, dangling
detection names; fields.py: field names the log source's events do not have; identifiers
shared across the files linted together) and pySigma's validators (validators.py), none of
which fetches anything. A config file (config.py) enables, disables and exempts them.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigma_certutil.errors import NotARuleError, RuleError
from sigma_certutil.files import read_input
from sigma_certutil.limits import DEFAULT_LIMITS, Limits
from sigma_certutil.lint.catalog import CHECKS, Check
from sigma_certutil.lint.checks import DocumentChecks
from sigma_certutil.lint.config import (
    CONFIG_NAME,
    LintConfig,
    LintConfigError,
    find_config,
    load_config,
)
from sigma_certutil.lint.fields import field_findings
from sigma_certutil.lint.findings import Finding
from sigma_certutil.lint.validators import LintedRule, pysigma_findings

__all__ = [
    "CHECKS",
    "CONFIG_NAME",
    "Check",
    "Finding",
    "LintConfig",
    "LintConfigError",
    "LintResult",
    "find_config",
    "lint",
    "load_config",
    "rule_paths",
]

# Keys whose bad values this package's checks report: pySigma is given the rule without them,
# so that one mistake is one finding.
_OWN_VALUES = {
    "identifier_format": ("id",),
    "status_value": ("status",),
    "level_value": ("level",),
    "date_value": ("date", "modified"),
}


@dataclass
class LintResult:
    """The findings, sorted by file and line; the files read; the files that are not rules,
    with why (a skip, or with ``strict`` an ``invalid_rule`` finding)."""

    findings: list[Finding] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    skipped: list[tuple[str, str]] = field(default_factory=list)


def lint(
    files: Sequence[str],
    config: LintConfig | None = None,
    *,
    limits: Limits = DEFAULT_LIMITS,
    strict: bool = False,
) -> LintResult:
    """Lint each rule file of ``files`` (build.layout.rule_files lists a folder's)."""
    config = config or LintConfig()
    result = LintResult(files=list(files))
    loaded: list[LintedRule] = []
    ids: dict[str, list[tuple[str, int]]] = {}
    for path in files:
        findings, linted, rule_id, id_line = _lint_file(path, config, limits, strict, result)
        result.findings.extend(findings)
        if linted is not None:
            loaded.append(linted)
        if rule_id is not None:
            ids.setdefault(rule_id.lower(), []).append((path, id_line))

    def applies(check: str, linted: LintedRule) -> bool:
        return config.applies(check, linted.source, _id_of(linted.document))

    result.findings.extend(_shared_ids(ids, config))
    result.findings.extend(pysigma_findings(loaded, applies))
    result.findings.sort(key=lambda f: (f.source, f.line or 0, f.check, f.message))
    return result


def _id_of(document: dict[str, Any]) -> str | None:
    value = document.get("id")
    return value if isinstance(value, str) else None


def _lint_file(
    path: str, config: LintConfig, limits: Limits, strict: bool, result: LintResult
) -> tuple[list[Finding], LintedRule | None, str | None, int]:
    """The file's own findings, the rule when it loads, its id and the line of its id."""
    from sigma_certutil.rules import decode_rule, rule_document_node, rule_from_document

    try:
        text = decode_rule(read_input(path, RuleError, limits.rule_bytes), path)
        document, lines = rule_document_node(text, Path(path), limits)
    except NotARuleError as error:
        if strict:
            return [Finding(path, error.line or 1, "invalid_rule", error.message)], None, None, 1
        result.skipped.append((path, error.message))
        return [], None, None, 1
    except RuleError as error:
        finding = Finding(path, error.line or 1, "invalid_rule", error.message)
        return ([finding] if config.applies("invalid_rule", path, None) else []), None, None, 1
    rule_id = _id_of(document)
    id_line = lines.get(("id",), 1)
    found = list(DocumentChecks(path, document, lines).run())
    own = [finding for finding in found if config.applies(finding.check, path, rule_id)]
    # An exempt finding's key is left out too: pySigma would refuse the rule for it.
    flagged = {key for f in found for key in _OWN_VALUES.get(f.check, ())}
    flagged |= {key for key in ("id",) if key in document and not isinstance(document[key], str)}
    trimmed = {key: value for key, value in document.items() if key not in flagged}
    try:
        rule = rule_from_document(trimmed, text, Path(path), limits)
    except RuleError as error:
        # pySigma refuses a condition naming no detection too: dangling_condition said it.
        dangling = any(f.check == "dangling_condition" for f in found)
        if not dangling and config.applies("invalid_rule", path, rule_id):
            own.append(Finding(path, error.line or 1, "invalid_rule", error.message))
        return own, None, rule_id, id_line
    linted = LintedRule(path, rule, document, lines)
    if config.applies("field_name", path, rule_id):
        own.extend(field_findings(path, rule, lines))
    return own, linted, rule_id, id_line


def _shared_ids(ids: dict[str, list[tuple[str, int]]], config: LintConfig) -> Iterator[Finding]:
    for rule_id, places in ids.items():
        if len(places) < 2:
            continue
        for path, line in places:
            if not config.applies("identifier_uniqueness", path, rule_id):
                continue
            others = ", ".join(f"{p}:{n}" for p, n in places if (p, n) != (path, line))
            message = f"id {rule_id} is also the id of {others}"
            yield Finding(path, line, "identifier_uniqueness", message)


def rule_paths(sources: Sequence[str], exclude: Sequence[str] = ()) -> list[str]:
    """The rule files under ``sources`` (build's listing: hidden folders skipped)."""
    from sigma_certutil.build.layout import rule_files

    return rule_files(sources, exclude)
