"""Read a Sigma rule from a file or from YAML text, with errors that say where."""

from __future__ import annotations

import os
import re
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from sigma.exceptions import SigmaConditionError, SigmaError, SigmaModifierError, SigmaRuleLocation
from sigma.rule import SigmaRule

from sigma_certutil.errors import RuleError

BUNDLED_RULE = "net_connection_win_certutil_initiated_connection.yml"


def bundled_rule_text() -> str:
    """The flagship rule, SigmaHQ's "Uncommon Network Connection Initiated By Certutil.EXE"."""
    return (files("sigma_certutil") / "rules" / BUNDLED_RULE).read_text(encoding="utf-8")


def load_bundled_rule() -> SigmaRule:
    return parse_rule(bundled_rule_text(), None)


def load_rule(source: str | os.PathLike[str]) -> SigmaRule:
    """A rule from a path, or from YAML text (a string holding a line break)."""
    if isinstance(source, str) and "\n" in source:
        return parse_rule(source, None)
    path = Path(source)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise RuleError("file not found", path) from error
    except IsADirectoryError as error:
        raise RuleError("is a directory, not a rule file", path) from error
    except UnicodeDecodeError as error:
        raise RuleError("not a text file (invalid UTF-8)", path) from error
    except OSError as error:
        raise RuleError(f"cannot read: {error.strerror}", path) from error
    return parse_rule(text, path)


def _yaml_documents(text: str) -> list[Any]:
    """The YAML documents of a text: libyaml's parser when installed (several times faster);
    on an error, the pure-Python parser's, whose messages say what it expected and got."""
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return [doc for doc in yaml.load_all(text, Loader=fast) if doc is not None]
        except yaml.YAMLError:
            pass
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def parse_rule(text: str, path: Path | None) -> SigmaRule:
    """Parse and validate one rule; conditions are parsed now so their errors surface here."""
    return rule_from_document(rule_document(text, path), text, path)


def rule_document(text: str, path: Path | None) -> dict[str, Any]:
    """The rule's YAML mapping, checked to be one Sigma rule with a detection and condition."""
    try:
        documents = _yaml_documents(text)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise RuleError(
            f"malformed YAML: {problem}", path, mark.line + 1 if mark else None
        ) from error
    except yaml.YAMLError as error:
        raise RuleError(f"malformed YAML: {error}", path) from error
    if not documents:
        raise RuleError("empty file: not a Sigma rule", path)
    if len(documents) > 1:
        raise RuleError(
            f"holds {len(documents)} YAML documents; one rule per file is supported", path
        )
    document = documents[0]
    if not isinstance(document, dict) or not {"title", "logsource", "detection"} & document.keys():
        raise RuleError(
            "not a Sigma rule: expected a mapping with title, logsource and detection", path, 1
        )
    detection = document.get("detection")
    if not isinstance(detection, dict):
        raise RuleError("not a Sigma rule: no 'detection' section", path)
    if "condition" not in detection:
        line = _key_lines(yaml.compose(text)).get(("detection",))
        raise RuleError("'detection' has no 'condition'", path, line)
    return document


def rule_from_document(document: dict[str, Any], text: str, path: Path | None) -> SigmaRule:
    """A SigmaRule built from its parsed mapping (a fresh object each call: conversions that
    rewrite it can each take their own, which costs less than copying a built rule)."""
    location = SigmaRuleLocation(path) if path is not None else None
    try:
        rule = SigmaRule.from_dict(document, source=location)
        for condition in rule.detection.parsed_condition:
            condition.parse()
    except SigmaError as error:
        message = str(error.args[0]) if error.args else type(error).__name__
        raise RuleError(message, path, _error_line(text, error)) from error
    return rule


def _error_line(text: str, error: SigmaError) -> int | None:
    """The line a pySigma error points at, found in the YAML node tree where possible."""
    try:
        lines = _key_lines(yaml.compose(text))
    except yaml.YAMLError:
        return None
    if isinstance(error, SigmaModifierError):
        quoted = re.search(r"'([^']*)'", str(error.args[0]) if error.args else "")
        if quoted:
            for key_path, line in lines.items():
                if key_path[0] == "detection" and f"|{quoted.group(1)}" in key_path[-1]:
                    return line
    if isinstance(error, SigmaConditionError):
        return lines.get(("detection", "condition"), lines.get(("detection",)))
    return None


def _key_lines(node: Any, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """Every mapping key path of a composed YAML document with its 1-based line."""
    found: dict[tuple[str, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, str(key.value))
            found[path] = key.start_mark.line + 1
            found.update(_key_lines(value, path))
    elif isinstance(node, yaml.SequenceNode):
        for item in node.value:
            found.update(_key_lines(item, prefix))
    return found
