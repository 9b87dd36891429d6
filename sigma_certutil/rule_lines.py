"""Where in a rule document pySigma's error comes from, found by asking pySigma again.

pySigma's errors carry no line, and on odd values (``id: true``, a float detection key) it
raises AttributeError or TypeError rather than its own errors. Either way, the entry of the
document that causes the error is found by building the rule from smaller documents: at each
level, the shortest prefix of the entries that still gives the same error ends with the
culprit, whose own entries are searched next. Only a rule that failed pays for it.
"""

from __future__ import annotations

import re
from typing import Any

from sigma.exceptions import SigmaError, SigmaRuleLocation
from sigma.rule import SigmaRule
from yaml.nodes import MappingNode, Node, SequenceNode

# What pySigma raises, besides its own errors, on a document whose values are not what it
# expects: the boundary where a rule document becomes a SigmaRule catches these.
PYSIGMA_FAILURES = (
    SigmaError,
    ArithmeticError,
    AssertionError,
    AttributeError,
    LookupError,
    RuntimeError,  # RecursionError, NotImplementedError
    TypeError,
    ValueError,
    re.error,
)

# Positions from the document's root: the n-th entry of a mapping, the n-th item of a list.
Positions = tuple[int, ...]


def failure_text(error: BaseException) -> str:
    """The message of a pySigma error, or what pySigma raised when it was not its own."""
    if isinstance(error, SigmaError):
        return str(error.args[0]) if error.args else type(error).__name__
    return f"pySigma could not read it: {type(error).__name__}: {error}"


def _signature(error: BaseException) -> tuple[type, str]:
    return type(error), str(error.args[0]) if error.args else ""


def _gives(document: dict[str, Any], wanted: tuple[type, str], source: Any) -> bool:
    """Whether building a rule from ``document`` gives the error of ``wanted``'s signature,
    raised or (pySigma's own, collected) among the rule's errors."""
    try:
        rule = SigmaRule.from_dict(document, collect_errors=True, source=source)
    except PYSIGMA_FAILURES as error:
        return _signature(error) == wanted
    return any(_signature(error) == wanted for error in rule.errors)


def _entries(container: dict[Any, Any] | list[Any]) -> list[Any]:
    return list(container.items()) if isinstance(container, dict) else list(container)


def _with(document: Any, positions: Positions, replacement: Any) -> Any:
    """The document with the container at ``positions`` replaced."""
    if not positions:
        return replacement
    head, rest = positions[0], positions[1:]
    if isinstance(document, dict):
        key, value = list(document.items())[head]
        return {**document, key: _with(value, rest, replacement)}
    return [*document[:head], _with(document[head], rest, replacement), *document[head + 1 :]]


def culprit(
    document: dict[str, Any], error: BaseException, source: SigmaRuleLocation | None
) -> Positions:
    """The positions of the deepest entry of ``document`` that causes ``error``; () when no
    one entry does (a key that is missing)."""
    wanted = _signature(error)
    detection = (list(document).index("detection"),) if "detection" in document else None
    found: Positions = ()
    container: Any = document
    while isinstance(container, dict | list) and container:
        entries = _entries(container)
        # The detection keeps its condition: without one pySigma reads none of it.
        kept = []
        if found == detection and isinstance(container, dict) and "condition" in container:
            kept = [list(container).index("condition")]
        candidates = [index for index in range(len(entries)) if index not in kept]
        mapping = isinstance(container, dict)

        def gives(
            count: int,
            entries: list[Any] = entries,
            kept: list[int] = kept,
            candidates: list[int] = candidates,
            mapping: bool = mapping,
            found: Positions = found,
        ) -> bool:
            chosen = [entries[i] for i in sorted({*candidates[:count], *kept})]
            part = dict(chosen) if mapping else chosen
            return _gives(_with(document, found, part), wanted, source)

        if gives(0) or not gives(len(candidates)):
            break
        low, high = 0, len(candidates)  # gives(low) is false, gives(high) true
        while high - low > 1:
            middle = (low + high) // 2
            low, high = (low, middle) if gives(middle) else (middle, high)
        index = candidates[high - 1]
        found = (*found, index)
        container = entries[index][1] if isinstance(container, dict) else entries[index]
    return found


def node_line(root: Node, positions: Positions) -> int | None:
    """The 1-based line of the entry at ``positions`` in a composed document: a mapping
    entry's key, a list's item; the deepest of them the nodes have."""
    line = None
    node = root
    for position in positions:
        if isinstance(node, MappingNode) and position < len(node.value):
            key, node = node.value[position]
            line = key.start_mark.line + 1
        elif isinstance(node, SequenceNode) and position < len(node.value):
            node = node.value[position]
            line = node.start_mark.line + 1
        else:
            break
    return line
