"""Elasticsearch's letter-case rules for EQL, on Elastic's Python ``eql`` engine.

The Python engine compares every string case-insensitively, and its parser turns ``:``,
``like`` and ``like~`` into one ``wildcard`` call (``regex`` and ``regex~`` into one ``match``)
and ``in`` and ``in~`` into one set, so a query that is wrong on letter case in Elasticsearch
would pass here. Elasticsearch's EQL syntax reference says which operators keep case
(https://www.elastic.co/guide/en/elasticsearch/reference/current/eql-syntax.html, elastic/
elasticsearch ``docs/reference/eql/syntax.asciidoc``): ``==`` and ``!=`` are case-sensitive,
``:`` is case-insensitive; ``like`` and ``regex`` are case-sensitive and ``like~`` and
``regex~`` are not; ``in`` is case-sensitive and ``in~`` is not. The parser here marks the
case-sensitive ones as it reads them, and the engine evaluates only those with case.

Patterns, from the same page: the ``*`` wildcard matches zero or more characters and ``?``
exactly one (the Python engine reads ``?`` as itself); ``regex`` takes Elasticsearch's regular
expression syntax (https://www.elastic.co/guide/en/elasticsearch/reference/current/regexp-syntax.html),
which matches the whole value, with ``.`` any character, line breaks included (the Python
engine matched a prefix). Both are evaluated so here.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Callable, Iterator
from typing import Any

import eql
import eql.ast
import eql.parser
import eql.utils
from eql.engine import PythonEngine

# eql is an optional dependency (sigma-certutil[verify]): this module is imported only where a
# query runs (sigma_certutil.verify.engines.eql imports it inside its functions).


class CasedComparison(eql.ast.Comparison):  # type: ignore[misc]
    """``==`` or ``!=``: Elasticsearch compares strings with case."""

    def __invert__(self) -> eql.ast.Expression:
        flipped = {self.EQ: self.NE, self.NE: self.EQ}.get(self.comparator)
        if flipped is None:
            return eql.ast.Not(self)
        return CasedComparison(self.left, flipped, self.right)


class CasedInSet(eql.ast.InSet):  # type: ignore[misc]
    """``in`` (not ``in~``): case-sensitive."""


class CasedFunctionCall(eql.ast.FunctionCall):  # type: ignore[misc]
    """``like`` or ``regex`` (not ``like~``, ``regex~`` or ``:``): case-sensitive."""


@contextlib.contextmanager
def _set(owner: Any, name: str, value: Any) -> Iterator[None]:
    """``owner.name`` set to ``value`` while the block runs, restored after."""
    before = getattr(owner, name)
    setattr(owner, name, value)
    try:
        yield
    finally:
        setattr(owner, name, before)


def _with_case() -> contextlib.AbstractContextManager[None]:
    """The eql package reads one module flag for case (eql.utils.CASE_INSENSITIVE, through
    is_insensitive and fold_case): off while one cased comparison is built or evaluated,
    restored after."""
    return _set(eql.utils, "CASE_INSENSITIVE", False)


class _CaseAwareReader(eql.parser.LarkToEQL):  # type: ignore[misc]
    """eql's parser, keeping which comparisons are case-sensitive."""

    def string_predicate(self, node: Any) -> Any:
        info = super().string_predicate(node)
        if node["STRING_PREDICATE"] in ("like", "regex"):
            call = info.node
            info.node = CasedFunctionCall(call.name, call.arguments, call.as_method)
        return info

    def comparison(self, node: Any) -> Any:
        info = super().comparison(node)
        found = info.node
        if type(found) is eql.ast.Comparison and found.comparator in (found.EQ, found.NE):
            info.node = CasedComparison(found.left, found.comparator, found.right)
        return info

    def in_set(self, node: Any) -> Any:
        info = super().in_set(node)
        if node.get("IN") != "in~" and type(info.node) is eql.ast.InSet:
            info.node = CasedInSet(info.node.expression, info.node.container)
        return info


class CaseAwareEngine(PythonEngine):  # type: ignore[misc]
    """eql's Python engine, evaluating the case-sensitive comparisons with case."""

    def _cased(self, build: Callable[[], Callable[[Any], Any]]) -> Callable[[Any], Any]:
        with _with_case():
            callback = build()

        def evaluate(scope: Any) -> Any:
            with _with_case():
                return callback(scope)

        return evaluate

    def _pattern_callback(self, arguments: list[Any], regexes: list[str]) -> Callable[[Any], Any]:
        flags = re.DOTALL | (re.IGNORECASE if eql.utils.CASE_INSENSITIVE else 0)
        compiled = re.compile("|".join(f"(?:{r})" for r in regexes), flags)
        get_value = self.convert(arguments[0])

        def callback(scope: Any) -> Any:
            value = get_value(scope)
            if not isinstance(value, str):
                return None
            return compiled.fullmatch(value) is not None

        return callback

    def _function_wildcard(self, arguments: list[Any]) -> Callable[[Any], Any]:
        """``:``, ``like``, ``like~``: ``*`` any run of characters, ``?`` exactly one."""
        regexes = []
        for literal in arguments[1:]:
            parts = re.split(r"([*?])", literal.value)
            regexes.append(
                "".join({"*": ".*", "?": "."}.get(part, re.escape(part)) for part in parts)
            )
        return self._pattern_callback(arguments, regexes)

    def _function_match(self, arguments: list[Any]) -> Callable[[Any], Any]:
        """``regex``, ``regex~``: the whole value."""
        return self._pattern_callback(arguments, [literal.value for literal in arguments[1:]])

    def _convert_cased_comparison(self, node: CasedComparison) -> Callable[[Any], Any]:
        return self._cased(lambda: self._convert_comparison(node))

    def _convert_cased_in_set(self, node: CasedInSet) -> Callable[[Any], Any]:
        return self._cased(lambda: self._convert_in_set(node))

    def _convert_cased_function_call(self, node: CasedFunctionCall) -> Callable[[Any], Any]:
        return self._cased(lambda: self._convert_function_call(node))


def parse_case_aware(query: str) -> Any:
    """Parse as eql.parse_query does (under the caller's schema and syntax), marking the
    case-sensitive comparisons. Optimizations are skipped: they rebuild nodes (``not a == b``
    as ``a != b``) without the marks."""
    with eql.parser.skip_optimizations, _reader_patched():
        return eql.parse_query(query)


def _reader_patched() -> contextlib.AbstractContextManager[None]:
    """parse_query builds its reader from the module's LarkToEQL: this reader for one parse."""
    return _set(eql.parser, "LarkToEQL", _CaseAwareReader)
