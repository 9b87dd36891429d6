"""condition_parser.py: every condition parses to the tree pySigma's own parser makes, or
fails with pySigma's error; on SigmaHQ's conditions, on generated ones and on the forms
pySigma parses in its own way."""

from __future__ import annotations

import random

import pytest
import yaml
from helpers import shared_path
from sigma.conditions import SigmaCondition
from sigma.exceptions import SigmaConditionError

from sigma_certutil.condition_parser import _plain_tree, parse_condition


def _pysigma(condition: str) -> object:
    """pySigma's tree, or its error's class and text."""
    try:
        return SigmaCondition(condition, None).parse(postprocess=False)  # type: ignore[arg-type]
    except SigmaConditionError as error:
        return (type(error), str(error))


def _ours(condition: str) -> object:
    try:
        return parse_condition(condition)
    except SigmaConditionError as error:
        return (type(error), str(error))


def _same(condition: str) -> None:
    theirs, ours = _pysigma(condition), _ours(condition)
    assert ours == theirs, condition
    assert repr(ours) == repr(theirs), condition


@pytest.mark.parametrize(
    "condition",
    [
        "selection",
        "selection and not filter",
        "a and b and c or d",
        "a or b and c or d",
        "not not a",
        "not (a and b) or not c",
        "(a)",
        "((a or b)) and (c)",
        "a and (b and c)",
        "a and(b)or(c)",
        "1 of selection_* and not 1 of filter_*",
        "all of them",
        "any of sel* or all of x",
        "selection\tand\nnot\r\nfilter",
        "sel-1 and sel_2",
        "1 and 1 of x",  # an identifier named 1
        # pySigma's own forms (its operators are literals): left to it, parsed as it does
        "notepad",
        "nota and b",
        "selection andfilter",
        "original or b",
        "a orb",
        # errors: pySigma's
        "",
        "a b",
        "selection AND filter",
        "1 of sel-*",
        "(a or b",
        "a or b)",
        "selection | count() > 5",
        "sel\u00a0and b",
        "1 of",
        "not",
        "a and",
        "of",
    ],
)
def test_same_tree_or_error_as_pysigma(condition: str) -> None:
    _same(condition)


@pytest.mark.parametrize(
    "condition",
    ["selection", "a and (b or not c)", "1 of sel_* and not all of them", "x-1\tor\ny"],
)
def test_plain_conditions_take_the_fast_path(condition: str) -> None:
    assert _plain_tree(condition) == _pysigma(condition)


@pytest.mark.parametrize("condition", ["notepad", "a orb", "selection AND filter", "a b", ""])
def test_other_conditions_go_to_pysigma(condition: str) -> None:
    assert _plain_tree(condition) is None


def _generated(chance: random.Random, depth: int = 0) -> str:
    """A condition of identifiers, selectors, not, and, or and parentheses, with spacing and
    now and then a defect (an operator missing or doubled, a parenthesis left open)."""
    kind = chance.random()
    if depth > 4 or kind < 0.3:
        if chance.random() < 0.25:
            quantifier = chance.choice(["1", "any", "all"])
            return f"{quantifier} of {chance.choice(['them', 'sel*', 'filter_*', 'x'])}"
        return chance.choice(["a", "sel", "filter_1", "x-y", "1", "them", "any", "s2"])
    space = chance.choice([" ", "  ", "\t", "\n"])
    if kind < 0.45:
        return f"not{space}{_generated(chance, depth + 1)}"
    if kind < 0.6:
        inner = _generated(chance, depth + 1)
        return f"({inner})" if chance.random() < 0.97 else f"({inner}"
    operator = chance.choice(["and", "or"])
    parts = [_generated(chance, depth + 1) for _ in range(chance.randint(2, 4))]
    joiner = f"{space}{operator}{space}" if chance.random() < 0.97 else " "
    return joiner.join(parts)


def test_same_as_pysigma_on_generated_conditions() -> None:
    chance = random.Random(20261201)
    for _ in range(1000):
        _same(_generated(chance))


def test_same_as_pysigma_on_sigmahq_conditions() -> None:
    rules = shared_path("data", "sigmahq", "rules")
    seen: set[str] = set()
    plain = 0
    for path in sorted(rules.rglob("*.yml")):
        for document in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            detection = document.get("detection") if isinstance(document, dict) else None
            condition = detection.get("condition") if isinstance(detection, dict) else None
            for one in condition if isinstance(condition, list) else [condition]:
                if isinstance(one, str) and one not in seen:
                    seen.add(one)
                    _same(one)
                    plain += _plain_tree(one) is not None
    assert len(seen) > 300  # the rule set's conditions were read
    assert plain > 0.95 * len(seen)  # and nearly all took the fast path
