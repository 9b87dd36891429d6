"""Regular expressions as Elasticsearch runs them, and pySigma's caseless patterns without a
compile per value."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sigma.exceptions import SigmaConfigurationError, SigmaTransformationError
from sigma.processing.conditions.values import MatchStringCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations.base import (
    StringValueTransformation,
    ValueTransformation,
)
from sigma.processing.transformations.values import RegexTransformation
from sigma.types import (
    SigmaCasedString,
    SigmaExpansion,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaType,
    SpecialChars,
)

# Lucene's regular expressions read "\t" as a plain "t" and have no escape for control
# characters (https://www.elastic.co/guide/en/elasticsearch/reference/current/regexp-syntax.html:
# "\" escapes the next character, whatever it is), so \s is PCRE's white space written out as
# the characters themselves: space, and tab to carriage return (tab, line feed, vertical tab,
# form feed, carriage return) as a range; the backends escape the control characters as their
# string syntax needs.
_SPACE = " \t-\r"
_SHORTHANDS = {"d": "0-9", "s": _SPACE, "w": "A-Za-z0-9_"}
# PCRE's zero-width assertions: word boundaries and the ends of the subject.
_ASSERTIONS = "bBAzZG"
# PCRE's '.' is any character but a line feed unless s (dotall); Lucene's is any character.
_NOT_LINE_FEED = "[^\n]"


def _fold(char: str) -> str:
    return f"{char.lower()}{char.upper()}" if char.isalpha() else char


def _lucene_regex(pattern: str, ignore_case: bool = False, dotall: bool = False) -> str:
    """A Sigma (search, PCRE-like) regular expression as an anchored Lucene one. Lucene has no
    case-insensitive flag: with ``ignore_case`` (or a leading ``(?i)``) every letter becomes
    both of its cases."""
    flags = re.match(r"^\(\?([a-z]+)\)", pattern)
    if flags:
        if set(flags.group(1)) - {"i", "s", "m"}:
            raise SigmaTransformationError(
                f"regular expression '{pattern}': flags ({flags.group(1)}) Lucene cannot express"
            )
        ignore_case = ignore_case or "i" in flags.group(1)
        dotall = dotall or "s" in flags.group(1)
        pattern = pattern[flags.end() :]
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\" and i + 1 < len(pattern):
            escaped = pattern[i + 1]
            if escaped.lower() in _SHORTHANDS:
                chars = _SHORTHANDS[escaped.lower()]
                if in_class and escaped.islower():
                    out.append(chars)
                elif not in_class:
                    out.append(f"[{'^' if escaped.isupper() else ''}{chars}]")
                else:
                    raise SigmaTransformationError(
                        f"regular expression '{pattern}': \\{escaped} inside a character class "
                        "has no Lucene equivalent"
                    )
            elif not in_class and (escaped in _ASSERTIONS or escaped in "123456789"):
                raise SigmaTransformationError(
                    f"|re: \\{escaped} (an assertion or a back-reference) has no form in Lucene "
                    "regular expressions (Lucene, EQL, ES|QL), which match characters only"
                )
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "(" and not in_class and pattern[i + 1 : i + 2] == "?":
            if pattern[i + 2 : i + 3] != ":":
                raise SigmaTransformationError(
                    f"|re: '{pattern[i : i + 4]}' (a look-around, a named group or inline flags) "
                    "has no form in Lucene regular expressions (Lucene, EQL, ES|QL)"
                )
            out.append("(")  # a non-capturing group matches what a group matches
            i += 3
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
        elif char == "." and not in_class and not dotall:
            out.append(_NOT_LINE_FEED)
        elif ignore_case and char.isalpha():
            ranged = in_class and pattern[i + 1 : i + 2] == "-" and pattern[i + 2 : i + 3].isalpha()
            if ranged:  # a-z: both ranges
                end = pattern[i + 2]
                out.append(f"{char.lower()}-{end.lower()}{char.upper()}-{end.upper()}")
                i += 3
                continue
            out.append(_fold(char) if in_class else f"[{_fold(char)}]")
        else:
            out.append(char)
        i += 1
    body = "".join(out)
    start = body[1:] if body.startswith("^") else ".*" + body
    if start.endswith("$") and not start.endswith("\\$"):
        # PCRE's '$' is the end, or before a line feed that ends the value.
        return start[:-1] + "(\n)?"
    return start + ".*"


def _has_anchor(pattern: str) -> bool:
    """A ^ or $ outside a character class and not escaped."""
    in_class, i = False, 0
    while i < len(pattern):
        char = pattern[i]
        if char == "\\":
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            i += 2 if pattern[i + 1 : i + 2] == "^" else 1
            continue
        if char == "]" and in_class:
            in_class = False
        elif char in "^$" and not in_class:
            return True
        i += 1
    return False


@dataclass
class ElasticRegexSemantics(ValueTransformation):
    """A rule's ``|re`` value as Elasticsearch's regular expressions need it.

    Sigma's ``re`` matches anywhere in the value (a search); Lucene regular expressions, used by
    Lucene query strings, EQL ``regex~`` and ES|QL ``RLIKE``, must match the whole value and
    have no ``\\d``, ``\\s``, ``\\w`` before Lucene 9 (Elasticsearch 7). Without this,
    ``CommandLine|re: '\\s-H\\s'`` becomes ``process.command_line:/\\s-H\\s/`` and matches no
    command line.
    """

    def apply_value(  # type: ignore[override]
        self, field: str, val: SigmaRegularExpression
    ) -> SigmaRegularExpression:
        if SigmaRegularExpressionFlag.MULTILINE in val.flags and _has_anchor(str(val.regexp)):
            # Lucene's regular expressions match the whole value and have no anchors, so a
            # line start or end inside it cannot be written (Elasticsearch's regexp syntax:
            # https://www.elastic.co/guide/en/elasticsearch/reference/current/regexp-syntax.html).
            raise SigmaTransformationError(
                "|re|m: Lucene regular expressions (Lucene, EQL, ES|QL) have no line anchors, "
                "so ^ and $ at line starts and ends cannot be expressed"
            )
        ignore_case = SigmaRegularExpressionFlag.IGNORECASE in val.flags
        dotall = SigmaRegularExpressionFlag.DOTALL in val.flags
        converted = SigmaRegularExpression(_lucene_regex(str(val.regexp), ignore_case, dotall))
        # Lucene has no flags: i is done above, m only moves anchors (none here), and s is
        # Lucene's own reading of '.' (any character, line breaks included).
        converted.flags = set()
        return converted


@dataclass
class _CaselessPattern(SigmaRegularExpression):
    """A regular expression that CaselessBrackets built from a plain string: valid by
    construction, so it is not compiled to be checked."""

    def compile(self) -> None:
        return None


class _CharacterForms(dict[int, str]):
    """A str.translate table, filled on first use of each character: a letter as a bracket
    of both its cases ([aA]), anything else as re.escape writes it."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        form = f"[{char.lower()}{char.upper()}]" if char.isalpha() else re.escape(char)
        self[code] = form
        return form


@dataclass
class CaselessBrackets(StringValueTransformation):
    """pySigma's ``regex`` transformation, method ``ignore_case_brackets``, with the same output.

    pySigma checks every regular expression it builds by compiling it. A plain string's letters
    in brackets and everything else through ``re.escape`` cannot be invalid, and with thousands
    of distinct patterns (more than ``re``'s cache holds) those compiles were a quarter of a
    corpus build. ``processing.registry`` puts this class in place of the YAML's ``regex`` steps.
    """

    _forms: _CharacterForms = field(
        init=False, compare=False, default_factory=lambda: _CharacterForms()
    )

    def apply_value(self, field: str | None, val: SigmaType) -> SigmaType | None:
        # pySigma's string steps skip the values an expansion modifier (windash,
        # base64offset) groups, which then stayed case-sensitive in Lucene and ES|QL.
        if isinstance(val, SigmaExpansion):
            values = [self.apply_value(field, inner) or inner for inner in val.values]
            return SigmaExpansion([v for v in values if isinstance(v, SigmaType)])
        changed = super().apply_value(field, val)
        return changed if isinstance(changed, SigmaType) else None

    def apply_string_value(self, field: str | None, val: SigmaString) -> SigmaType | None:
        # A |cased value is matched with case: the backend writes it as an exact term.
        if val == "" or isinstance(val, SigmaCasedString):
            return val
        parts: list[str] = []
        for part in val.s:
            if isinstance(part, str):
                parts.append(part.translate(self._forms))
            elif part == SpecialChars.WILDCARD_MULTI:
                parts.append(".*")
            elif part == SpecialChars.WILDCARD_SINGLE:
                parts.append(".")
            else:
                raise SigmaConfigurationError(
                    f"Placeholder '{part}' can't be converted to a regular expression"
                )
        return _CaselessPattern("".join(parts))


@dataclass
class _MatchStringInExpansions(MatchStringCondition):
    """pySigma's ``match_string`` condition, looking also into the values an expansion
    modifier groups (pySigma reads a SigmaExpansion as no string at all)."""

    def match_value(self, value: SigmaType) -> bool:
        if isinstance(value, SigmaExpansion):
            return any(self.match_value(inner) for inner in value.values)
        return bool(super().match_value(value))


def without_recompiles(pipeline: ProcessingPipeline) -> ProcessingPipeline:
    """The pipeline with each ``regex`` step of method ``ignore_case_brackets`` done by
    CaselessBrackets (same queries, no compile per value; windash and base64offset values
    too), its ``match_string`` conditions looking into expansions."""
    for item in pipeline.items:
        step = item.transformation
        if type(step) is RegexTransformation and step.method == "ignore_case_brackets":
            item.transformation = CaselessBrackets()
            item.transformation.set_processing_item(item)
            conditions = item.detection_item_conditions
            keys = conditions.keys() if isinstance(conditions, dict) else range(len(conditions))
            for key in keys:
                condition = conditions[key]  # type: ignore[index]
                if type(condition) is MatchStringCondition:
                    conditions[key] = _MatchStringInExpansions(  # type: ignore[index]
                        cond=condition.cond, pattern=condition.pattern, negate=condition.negate
                    )
    return pipeline


def elastic_regex_items() -> list[ProcessingItem]:
    return [
        ProcessingItem(identifier="elastic_regex_semantics", transformation=ElasticRegexSemantics())
    ]
