"""SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html): one
result per failed or erroneous case, located at the rule file and line, so that GitHub code
scanning annotates the rule.

What GitHub reads (https://docs.github.com/code-security/code-scanning/integrating-with-code-scanning/sarif-support-for-code-scanning):
``tool.driver.name`` and ``rules``, each result's ``ruleId``, ``message.text`` and
``locations[0].physicalLocation`` with ``artifactLocation.uri`` relative to the repository
root (``uriBaseId`` ``%SRCROOT%``, given in ``originalUriBaseIds``) and ``region.startLine``.
A case without a rule file (a manifest that cannot be read, say) has no location. Passed and
skipped cases make no result: a SARIF result is something to look at.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from sigma_certutil.reports.cases import Case, uri

SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
SRCROOT = "%SRCROOT%"


def rule_id(case: Case) -> str:
    """The SARIF ruleId: the lint check, or the command and target (``test/kusto``)."""
    if case.check:
        return case.check
    return f"{case.command}/{case.target}" if case.target else case.command


def sarif_log(command: str, cases: Sequence[Case], root: Path, version: str) -> dict[str, Any]:
    findings = [case for case in cases if case.status.finding]
    rules: dict[str, int] = {}
    for case in findings:
        rules.setdefault(rule_id(case), len(rules))
    results = []
    for case in findings:
        result: dict[str, Any] = {
            "ruleId": rule_id(case),
            "ruleIndex": rules[rule_id(case)],
            "level": case.level,
            "message": {"text": case.message or case.name},
        }
        if case.source is not None:
            location: dict[str, Any] = {
                "artifactLocation": {"uri": uri(case.source, root), "uriBaseId": SRCROOT}
            }
            if case.line is not None:
                location["region"] = {"startLine": case.line}
            result["locations"] = [{"physicalLocation": location}]
        results.append(result)
    driver = {
        "name": "sigma-certutil",
        "version": version,
        "rules": [
            {
                "id": identifier,
                "name": identifier,
                "shortDescription": {"text": _describe(identifier)},
            }
            for identifier in rules
        ],
    }
    return {
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": f"sigma-certutil/{command}/"},
                "originalUriBaseIds": {SRCROOT: {"uri": _folder_uri(root)}},
                "results": results,
            }
        ],
    }


def _describe(identifier: str) -> str:
    command, _, target = identifier.partition("/")
    descriptions = {
        "test": "the query does not match the events its rule's test names",
        "build": "the rule does not build",
        "check": "the committed query differs from what its rule builds",
    }
    if command in descriptions:
        return descriptions[command] + (f" ({target})" if target else "")
    return identifier


def _folder_uri(root: Path) -> str:
    text = Path(root).resolve().as_uri()
    return text if text.endswith("/") else text + "/"
