"""strict_yaml.py: YAML read strictly (duplicate keys, recursive aliases and values their tag
cannot take are errors at their line) and within bounds (nesting depth, what aliases expand
to), the same through libyaml's composer, libyaml's events and the pure-Python parser."""

from __future__ import annotations

import time
import tracemalloc
from typing import Any

import pytest
import yaml
from helpers import BUNDLED_RULE

from sigma_certutil import strict_yaml
from sigma_certutil.limits import DEFAULT_LIMITS, Limits
from sigma_certutil.strict_yaml import (
    YamlLimitError,
    YamlProblem,
    key_lines,
    load_documents,
)


def _values(text: str, limits: Limits = DEFAULT_LIMITS) -> list[Any]:
    return [document.value for document in load_documents(text, limits)]


def alias_bomb(levels: int) -> str:
    """Each level a list of nine aliases of the one before: 9**levels strings."""
    lines = ["l0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"l{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9)}]" for n in range(1, levels + 1)]
    return "\n".join(lines) + "\n"


def nested(depth: int) -> str:
    """A mapping holding mappings ``depth`` deep, the root included."""
    return "a: " + "{a: " * (depth - 1) + "x" + "}" * (depth - 1) + "\n"


def test_a_rule_reads_as_pyyaml_reads_it() -> None:
    text = BUNDLED_RULE.read_text(encoding="utf-8")
    assert _values(text) == [yaml.safe_load(text)]


def test_duplicate_keys_name_both_lines() -> None:
    with pytest.raises(YamlProblem) as caught:
        load_documents("a: 1\nb:\n  c: 2\n  'c': 3\n")
    assert (caught.value.problem, caught.value.line) == ("duplicate key 'c' (lines 3 and 4)", 4)
    assert not isinstance(caught.value, YamlLimitError)


def test_merge_keys_are_not_duplicates() -> None:
    assert _values("base: &b {x: 1}\nm:\n  <<: *b\n  y: 2\n")[0]["m"] == {"x": 1, "y": 2}


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("a: !!float x\n", "invalid !!float value 'x'"),
        ("a: !!int 0x1Z\n", "invalid !!int value '0x1Z'"),
        ("a: !!timestamp x\n", "invalid !!timestamp value 'x'"),
        ("a: !!bool maybe\n", "invalid !!bool value 'maybe'"),
    ],
)
def test_a_value_its_tag_cannot_take_is_an_error_at_its_line(text: str, problem: str) -> None:
    with pytest.raises(YamlProblem) as caught:
        load_documents("title: x\n" + text)
    assert (caught.value.problem, caught.value.line) == (problem, 2)


def test_an_alias_inside_its_own_anchor_is_an_error() -> None:
    with pytest.raises(YamlProblem) as caught:
        load_documents("title: &t [*t]\n")
    assert str(caught.value) == "line 1: alias '*t' refers to the node that holds it"


def test_an_alias_bomb_is_refused_at_once_in_little_memory() -> None:
    text = alias_bomb(8)  # 387 million strings expanded
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(YamlLimitError) as caught:
            load_documents(text)
        elapsed = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert caught.value.problem == (
        "YAML aliases expand to more than the alias_nodes limit of 10000 nodes"
    )
    assert caught.value.line == 5  # l1 to l3 add 8,289 nodes, l4's first alias 7,381 more
    assert elapsed < 1 and peak < 10 << 20


def test_aliases_within_the_limit_are_read_and_the_limit_can_be_raised() -> None:
    assert len(_values(alias_bomb(3))[0]["l3"]) == 9  # 9**4 strings: under 10,000
    with pytest.raises(YamlLimitError):
        load_documents(alias_bomb(4))
    raised = _values(alias_bomb(4), Limits(alias_nodes=100_000))[0]
    assert raised["l4"][8][8][8][8] == ["x"] * 9


def test_nesting_is_bounded_by_yaml_depth() -> None:
    assert _values(nested(100))[0]["a"]["a"]
    with pytest.raises(YamlLimitError) as caught:
        load_documents(nested(101))
    assert caught.value.problem == "YAML nested deeper than the yaml_depth limit of 100"
    assert _values(nested(101), Limits(yaml_depth=101))


@pytest.mark.parametrize(
    "text",
    [
        "[" * 1_000_000,
        "- " * 500_000 + "x",
        "a:\n" + "".join(f"{' ' * n}a:\n" for n in range(1, 300)),
    ],
    ids=["flow", "block-sequence", "block-mapping"],
)
def test_nesting_a_million_deep_is_refused_without_recursing(text: str) -> None:
    # libyaml's composer recurses in C and crashes the process at some 100,000 levels.
    with pytest.raises(YamlLimitError, match="yaml_depth"):
        load_documents(text)


def test_every_parser_gives_the_same_errors(monkeypatch: pytest.MonkeyPatch) -> None:
    cases = [
        "a: 1\na: 2\n",
        "title: &t [*t]\n",
        nested(101),
        alias_bomb(6),
        "a: !!int 0x1Z\n",
    ]
    found = [_problem(text) for text in cases]
    monkeypatch.setattr(strict_yaml, "_LIBYAML", None)  # the pure-Python parser
    assert [_problem(text) for text in cases] == found
    assert all(problem is not None for problem in found)


def _problem(text: str) -> tuple[str, int | None] | None:
    try:
        load_documents(text)
    except YamlProblem as error:
        return error.problem, error.line
    return None


def test_a_syntax_error_is_pyyaml_s_with_its_mark() -> None:
    with pytest.raises(yaml.MarkedYAMLError) as caught:
        load_documents("a: [b\nc: d\n")
    assert caught.value.problem == "expected ',' or ']', but got ':'"


def test_key_lines_walk_a_repeated_node_once() -> None:
    [document] = load_documents("a: &x {b: 1}\nc: [*x, *x]\nd: 2\n")
    assert key_lines(document.node) == {
        ("a",): 1, ("a", "b"): 1, ("c",): 2, ("c", 0): 1, ("c", 1): 1, ("d",): 3,
    }  # fmt: skip
