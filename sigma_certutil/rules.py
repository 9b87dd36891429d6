"""Read a Sigma rule from a file (``load_rule``) or from YAML text (``parse_rule``), strictly
and within Limits, with errors that say where: every problem with the rule is a RuleError
naming its file and, where it is known, its line.
"""

from __future__ import annotations

import os
from importlib.resources import files
from pathlib import Path
from typing import Any

import yaml
from sigma.exceptions import SigmaRuleLocation
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule

from sigma_certutil.condition_parser import misread_names, parse_condition
from sigma_certutil.conditions import condition_depth, recursion_room
from sigma_certutil.errors import NotARuleError, RuleError
from sigma_certutil.files import read_input
from sigma_certutil.limits import DEFAULT_LIMITS, Limits, size_text
from sigma_certutil.rule_lines import PYSIGMA_FAILURES, Positions, culprit, failure_text, node_line
from sigma_certutil.strict_yaml import KeyPath, YamlProblem, key_lines, load_documents

BUNDLED_RULE = "net_connection_win_certutil_initiated_connection.yml"

RulePath = str | os.PathLike[str]


def bundled_rule_text() -> str:
    """The flagship rule, SigmaHQ's "Uncommon Network Connection Initiated By Certutil.EXE"."""
    return (files("sigma_certutil") / "rules" / BUNDLED_RULE).read_text(encoding="utf-8")


def load_bundled_rule() -> SigmaRule:
    return parse_rule(bundled_rule_text())


def load_rule(path: RulePath, *, limits: Limits = DEFAULT_LIMITS) -> SigmaRule:
    """The rule in the file at ``path`` (a path, never YAML text: parse_rule takes text)."""
    source = Path(path)
    raw = read_input(source, RuleError, limits.rule_bytes)
    return parse_rule(decode_rule(raw, source), source, limits=limits)


def decode_rule(raw: bytes, path: RulePath | None) -> str:
    """A rule file's text; RuleError naming the line of the first byte that is not UTF-8."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as error:
        line = raw.count(b"\n", 0, error.start) + 1
        name = os.fspath(path) if path is not None else None
        raise RuleError("not a text file (invalid UTF-8)", name, line) from error


def parse_rule(
    text: str, source: RulePath | None = None, *, limits: Limits = DEFAULT_LIMITS
) -> SigmaRule:
    """Parse and validate one rule from its YAML text; ``source`` is the file it came from,
    for messages. Conditions are parsed now so that their errors surface here."""
    path = Path(source) if source is not None else None
    return rule_from_document(rule_document(text, path, limits), text, path, limits)


def rule_document(text: str, path: Path | None, limits: Limits = DEFAULT_LIMITS) -> dict[str, Any]:
    """The rule's YAML mapping, checked to be one Sigma rule with a detection and conditions
    within the limits."""
    return rule_document_node(text, path, limits)[0]


def rule_document_node(
    text: str, path: Path | None, limits: Limits = DEFAULT_LIMITS
) -> tuple[dict[str, Any], dict[KeyPath, int]]:
    """rule_document's mapping and the line of each of its keys. NotARuleError for YAML that
    is no detection rule at all."""
    if len(text) * 4 > limits.rule_bytes and len(text.encode("utf-8")) > limits.rule_bytes:
        raise RuleError(
            f"rule is {len(text.encode('utf-8'))} bytes, over the rule_bytes limit of "
            f"{size_text(limits.rule_bytes)}",
            path,
        )
    try:
        documents = load_documents(text, limits)
    except YamlProblem as error:
        raise RuleError(error.problem, path, error.line) from error
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        problem = error.problem or error.context or "invalid YAML"
        raise RuleError(
            f"malformed YAML: {problem}", path, mark.line + 1 if mark else None
        ) from error
    except yaml.YAMLError as error:
        raise RuleError(f"malformed YAML: {error}", path) from error
    if not documents:
        raise NotARuleError("empty file: not a Sigma rule", path)
    if len(documents) > 1:
        raise RuleError(
            f"holds {len(documents)} YAML documents; one rule per file is supported", path
        )
    document, node = documents[0].value, documents[0].node
    if not isinstance(document, dict) or not {"title", "logsource", "detection"} & document.keys():
        raise NotARuleError(
            "not a Sigma rule: expected a mapping with title, logsource and detection", path, 1
        )
    for kind in ("correlation", "filter"):
        if kind in document and "detection" not in document:
            message = f"a Sigma {kind} {'rule' if kind == 'correlation' else ''}".rstrip()
            line = key_lines(node).get((kind,))
            raise NotARuleError(f"{message}, not a detection rule", path, line)
    detection = document.get("detection")
    if not isinstance(detection, dict):
        raise RuleError("not a Sigma rule: no 'detection' section", path)
    if "condition" not in detection:
        raise RuleError("'detection' has no 'condition'", path, key_lines(node).get(("detection",)))
    wrong = _condition_problem(detection["condition"], limits)
    if wrong is not None:
        where: KeyPath = ("detection", "condition")
        lines = key_lines(node)
        raise RuleError(wrong[0], path, lines.get((*where, *wrong[1]), lines.get(where)))
    return document, key_lines(node)


def _condition_problem(value: Any, limits: Limits) -> tuple[str, KeyPath] | None:
    """What is wrong with a rule's condition value, and where in it; None when nothing."""
    conditions = value if isinstance(value, list) else [value]
    if not conditions or not all(isinstance(condition, str) for condition in conditions):
        return "'condition' must be a string or a list of strings", ()
    for index, condition in enumerate(conditions):
        where: KeyPath = (index,) if isinstance(value, list) else ()
        size = len(condition.encode("utf-8"))
        if size > limits.condition_bytes:
            limit = size_text(limits.condition_bytes)
            return f"condition is {size} bytes, over the condition_bytes limit of {limit}", where
        depth = condition_depth(condition)
        if depth > limits.condition_depth:
            return (
                f"condition nests {depth} levels deep, over the condition_depth limit of "
                f"{limits.condition_depth}",
                where,
            )
    return None


def rule_from_document(
    document: dict[str, Any], text: str, path: Path | None, limits: Limits = DEFAULT_LIMITS
) -> SigmaRule:
    """A SigmaRule built from its parsed mapping (a fresh object each call: conversions that
    rewrite it can each take their own, which costs less than copying a built rule). Whatever
    pySigma raises on the document is a RuleError at the line it points to."""
    location = SigmaRuleLocation(path) if path is not None else None
    detection = document.get("detection")
    conditions = detection.get("condition") if isinstance(detection, dict) else None
    listed = conditions if isinstance(conditions, list) else [conditions]
    depth = max((condition_depth(c) for c in listed if isinstance(c, str)), default=0)
    with recursion_room(depth):
        try:
            rule = SigmaRule.from_dict(document, source=location)
        except PYSIGMA_FAILURES as error:
            where = culprit(document, error, location)
            raise RuleError(failure_text(error), path, _line(text, limits, where)) from error
        for written in rule.detection.condition:
            misread = misread_names(written, rule.detection.detections)
            if misread:
                name = misread[0]
                raise RuleError(
                    f"condition: pySigma reads the detection name '{name}' as 'not "
                    f"{name[3:]}' (its grammar takes the operator from the start of a name); "
                    "rename the detection",
                    path,
                    _line(text, limits),
                )
        try:  # SigmaCondition.parse, with the tree condition_parser.py makes
            for condition in rule.detection.parsed_condition:
                tree = parse_condition(condition.condition)
                if tree is not None:
                    tree.postprocess(condition.detections, source=condition.source)
        except PYSIGMA_FAILURES as error:
            raise RuleError(failure_text(error), path, _line(text, limits)) from error
    return rule


def _line(text: str, limits: Limits, where: Positions | None = None) -> int | None:
    """The line of the entry at ``where`` in the text's document; of its condition when
    ``where`` is None."""
    try:
        root = load_documents(text, limits)[0].node
    except (YamlProblem, yaml.YAMLError, IndexError):
        return None
    if where is None:
        lines = key_lines(root)
        return lines.get(("detection", "condition"), lines.get(("detection",)))
    return node_line(root, where)


def detection_items(rule: SigmaRule) -> list[SigmaDetectionItem]:
    """Every detection item of the rule's detections, nested ones too, in order."""
    found: list[SigmaDetectionItem] = []

    def walk(item: SigmaDetection | SigmaDetectionItem) -> None:
        if isinstance(item, SigmaDetection):
            for child in item.detection_items:
                walk(child)
        else:
            found.append(item)

    for detection in rule.detection.detections.values():
        walk(detection)
    return found
