"""ES|QL syntax check with Elasticsearch's own ANTLR grammar (PyPI ``esql-parser``).

Syntax only: the type and field checks of Elastic's tooling need Python >= 3.12, so the
field names are checked here against the ECS field list instead.
"""

from __future__ import annotations

from typing import Any

from antlr4 import CommonTokenStream, InputStream, ParseTreeWalker
from antlr4.error.ErrorListener import ErrorListener
from esql_parser.EsqlBaseLexer import EsqlBaseLexer
from esql_parser.EsqlBaseParser import EsqlBaseParser
from esql_parser.EsqlBaseParserListener import EsqlBaseParserListener


class EsqlSyntaxError(Exception):
    pass


class _Errors(ErrorListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.messages: list[str] = []

    def syntaxError(
        self, recognizer: Any, symbol: Any, line: int, column: int, msg: str, e: Any
    ) -> None:
        self.messages.append(f"{line}:{column} {msg}")


class _Names(EsqlBaseParserListener):  # type: ignore[misc]
    def __init__(self) -> None:
        self.names: list[str] = []

    def enterQualifiedName(self, ctx: Any) -> None:
        self.names.append(ctx.getText())


def esql_field_names(query: str) -> list[str]:
    """Parse the query; return the field names it uses. Raises EsqlSyntaxError."""
    errors = _Errors()
    lexer = EsqlBaseLexer(InputStream(query))
    lexer.removeErrorListeners()
    lexer.addErrorListener(errors)
    parser = EsqlBaseParser(CommonTokenStream(lexer))
    parser.removeErrorListeners()
    parser.addErrorListener(errors)
    tree = parser.singleStatement()
    if errors.messages:
        raise EsqlSyntaxError("; ".join(errors.messages))
    names = _Names()
    ParseTreeWalker.DEFAULT.walk(names, tree)
    return names.names
