"""conditions.py: how deep a condition nests, and the recursion room that lets pySigma parse
and convert one nested as deep as the limit allows."""

from __future__ import annotations

import sys

import pytest
from helpers import BUNDLED_RULE

from sigma_certutil import convert_all, parse_rule
from sigma_certutil.conditions import condition_depth, recursion_room, rule_condition_depth

RULE = BUNDLED_RULE.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("condition", "depth"),
    [
        ("selection", 0),
        ("selection and not filter", 1),
        ("not not not selection", 3),
        ("((selection))", 2),
        ("not (a or not b)", 3),
        ("not (not (x))", 4),
        ("a and (b or (c and not (d)))", 4),
        ("1 of selection* and not 1 of filter*", 1),
        ("NOT selection", 1),
        (")) selection ((", 2),  # unbalanced: pySigma refuses it; the depth stays bounded
    ],
)
def test_depth(condition: str, depth: int) -> None:
    assert condition_depth(condition) == depth


def test_depth_of_a_long_condition_is_linear() -> None:
    assert condition_depth("(" * 60_000 + "x" + ")" * 60_000) == 60_000
    assert condition_depth(" or ".join(["not x"] * 10_000)) == 1


def _deep(shape: str, levels: int) -> str:
    condition = "selection"
    for _ in range(levels):
        condition = shape.format(condition)
    return condition


@pytest.mark.parametrize("shape", ["({})", "not {}", "(selection or not {})"])
def test_a_condition_at_the_depth_limit_parses_and_converts(shape: str) -> None:
    """pyparsing needs some 60 frames a level: without the room, 20 parentheses exhaust
    Python's default limit."""
    levels = 64 if shape != "(selection or not {})" else 32
    condition = _deep(shape, levels)
    assert condition_depth(condition) == 64
    rule = parse_rule(RULE.replace("condition: selection", f"condition: {condition}"))
    assert rule_condition_depth(rule) == 64
    before = sys.getrecursionlimit()
    queries = convert_all(rule)
    assert sys.getrecursionlimit() == before
    assert len(queries) == 5 and all("445" in query for query in queries.values())


def test_the_room_is_given_back() -> None:
    before = sys.getrecursionlimit()
    with recursion_room(64):
        assert sys.getrecursionlimit() == before + 6400
    assert sys.getrecursionlimit() == before
    with pytest.raises(KeyError), recursion_room(64):
        raise KeyError
    assert sys.getrecursionlimit() == before
    with recursion_room(3):
        assert sys.getrecursionlimit() == before
