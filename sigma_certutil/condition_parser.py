"""A Sigma condition string as pySigma's parse tree, without pyparsing where it is plainly
written.

Defect answered (speed): pySigma parses each distinct condition with a pyparsing
``infix_notation`` grammar, about 1.5 ms a condition; a build of SigmaHQ's Windows rules
parses some 700 distinct ones (the rules' own, and those the pipelines' add_condition steps
make) in each worker process, a tenth of its time. ``parse_condition`` builds the same tree
(pySigma's ConditionAND, ConditionOR, ConditionNOT, ConditionIdentifier, ConditionSelector)
with a small recursive-descent parser when the condition is made of plain tokens only, and
hands every other condition to pySigma's own parse, so that its quirks and its errors stay
pySigma's. tests/test_condition_parser.py compares the two on SigmaHQ's conditions and on
generated ones.

pySigma's grammar (sigma/conditions.py): identifiers are ``Word(alphanums + "_-")``;
selectors are ``1|any|all`` ``of`` ``Word(alphanums + "*_")``; ``not`` binds tighter than
``and``, which binds tighter than ``or``; a run of one binary operator is one node with
all its operands (``a and b and c`` is one ConditionAND); parentheses make no node. Its
operators are literals, not keywords, so a word that starts with one of them is split
(``notepad`` parses as ``not epad``): such words, and anything else out of the plain form,
go to pySigma. ``misread_names`` finds the detection names a condition uses that pySigma
reads so, for the rule loader to refuse, naming them, rather than convert ``not epad``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionIdentifier,
    ConditionItem,
    ConditionNOT,
    ConditionOR,
    ConditionSelector,
    ConditionValueExpression,
    SigmaCondition,
)

# pyparsing's default white space is " \t\n\r"; anything beyond these characters is not plain.
_PLAIN = re.compile(r"[A-Za-z0-9_*\- \t\n\r()]*")
_TOKEN = re.compile(r"[()]|[^ \t\n\r()]+")
_WORD = re.compile(r"[A-Za-z0-9_-]+")
_PATTERN = re.compile(r"[A-Za-z0-9_*]+")
_OPERATORS = ("and", "or", "not")
_QUANTIFIERS = ("1", "any", "all")

Tree = ConditionItem | ConditionFieldEqualsValueExpression | ConditionValueExpression | None


def parse_condition(condition: str) -> Tree:
    """pySigma's parse tree of ``condition`` (``SigmaCondition.parse(postprocess=False)``),
    with its errors (SigmaConditionError) for a condition it cannot parse."""
    tree = _plain_tree(condition)
    if tree is not None:
        return tree
    return SigmaCondition(condition, None).parse(postprocess=False)  # type: ignore[arg-type]


def misread_names(condition: str, names: Iterable[object]) -> list[str]:
    """The ``names`` (a rule's detections; YAML may make one a number) that ``condition``
    uses as an operand and that start with ``not``, which pySigma's grammar reads as the
    operator (``notepad``: ``not epad``), in the order the condition has them. A selector's
    pattern (``1 of notepad*``) is read whole."""
    wanted = {n for n in names if isinstance(n, str) and n.startswith("not") and len(n) > 3}
    tokens = _TOKEN.findall(condition)
    found = [
        token
        for index, token in enumerate(tokens)
        if token in wanted and (index == 0 or tokens[index - 1] != "of")
    ]
    return list(dict.fromkeys(found))


class _NotPlain(Exception):
    """The condition is not in the plain form: pySigma parses it."""


def _plain_tree(condition: str) -> ConditionItem | None:
    if not _PLAIN.fullmatch(condition):
        return None
    parser = _Parser(_TOKEN.findall(condition))
    try:
        tree = parser.any_of()
    except _NotPlain:
        return None
    return tree if parser.at_end() else None


class _Parser:
    """Recursive descent over the tokens: any_of (or), all_of (and), negated (not), operand."""

    def __init__(self, tokens: list[str]) -> None:
        self.tokens = tokens
        self.position = 0

    def at_end(self) -> bool:
        return self.position == len(self.tokens)

    def _peek(self) -> str | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def _take(self) -> str:
        token = self._peek()
        if token is None:
            raise _NotPlain
        self.position += 1
        return token

    def any_of(self) -> ConditionItem:
        return self._joined("or", self.all_of, ConditionOR)

    def all_of(self) -> ConditionItem:
        return self._joined("and", self.negated, ConditionAND)

    def _joined(
        self,
        word: str,
        operand: Callable[[], ConditionItem],
        kind: type[ConditionAND] | type[ConditionOR],
    ) -> ConditionItem:
        """Operands joined by ``word``: one node with them all (``a and b and c``)."""
        operands = [operand()]
        while self._peek() == word:
            self.position += 1
            operands.append(operand())
        return operands[0] if len(operands) == 1 else kind(operands)  # type: ignore[arg-type]

    def negated(self) -> ConditionItem:
        if self._peek() == "not":
            self.position += 1
            return ConditionNOT([self.negated()])
        return self.operand()

    def operand(self) -> ConditionItem:
        token = self._take()
        if token == "(":
            inner = self.any_of()
            if self._take() != ")":
                raise _NotPlain
            return inner
        if token in _QUANTIFIERS and self._peek() == "of":
            self.position += 1
            pattern = self._take()
            if not _PATTERN.fullmatch(pattern):
                raise _NotPlain
            return ConditionSelector([token, pattern])
        if not _WORD.fullmatch(token) or token == "of" or token.startswith(_OPERATORS):
            raise _NotPlain
        return ConditionIdentifier([token])
