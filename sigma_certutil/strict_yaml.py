"""YAML read strictly and within bounds: duplicate keys, aliases that refer to the node that
holds them and invalid tagged values (``!!float x``) are errors with their line, and nesting
depth and what aliases expand to are bounded (Limits), so that neither an alias bomb nor a
document nested a million levels deep costs more than reading it.

The events come from libyaml when it is installed (several times faster than the
pure-Python parser; its composer is not used: it recurses in C on nesting) and are composed
into nodes here, where the bounds are checked, before anything is constructed. On a syntax
error the pure-Python parser reads the text again for its message, which says what it
expected and what it found.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

import yaml
from yaml.composer import Composer
from yaml.constructor import SafeConstructor
from yaml.events import AliasEvent, ScalarEvent
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

from sigma_certutil.limits import DEFAULT_LIMITS, Limits

_MERGE = "tag:yaml.org,2002:merge"
_SHORT_TAG = "tag:yaml.org,2002:"

# What PyYAML's constructors raise on a value their tag cannot take, besides its own errors.
_VALUE_ERRORS = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError)

# A mapping key or a sequence index, from the document's root.
KeyPath = tuple[str | int, ...]


class YamlProblem(Exception):
    """The text is not YAML this package reads: ``problem`` says why, ``line`` (1-based)
    where, when known."""

    def __init__(self, problem: str, line: int | None = None) -> None:
        self.problem = problem
        self.line = line
        super().__init__(problem if line is None else f"line {line}: {problem}")


class YamlLimitError(YamlProblem):
    """The text is YAML, but exceeds one of the Limits (the problem names it)."""


@dataclass(frozen=True)
class Document:
    """One YAML document: its root node (for the lines of its keys) and its value."""

    node: Node
    value: Any


def _line(node_or_event: Any) -> int | None:
    mark = getattr(node_or_event, "start_mark", None)
    return mark.line + 1 if mark is not None else None


class _BoundedComposer(Composer):
    """PyYAML's composer, checking each node as it is composed: nesting depth, the nodes
    aliases add, aliases to the node being composed, duplicate mapping keys."""

    if TYPE_CHECKING:  # the parser's, which a loader class puts beside this one

        def check_event(self, *choices: type) -> bool: ...
        def peek_event(self) -> Any: ...

    def _setup(self, limits: Limits) -> None:
        self.limits = limits
        self.depth = 0
        self.added = 0  # nodes that aliases added so far
        self.open: set[str] = set()  # anchors of the collections being composed
        self.sizes: dict[Node, int] = {}  # anchored nodes' sizes, aliases expanded

    def compose_node(self, parent: Node | None, index: Any) -> Node:
        event = self.peek_event()
        if isinstance(event, ScalarEvent):
            return _composed(super().compose_node(parent, index))
        if isinstance(event, AliasEvent):
            self._count_alias(event)
            return _composed(super().compose_node(parent, index))
        self.depth += 1
        if self.depth > self.limits.yaml_depth:
            raise YamlLimitError(
                f"YAML nested deeper than the yaml_depth limit of {self.limits.yaml_depth}",
                _line(event),
            )
        anchor = event.anchor
        if anchor is not None:
            self.open.add(anchor)
        try:
            node = _composed(super().compose_node(parent, index))
        finally:
            self.depth -= 1
            self.open.discard(anchor)
        if isinstance(node, MappingNode):
            _check_keys(node)
        return node

    def _count_alias(self, event: AliasEvent) -> None:
        """Count the nodes an alias adds; refuse one to a node being composed (a cycle)."""
        if event.anchor in self.open:
            raise YamlProblem(
                f"alias '*{event.anchor}' refers to the node that holds it", _line(event)
            )
        target = self.anchors.get(event.anchor)
        if target is None:
            return  # PyYAML's composer says it is undefined
        self.added += _size(target, self.sizes)
        if self.added > self.limits.alias_nodes:
            raise YamlLimitError(
                f"YAML aliases expand to more than the alias_nodes limit of "
                f"{self.limits.alias_nodes} nodes",
                _line(event),
            )


def _composed(node: Node | None) -> Node:
    assert node is not None  # PyYAML's composer gives None only past the stream's end
    return node


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    return []


def _size(root: Node, sizes: dict[Node, int]) -> int:
    """How many nodes ``root`` stands for with its aliases expanded (``sizes`` keeps those
    counted: a node that aliases repeat is walked once)."""
    stack = [root]
    while stack:
        node = stack[-1]
        if node in sizes:
            stack.pop()
            continue
        pending = [child for child in _children(node) if child not in sizes]
        if pending:
            stack.extend(pending)
        else:
            sizes[node] = 1 + sum(sizes[child] for child in _children(node))
            stack.pop()
    return sizes[root]


def _check_keys(node: MappingNode) -> None:
    seen: dict[tuple[str, str], Node] = {}
    for key, _ in node.value:
        if not isinstance(key, ScalarNode) or key.tag == _MERGE:
            continue
        first = seen.setdefault((key.tag, key.value), key)
        if first is not key:
            raise YamlProblem(
                f"duplicate key '{key.value}' (lines {_line(first)} and {_line(key)})",
                _line(key),
            )


def _checked(construct: Callable[[SafeConstructor, Node], Any]) -> Any:
    """A scalar constructor whose failure on a value its tag cannot take is a YamlProblem at
    the value's line."""

    def checked(self: SafeConstructor, node: Node) -> Any:
        try:
            return construct(self, node)
        except _VALUE_ERRORS as error:
            tag = node.tag.replace(_SHORT_TAG, "!!")
            raise YamlProblem(f"invalid {tag} value {node.value!r}", _line(node)) from error

    return checked


class _Constructor(SafeConstructor):
    """SafeConstructor, with a value its tag cannot take (``!!int 0x1Z``, ``!!timestamp x``)
    a YamlProblem at its line instead of whatever the conversion raised. (Only the scalar
    constructors that convert are wrapped: wrapping every node costs a fifth of the time.)"""

    yaml_constructors: ClassVar[dict[Any, Any]] = {
        **SafeConstructor.yaml_constructors,
        **{
            tag: _checked(SafeConstructor.yaml_constructors[tag])
            for tag in (f"{_SHORT_TAG}{name}" for name in ("bool", "int", "float", "timestamp"))
        },
    }


class _PyLoader(Reader, Scanner, Parser, _BoundedComposer, _Constructor, Resolver):
    """The pure-Python parser's events."""

    def __init__(self, stream: str, limits: Limits) -> None:
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        _Constructor.__init__(self)
        Resolver.__init__(self)
        self._setup(limits)


def _libyaml_loaders() -> tuple[type, type] | None:
    """With libyaml: a loader of its events and nodes, for texts whose nesting its composer
    (which recurses in C) can take, checked after composing; and one of its events composed
    here, checking as it goes."""
    try:
        from yaml.cyaml import CParser  # type: ignore[attr-defined]
    except ImportError:
        return None

    class Composed(CParser, _Constructor, Resolver):
        def __init__(self, stream: str, limits: Limits) -> None:
            CParser.__init__(self, stream)
            _Constructor.__init__(self)
            Resolver.__init__(self)

    class Bounded(_BoundedComposer, CParser, _Constructor, Resolver):
        def __init__(self, stream: str, limits: Limits) -> None:
            CParser.__init__(self, stream)
            Composer.__init__(self)
            _Constructor.__init__(self)
            Resolver.__init__(self)
            self._setup(limits)

    return Composed, Bounded


_LIBYAML = _libyaml_loaders()
# Nesting libyaml's composer takes without exhausting the C stack (it fails at some 100,000).
_C_DEPTH = 10_000
_NESTING_ERROR = "exceeded maximum nesting depth"
# Texts up to this size are parsed again by the pure-Python parser for a syntax error's
# message (about 5 s a MiB); libyaml's own message is given for larger ones.
_MESSAGE_BYTES = 128 * 1024


def _documents(loader: Any, limits: Limits | None = None) -> list[Document] | None:
    """The loader's documents; None, when ``limits`` are given, if a composed document
    exceeds them or has duplicate keys (the bounded composer then says where)."""
    try:
        found = []
        while loader.check_node():
            node = loader.get_node()
            if limits is not None and not _within(node, limits.yaml_depth):
                return None
            try:
                value = loader.construct_document(node)
            except _VALUE_ERRORS as error:  # outside any one node's constructor
                raise YamlProblem(f"invalid YAML value: {error}", _line(node)) from error
            if value is not None:
                found.append(Document(node, value))
        return found
    finally:
        loader.dispose()


def _within(root: Node, depth: int) -> bool:
    """Whether a document without aliases nests at most ``depth`` collections deep and has
    no duplicate keys."""
    stack = [(root, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, ScalarNode):
            continue
        if level > depth:
            return False
        if isinstance(node, MappingNode):
            try:
                _check_keys(node)
            except YamlProblem:
                return False
        stack.extend((child, level + 1) for child in _children(node))
    return True


def load_documents(text: str, limits: Limits = DEFAULT_LIMITS) -> list[Document]:
    """Every non-empty document of ``text``. YamlProblem (YamlLimitError for a limit) when
    the text is not YAML this package reads, yaml.MarkedYAMLError for a syntax error."""
    if _LIBYAML is not None:
        composed, bounded = _LIBYAML
        try:
            # Without both an anchor and an alias there are no aliases; the nesting is bounded
            # by the characters that open a collection.
            if ("&" not in text or "*" not in text) and sum(map(text.count, "[{-:?")) < _C_DEPTH:
                found = _documents(composed(text, limits), limits)
                if found is not None:
                    return found
            documents = _documents(bounded(text, limits))
            assert documents is not None
            return documents
        except YamlProblem:
            raise
        except yaml.YAMLError as error:
            # libyaml 0.2.6 (PyYAML 6.0.4) refuses flow nesting past 1,000 levels in its
            # scanner, before the bounded composer sees the depth: the pure-Python parser
            # then says which limit it is (and reads what a raised yaml_depth allows).
            if len(text) > _MESSAGE_BYTES and _NESTING_ERROR not in str(error):
                raise
    documents = _documents(_PyLoader(text, limits))
    assert documents is not None
    return documents


def key_lines(root: Node) -> dict[KeyPath, int]:
    """The 1-based line of every mapping key and sequence item of a composed document, by
    its path. A node that aliases repeat is walked where it first is (an alias of it in a
    list has the anchor's line: nodes do not keep where their aliases were)."""
    found: dict[KeyPath, int] = {}
    seen: set[int] = set()
    stack: list[tuple[Node, KeyPath]] = [(root, ())]
    while stack:
        node, path = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        children: list[tuple[Node, KeyPath]] = []
        if isinstance(node, MappingNode):
            for key, value in node.value:
                if isinstance(key, ScalarNode):
                    children.append((value, (*path, str(key.value))))
                    found.setdefault(children[-1][1], key.start_mark.line + 1)
        elif isinstance(node, SequenceNode):
            for index, item in enumerate(node.value):
                children.append((item, (*path, index)))
                found.setdefault((*path, index), item.start_mark.line + 1)
        stack.extend(reversed(children))  # in document order
    return found
