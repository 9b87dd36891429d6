"""A rule's conditions within bounds: their size and nesting depth, and the recursion room
pySigma needs to parse and convert them.

pySigma parses conditions with pyparsing, which recurses deeply: about 60 Python frames per
level of parentheses, so that Python's default limit of 1000 frames is reached at some 16
levels. ``recursion_room`` raises the limit for the time a condition of a known depth is
parsed or converted (conditions are checked against Limits.condition_depth first).
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sigma.rule import SigmaRule

_TOKEN = re.compile(r"[()]|[^\s()]+")
# Python frames per level of nesting that parsing or converting a condition takes, with a
# margin; and the depth below which the default limit is enough.
_FRAMES_PER_LEVEL = 100
_ROOMY = 8


def condition_depth(condition: str) -> int:
    """How deep a condition nests: each open parenthesis, and each ``not`` until the operand
    it applies to ends, is one level (``not (a or not b)`` is 3)."""
    deepest = 0
    pending = [0]  # the `not`s waiting for their operand, per open parenthesis
    waiting = 0  # their sum
    for token in _TOKEN.findall(condition):
        if token == "(":
            pending.append(0)
        elif token == ")":
            if len(pending) > 1:
                waiting -= pending.pop()
            waiting -= pending[-1]  # the group was the operand
            pending[-1] = 0
        elif token.lower() == "not":
            pending[-1] += 1
            waiting += 1
        elif token.lower() not in ("and", "or"):
            waiting -= pending[-1]
            pending[-1] = 0
            continue
        else:
            continue
        deepest = max(deepest, len(pending) - 1 + waiting)
    return deepest


def rule_condition_depth(rule: SigmaRule) -> int:
    """The depth of the rule's most deeply nested condition."""
    return max((condition_depth(c) for c in rule.detection.condition), default=0)


@contextmanager
def recursion_room(depth: int) -> Iterator[None]:
    """Python's recursion limit raised, while the block runs, by what parsing or converting a
    condition ``depth`` levels deep takes (unchanged for shallow conditions). The limit is
    the interpreter's: threads that convert deep conditions at once share it."""
    if depth <= _ROOMY:
        yield
        return
    before = sys.getrecursionlimit()
    sys.setrecursionlimit(before + _FRAMES_PER_LEVEL * depth)
    try:
        yield
    finally:
        sys.setrecursionlimit(before)
