"""rules.py: a path is always a path and text goes through parse_rule; every problem with a
rule is a RuleError naming its file and the line of the key it comes from, pySigma's own
errors, what pySigma raises on values it does not expect, and the limits alike."""

from __future__ import annotations

import re
import time
import tracemalloc
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE
from test_strict_yaml import alias_bomb

from sigma_certutil import Limits, RuleError, convert_all, load_rule, parse_rule
from sigma_certutil.limits import DEFAULT_LIMITS
from sigma_certutil.rules import rule_document, rule_from_document

RULE = BUNDLED_RULE.read_text(encoding="utf-8")
SELECTION = "        Initiated: 'true'"
CONDITION = "condition: selection"


def _error(text: str, limits: Limits = DEFAULT_LIMITS) -> tuple[str, int | None]:
    with pytest.raises(RuleError) as caught:
        parse_rule(text, "r.yml", limits=limits)
    assert caught.value.source == "r.yml"
    return caught.value.message, caught.value.line


def test_a_path_is_never_read_as_yaml_text(tmp_path: Path) -> None:
    text = "title: x\nlogsource: {}\n"
    with pytest.raises(RuleError) as caught:
        load_rule(text)
    assert (caught.value.message, caught.value.source) == ("file not found", text)
    named = tmp_path / "a\nrule.yml"  # a line break in a file name
    named.write_text(RULE, encoding="utf-8")
    assert str(load_rule(named).id) == str(load_rule(str(named)).id) == str(parse_rule(RULE).id)


def test_parse_rule_names_the_source_it_is_given() -> None:
    assert parse_rule(RULE).source is None
    rule = parse_rule(RULE, "rules/certutil.yml")
    assert rule.source is not None and str(rule.source.path) == "rules/certutil.yml"
    with pytest.raises(RuleError, match=r"^<rule>: empty file"):
        parse_rule("")


@pytest.mark.parametrize(
    ("old", "new", "message", "line"),
    [
        ("id: 0dba975d-a193-4ed1-a067-424df57570d1", "id: not-a-uuid",
         "Sigma rule identifier must be an UUID", 2),
        ("id: 0dba975d-a193-4ed1-a067-424df57570d1", "id: true",
         "pySigma could not read it: AttributeError: 'bool' object has no attribute 'replace'", 2),
        ("title: Uncommon Network Connection Initiated By Certutil.EXE", "title: [a]",
         "Sigma rule title must be a string", 1),
        ("status: test", "status: [a]", "Sigma rule status cannot be a list", 3),
        ("    - attack.t1105", "    - 5", "Sigma rule tags must be a list of strings", 14),
        ("date: 2022-09-02", "date: 2022-13-45x",
         "Rule date '2022-13-45x' is invalid, use yyyy-mm-dd", 10),
        ("    product: windows", "    product: 5", "Sigma log source product must be string", 17),
        ("level: high", "level: extreme", "'extreme' is not a valid Sigma rule level", 30),
        ("level: high", "level: !!float x", "invalid !!float value 'x'", 30),
        (SELECTION, "        Initiated: {a: b}", "Unsupported type: <class 'dict'>", 21),
        ("            - 135", "            - {a: 1}", "Unsupported type: <class 'dict'>", 24),
        (SELECTION, "        Initiated|re: '(('",
         "Regular expression '((' is invalid: missing ), unterminated subpattern at position 1",
         21),
        (SELECTION, "        1.5: 'true'",
         "pySigma could not read it: AttributeError: 'float' object has no attribute 'split'", 21),
        ("Image|endswith", "Image|endswithx", "Unknown modifier 'endswithx'", 20),
        (CONDITION, "condition: selection and and",
         "Detection 'and' not defined in detections", 27),
        (CONDITION, "condition: ~", "'condition' must be a string or a list of strings", 27),
        (CONDITION, "condition: [selection, 5]",
         "'condition' must be a string or a list of strings", 27),
    ],
)  # fmt: skip
def test_each_error_has_the_line_of_its_key(old: str, new: str, message: str, line: int) -> None:
    assert old in RULE
    assert _error(RULE.replace(old, new)) == (message, line)


def test_a_condition_that_does_not_parse_has_its_line() -> None:
    """The message is pyparsing's (its wording changes between releases: 3.3.2 says "Expected
    end of text, found '('", 3.3.3 "Unbalanced parentheses or expression syntax error"); the
    line is the condition's."""
    message, line = _error(RULE.replace(CONDITION, "condition: [selection, not (filter]"))
    assert line == 27
    assert re.search(r"\(at char \d+\), \(line:1, col:\d+\)$", message), message


@pytest.mark.parametrize(
    "condition", ["notepad", "selection and not notepad", "1 of sel* or notepad"]
)
def test_a_detection_name_pysigma_reads_as_not_is_refused(condition: str) -> None:
    # Without the check, pySigma reports 'epad' undefined or, were 'epad' defined, converts
    # 'not epad'.
    text = RULE.replace(CONDITION, f"condition: {condition}").replace(
        "    selection:\n", "    selection:\n        Initiated: 'false'\n    notepad:\n", 1
    )
    message, line = _error(text)
    assert message == (
        "condition: pySigma reads the detection name 'notepad' as 'not epad' (its grammar "
        "takes the operator from the start of a name); rename the detection"
    )
    assert line == 29  # the condition's, two lines lower for the added detection


def test_a_selector_pattern_starting_with_not_is_read_whole() -> None:
    text = RULE.replace(CONDITION, "condition: 1 of notepad*").replace(
        "    selection:\n", "    notepad_1:\n", 1
    )
    assert parse_rule(text, "r.yml").detection.condition == ["1 of notepad*"]


def test_invalid_utf8_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yml"
    path.write_bytes(RULE.replace("frack113", "Fran\xe7ois").encode("latin-1"))
    with pytest.raises(RuleError) as caught:
        load_rule(path)
    assert str(caught.value) == f"{path}:9: not a text file (invalid UTF-8)"


def test_duplicate_keys_are_an_error_with_both_lines() -> None:
    text = RULE.replace("    condition:", "    selection:\n        Image: x\n    condition:")
    assert _error(text) == ("duplicate key 'selection' (lines 19 and 27)", 27)


def test_a_rule_file_up_to_the_limit_is_read(tmp_path: Path) -> None:
    path = tmp_path / "big.yml"
    padding = (1 << 20) - len(RULE.encode()) - 1
    path.write_text(RULE + "#" * padding + "\n", encoding="utf-8")
    assert str(load_rule(path).id) == "0dba975d-a193-4ed1-a067-424df57570d1"
    path.write_text(RULE + "#" * (padding + 1) + "\n", encoding="utf-8")
    with pytest.raises(RuleError) as caught:
        load_rule(path)
    assert caught.value.message == "file is 1048577 bytes, over the rule_bytes limit of 1 MiB"
    assert load_rule(path, limits=Limits(rule_bytes=2 << 20)).title == parse_rule(RULE).title
    with pytest.raises(RuleError, match=r"^<rule>: rule is 1048577 bytes, over the rule_bytes"):
        parse_rule(path.read_text(encoding="utf-8"))


def test_conditions_up_to_the_size_limit() -> None:
    def rule(size: int) -> str:
        condition = "selection" + " " * (size - len("selection"))
        return RULE.replace(CONDITION, f"condition: '{condition}'")

    assert parse_rule(rule(64 << 10)).title
    assert _error(rule((64 << 10) + 1)) == (
        "condition is 65537 bytes, over the condition_bytes limit of 64 KiB",
        27,
    )
    assert parse_rule(rule((64 << 10) + 1), limits=Limits(condition_bytes=1 << 20)).title


def test_conditions_up_to_the_depth_limit() -> None:
    def rule(depth: int) -> str:
        return RULE.replace(CONDITION, f"condition: {'(' * depth}selection{')' * depth}")

    assert parse_rule(rule(64)).title
    assert _error(rule(65)) == (
        "condition nests 65 levels deep, over the condition_depth limit of 64",
        27,
    )
    assert _error(RULE.replace(CONDITION, f"condition: {'not ' * 200}selection")) == (
        "condition nests 200 levels deep, over the condition_depth limit of 64",
        27,
    )
    nested = parse_rule(rule(100), limits=Limits(condition_depth=100))
    assert "445" in convert_all(nested, ["splunk"])["splunk"]


def test_a_list_of_conditions_names_the_line_of_the_one_at_fault() -> None:
    text = RULE.replace(CONDITION, f"condition:\n        - selection\n        - {'(' * 65}x")
    assert _error(text) == (
        "condition nests 65 levels deep, over the condition_depth limit of 64",
        29,
    )


def test_yaml_limits_apply_to_rules() -> None:
    deep = RULE.replace("level: high", "custom: " + "{a: " * 1000 + "x" + "}" * 1000)
    assert _error(deep) == ("YAML nested deeper than the yaml_depth limit of 100", 30)
    assert _error(RULE.replace("title: Uncommon", "title: &t [*t]\nx: Uncommon")) == (
        "alias '*t' refers to the node that holds it",
        1,
    )


def test_an_alias_bomb_in_a_rule_is_refused_in_under_a_second_and_little_memory() -> None:
    bomb = "".join(f"  {line}\n" for line in alias_bomb(8).splitlines())
    text = RULE.replace("logsource:", f"bomb:\n{bomb}logsource:")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        found = _error(text)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert found == ("YAML aliases expand to more than the alias_nodes limit of 10000 nodes", 20)
    assert elapsed < 1 and peak < 100 << 20


def test_the_builds_two_steps_give_what_parse_rule_gives() -> None:
    path = Path("r.yml")
    rule = rule_from_document(rule_document(RULE, path), RULE, path)
    assert convert_all(rule) == convert_all(parse_rule(RULE, path))
    with pytest.raises(RuleError) as caught:
        text = RULE.replace("id: 0dba975d-a193-4ed1-a067-424df57570d1", "id: true")
        rule_from_document(rule_document(text, path), text, path)
    assert (caught.value.source, caught.value.line) == ("r.yml", 2)
