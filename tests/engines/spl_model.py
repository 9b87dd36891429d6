"""A model of Splunk's base search, for the subset the SPL backend writes: a test oracle
written from Splunk's search documentation, not Splunk itself.

Covered: ``field="value"`` and ``field=value`` with ``*`` wildcards, compared
case-insensitively (field-value matching in Splunk is case-insensitive), and CIDR ranges;
``field IN (...)``;
``field<n`` and the other comparisons on numbers; ``NOT``, ``OR``, implicit and explicit
``AND`` and parentheses, with Splunk's precedence (NOT, then OR, then AND). Inside quotes a
backslash escapes the next character. After the base search, ``| regex field="..."`` (a
case-sensitive PCRE search, modelled with Python's re), the three ``| where`` comparisons
of two fields the backend writes for |fieldref (eval's lower, substr and len: an absent
field makes the comparison null, which where drops), and the ``| rex``, ``| eval`` and
``| search`` the backend writes for regular expressions under an OR are the commands
modelled.
"""

from __future__ import annotations

import fnmatch
import ipaddress
import re
from collections.abc import Callable

Event = dict[str, str]
Predicate = Callable[[Event], bool]

_TOKEN = re.compile(
    r"\s*(?:(?P<lp>\()|(?P<rp>\))|(?P<comma>,)|(?P<op><=|>=|!=|=|<|>)"
    r'|(?P<quoted>"(?:\\.|[^"\\])*")|(?P<word>[^\s()=<>!,"]+))'
)


def _tokens(query: str) -> list[tuple[str, str]]:
    tokens, position = [], 0
    query = query.strip()
    while position < len(query):
        found = _TOKEN.match(query, position)
        if not found or found.end() == position:
            raise ValueError(f"cannot read SPL at {position}: {query[position : position + 20]!r}")
        kind = found.lastgroup or ""
        text = found.group(kind)
        if kind == "quoted":
            text = re.sub(r"\\(.)", r"\1", text[1:-1])
        tokens.append((kind, text))
        position = found.end()
    return tokens


def _in_cidr(actual: str, pattern: str) -> bool | None:
    """A CIDR value ("10.0.0.0/8", "fe80::/10") matches the addresses in the range: the search
    command matches IPv4 and IPv6 field values against CIDR notation (Splunk search reference,
    search command, "CIDR matching",
    https://docs.splunk.com/Documentation/Splunk/latest/SearchReference/Search). None when the
    value is not a CIDR range."""
    if "/" not in pattern:
        return None
    try:
        network = ipaddress.ip_network(pattern.strip(), strict=False)
    except ValueError:
        return None
    try:
        address = ipaddress.ip_address(actual.strip())
    except ValueError:
        return False
    return address.version == network.version and address in network


def _value_matches(actual: str | None, pattern: str) -> bool:
    if actual is None:
        return False
    in_cidr = _in_cidr(actual, pattern)
    if in_cidr is not None:
        return in_cidr
    escaped = "".join("*" if c == "*" else f"[{c}]" if c in "[]?" else c for c in pattern)
    return fnmatch.fnmatchcase(actual.lower(), escaped.lower())


def _compare(actual: str | None, op: str, value: str) -> bool:
    if op == "=":
        return _value_matches(actual, value)
    if op == "!=":
        return actual is not None and not _value_matches(actual, value)
    try:
        left, right = float(actual or ""), float(value)
    except ValueError:
        return False
    return {"<": left < right, "<=": left <= right, ">": left > right, ">=": left >= right}[op]


class _Parser:
    def __init__(self, query: str) -> None:
        self.tokens = _tokens(query)
        self.i = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.i] if self.i < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.and_expr()
        if self.peek() is not None:
            raise ValueError(f"unexpected {self.peek()}")
        return predicate

    # Splunk evaluates NOT first, then OR, then AND (explicit or implicit): "a b OR c" is
    # "a AND (b OR c)" (Splunk search reference, "Boolean expressions").
    def and_expr(self) -> Predicate:
        parts = [self.or_expr()]
        while (token := self.peek()) is not None and token[0] != "rp":
            if token == ("word", "AND"):
                self.take()
            parts.append(self.or_expr())
        return lambda e: all(p(e) for p in parts)

    def or_expr(self) -> Predicate:
        parts = [self.not_expr()]
        while self.peek() == ("word", "OR"):
            self.take()
            parts.append(self.not_expr())
        return lambda e: any(p(e) for p in parts)

    def not_expr(self) -> Predicate:
        if self.peek() == ("word", "NOT"):
            self.take()
            inner = self.not_expr()
            return lambda e: not inner(e)
        return self.atom()

    def atom(self) -> Predicate:
        kind, text = self.take()
        if kind == "lp":
            inner = self.and_expr()
            if self.take()[0] != "rp":
                raise ValueError("missing )")
            return inner
        if kind != "word":
            raise ValueError(f"expected a field, got {text!r}")
        field = text
        if self.peek() == ("word", "IN"):
            self.take()
            if self.take()[0] != "lp":
                raise ValueError("IN without (")
            values = []
            while (token := self.take())[0] != "rp":
                if token[0] != "comma":
                    values.append(token[1])
            return lambda e: any(_value_matches(e.get(field), v) for v in values)
        op_kind, op = self.take()
        if op_kind != "op":
            raise ValueError(f"bare search term {field!r} is outside the modelled subset")
        value = self.take()[1]
        return lambda e: _compare(e.get(field), op, value)


def spl_fields(query: str) -> set[str]:
    """Field names the query compares."""
    tokens = _tokens(query)
    return {
        text
        for (kind, text), following in zip(tokens, [*tokens[1:], ("", "")], strict=True)
        if kind == "word" and (following[0] == "op" or following == ("word", "IN"))
    }


_REGEX_COMMAND = re.compile(r'^\s*regex\s+(\w+)\s*(!?=)\s*"((?:\\.|[^"\\])*)"\s*$')


def _regex_filter(command: str) -> Predicate:
    """``| regex field="PCRE"``: keep events whose field matches anywhere (case-sensitive)."""
    found = _REGEX_COMMAND.match(command)
    if not found:
        raise ValueError(f"command {command.strip()!r} is outside the modelled subset")
    field, op, quoted = found.groups()
    pattern = re.compile(re.sub(r"\\(.)", r"\1", quoted))

    def keep(event: Event) -> bool:
        value = event.get(field)
        hit = value is not None and pattern.search(value) is not None
        return hit if op == "=" else not hit

    return keep


_WHERE_FIELDS = re.compile(
    r"^\s*where\s+(?P<not>NOT\s*)?(?:lower\('(?P<a>\w+)'\)"
    r"|substr\(lower\('(?P<p>\w+)'\), 1, len\('(?P<pl>\w+)'\)\)"
    r"|substr\(lower\('(?P<s>\w+)'\), -len\('(?P<sl>\w+)'\)\))"
    r"=lower\('(?P<b>\w+)'\)\s*$"
)


def _where_filter(command: str) -> Predicate | None:
    found = _WHERE_FIELDS.match(command)
    if not found:
        return None
    other, negated = found["b"], bool(found["not"])

    def keep(event: Event) -> bool:
        right = event.get(other)
        left = event.get(found["a"] or found["p"] or found["s"])
        if left is None or right is None:
            return False  # null: where keeps no event, negated or not
        if found["a"]:
            same = left.lower() == right.lower()
        elif found["p"]:
            same = left.lower()[: len(right)] == right.lower()
        else:
            same = (
                len(left) >= len(right) and left.lower()[len(left) - len(right) :] == right.lower()
            )
        return same != negated

    return keep


def _command(command: str) -> Predicate:
    return _where_filter(command) or _regex_filter(command)


_REX_COMMAND = re.compile(r'^\s*rex\s+field=(\w+)\s+"((?:\\.|[^"\\])*)"\s*$')
_EVAL_MATCHED = re.compile(r'^\s*eval\s+(\w+)=if\(isnotnull\((\w+)\),\s*"true",\s*"false"\)\s*$')
_SEARCH_COMMAND = re.compile(r"^\s*search\s+(.*)$", re.DOTALL)


def _python_pattern(pcre: str) -> re.Pattern[str]:
    """PCRE as Python's re: named groups (?<n>...) as (?P<n>...), and inline flags at the
    start of a group moved to the start of the pattern (Python 3.11 wants them there)."""
    pattern = re.sub(r"\(\?<(\w+)>", r"(?P<\1>", pcre)
    flags = "".join(re.findall(r"\(\?P<\w+>\(\?([a-z]+)\)", pattern))
    pattern = re.sub(r"(\(\?P<\w+>)\(\?[a-z]+\)", r"\1", pattern)
    return re.compile((f"(?{flags})" if flags else "") + pattern)


def _rex(command: str) -> Callable[[Event], Event] | None:
    """``| rex field=F "(?<Name>PCRE)"``: the first match of the group, as a field, when the
    field matches anywhere (the rex command's extraction)."""
    found = _REX_COMMAND.match(command)
    if not found:
        return None
    field, quoted = found.groups()
    pattern = _python_pattern(re.sub(r"\\(.)", r"\1", quoted))

    def extract(event: Event) -> Event:
        value = event.get(field)
        hit = pattern.search(value) if value is not None else None
        if hit is None:
            return event
        return {**event, **{k: v for k, v in hit.groupdict().items() if v is not None}}

    return extract


def _eval(command: str) -> Callable[[Event], Event] | None:
    """``| eval C=if(isnotnull(M), "true", "false")``, the one eval the backend writes."""
    found = _EVAL_MATCHED.match(command)
    if not found:
        return None
    target, source = found.groups()
    return lambda event: {**event, target: "true" if event.get(source) is not None else "false"}


def spl_search(query: str, events: list[Event]) -> set[int]:
    """Indices of the events a base search, optionally followed by ``| regex``, ``| where``,
    ``| rex``, ``| eval`` and ``| search`` commands, keeps. (A ``|`` inside a quoted value does
    not start a command.)"""
    base, *commands = re.split(r'\|(?=(?:[^"\\]|\\.|"(?:\\.|[^"\\])*")*$)', query)
    kept = {i: event for i, event in enumerate(events) if _Parser(base).parse()(event)}
    for command in commands:
        change = _rex(command) or _eval(command)
        if change is not None:
            kept = {i: change(event) for i, event in kept.items()}
            continue
        search = _SEARCH_COMMAND.match(command)
        keep = _Parser(search.group(1)).parse() if search else _command(command)
        kept = {i: event for i, event in kept.items() if keep(event)}
    return set(kept)
