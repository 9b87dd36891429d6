"""Processing steps that pySigma's YAML transformation types cannot express."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from sigma.conditions import ConditionAND, ConditionOR
from sigma.exceptions import SigmaConfigurationError, SigmaTransformationError
from sigma.processing.conditions import IncludeFieldCondition, LogsourceCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.transformations.base import (
    DetectionItemTransformation,
    StringValueTransformation,
    ValueTransformation,
)
from sigma.processing.transformations.values import RegexTransformation
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import (
    Placeholder,
    SigmaBool,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
    SigmaType,
    SpecialChars,
)

from sigma_certutil.sysmon import category_events

# Fields pySigma's Sysmon step adds itself.
_ADDED_FIELDS = frozenset({"EventID"})


@dataclass
class SysmonBooleanAsString(ValueTransformation):
    """A YAML boolean (``Initiated: true``) becomes the string Sysmon writes ("true").

    Sysmon renders its boolean fields (Initiated, SourceIsIpv6, DestinationIsIpv6) as the
    strings "true"/"false", and the value mappings downstream (egress, ActionType) match
    strings; without this step an unquoted ``true`` passes through as a boolean and the
    backends write ``network.direction:true`` or ``ActionType =~ true``.
    """

    # pySigma picks the values to transform from this annotation (SigmaBool only), hence the
    # narrower signature than the base class declares.
    def apply_value(self, field: str, val: SigmaBool) -> SigmaString:  # type: ignore[override]
        return SigmaString("true" if val.boolean else "false")


@dataclass
class SysmonFieldCheck(DetectionItemTransformation):
    """Refuses a field that the rule's Sysmon events do not have.

    Such a condition can never match in any target; refusing it names the mistake instead of
    emitting a query that silently finds nothing. Rules whose category Sysmon does not record
    are left to the log-source step.
    """

    _allowed: frozenset[str] | None = field(init=False, default=None)
    _events: str = field(init=False, default="")

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        events = category_events(rule.logsource.category)
        self._allowed = frozenset().union(*(e.fields for e in events)) | _ADDED_FIELDS
        self._events = ", ".join(f"Event ID {e.id} ({e.title})" for e in events)
        if events:
            super().apply(rule)

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        name = detection_item.field
        if name is not None and self._allowed is not None and name not in self._allowed:
            raise SigmaTransformationError(
                f"field '{name}' is not a field of Sysmon {self._events}", source=None
            )
        return None


def sysmon_rule_pipeline() -> ProcessingPipeline:
    """Checks and value types every target needs, before any field is renamed."""
    return _step(
        "Sysmon fields and value types",
        12,
        ProcessingItem(identifier="sysmon_field_check", transformation=SysmonFieldCheck()),
        ProcessingItem(
            identifier="sysmon_boolean_as_string", transformation=SysmonBooleanAsString()
        ),
    )


# Lucene's regular expressions read "\t" as a plain "t" and have no escape for control
# characters, so \s becomes a space: tabs and line breaks, rare in Windows command lines and
# paths, are the one difference.
_SHORTHANDS = {"d": "0-9", "s": " ", "w": "A-Za-z0-9_"}


def _fold(char: str) -> str:
    return f"{char.lower()}{char.upper()}" if char.isalpha() else char


def _lucene_regex(pattern: str, ignore_case: bool = False) -> str:
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
            else:
                out.append(pattern[i : i + 2])
            i += 2
            continue
        if char == "[" and not in_class:
            in_class = True
            out.append(char)
        elif char == "]" and in_class:
            in_class = False
            out.append(char)
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
        return start[:-1]
    return start + ".*"


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
        ignore_case = SigmaRegularExpressionFlag.IGNORECASE in val.flags
        converted = SigmaRegularExpression(_lucene_regex(str(val.regexp), ignore_case))
        converted.flags = val.flags - {SigmaRegularExpressionFlag.IGNORECASE}
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
    corpus build. ``load_pipeline`` puts this class in place of the YAML's ``regex`` steps.
    """

    _forms: _CharacterForms = field(
        init=False, compare=False, default_factory=lambda: _CharacterForms()
    )

    def apply_string_value(self, field: str | None, val: SigmaString) -> SigmaType | None:
        if val == "":
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


def without_recompiles(pipeline: ProcessingPipeline) -> ProcessingPipeline:
    """The pipeline with each ``regex`` step of method ``ignore_case_brackets`` done by
    CaselessBrackets: same queries, no compile per value."""
    for item in pipeline.items:
        step = item.transformation
        if type(step) is RegexTransformation and step.method == "ignore_case_brackets":
            item.transformation = CaselessBrackets()
            item.transformation.set_processing_item(item)
    return pipeline


_DWORD = re.compile(r"(?i)^\*?DWORD \((0x[0-9a-f]{8})\)$")
_QWORD = re.compile(r"(?i)^\*?QWORD \((0x[0-9a-f]{8})-(0x[0-9a-f]{8})\)$")


@dataclass
class RegistryNumber(StringValueTransformation):
    """Registry DWORD/QWORD data (Sysmon's ``Details``) as a decimal number.

    Sysmon writes "DWORD (0x00000001)" and "QWORD (0x<high>-0x<low>)"; the ECS ingest
    (registry.data.strings) and Defender XDR (RegistryValueData) store the number in decimal.
    The ECS ingest computes a QWORD as (high << 8) + low, and its value is matched as stored:
    ``qword_high_shift`` is 8 there and 32 for the true value. A leading wildcard
    (``Details|endswith``) is dropped, the whole value being the number; values with other
    wildcards are left for the target's pipeline to refuse.
    """

    qword_high_shift: int = 32

    def apply_string_value(self, field: str | None, val: SigmaString) -> SigmaString | None:
        text = str(val)
        if dword := _DWORD.match(text):
            return SigmaString(str(int(dword.group(1), 16)))
        if qword := _QWORD.match(text):
            high, low = (int(part, 16) for part in qword.groups())
            return SigmaString(str((high << self.qword_high_shift) + low))
        return None


def _step(name: str, priority: int, *items: ProcessingItem) -> ProcessingPipeline:
    return ProcessingPipeline(name=name, priority=priority, items=list(items))


def _registry_numbers(shift: int, what: str) -> ProcessingPipeline:
    return _step(
        f"Registry numbers as {what} stores them",
        19,
        ProcessingItem(
            identifier="registry_number",
            transformation=RegistryNumber(qword_high_shift=shift),
            field_name_conditions=[IncludeFieldCondition(["Details"])],
        ),
    )


_Part = str | SpecialChars | Placeholder  # the parts of a SigmaString


@dataclass
class SysmonUserSplit(DetectionItemTransformation):
    """Sysmon's ``User`` ("DOMAIN\\name") as two fields, as the ingest splits it.

    A value with a backslash becomes domain AND name (``NT AUTHORITY\\SYSTEM``); one without,
    the side it can only be on: ``User|startswith`` the domain, ``User|endswith`` the name,
    ``User|contains`` either (a name holds no backslash, so the text lies in one side).
    A whole value without a backslash or a wildcard inside cannot be placed and is refused.
    """

    domain_field: str
    name_field: str

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        if detection_item.field != "User":
            return None
        return SigmaDetection(
            [self._split(value) for value in detection_item.value],
            item_linking=detection_item.value_linking,
        )

    def _split(self, value: object) -> SigmaDetection:
        if not isinstance(value, SigmaString):
            raise SigmaTransformationError(
                f"User compared with a {type(value).__name__}: the target stores User split "
                "into domain and name, which that comparison cannot follow"
            )
        parts: list[_Part] = list(value.s)
        for index, part in enumerate(parts):
            if isinstance(part, str) and "\\" in part:
                left, right = part.split("\\", 1)
                domain = [*parts[:index], left] if left else parts[:index]
                name = [right, *parts[index + 1 :]] if right else parts[index + 1 :]
                items = [
                    self._item(self.domain_field, domain),
                    self._item(self.name_field, name),
                ]
                kept: list[SigmaDetectionItem | SigmaDetection] = [i for i in items if i]
                return SigmaDetection(kept, item_linking=ConditionAND)
        wild = [isinstance(p, SpecialChars) for p in parts]
        if any(wild[1:-1]) or not any(wild):
            raise SigmaTransformationError(
                f"User value '{value}' cannot be split into the domain and name the target "
                "stores (Sysmon writes DOMAIN\\name)"
            )
        starts, ends = wild[0], wild[-1]
        fields = (
            [self.domain_field, self.name_field]
            if starts and ends
            else [self.name_field]
            if starts
            else [self.domain_field]
        )
        alternatives: list[SigmaDetectionItem | SigmaDetection] = [
            item for name in fields if (item := self._item(name, parts))
        ]
        return SigmaDetection(alternatives, item_linking=ConditionOR)

    @staticmethod
    def _item(field_name: str, parts: list[_Part]) -> SigmaDetectionItem | None:
        if not parts or parts == [SpecialChars.WILDCARD_MULTI]:
            return None  # any value: no condition on this side
        value = SigmaString("")
        value.s = parts
        return SigmaDetectionItem(field_name, [], [value])


# Python processing steps a target can name in its pipeline list, beside the YAML files.
PYTHON_STEPS: dict[str, Callable[[], ProcessingPipeline]] = {
    "ecs_registry_data": lambda: _registry_numbers(8, "the ECS ingest"),
    "xdr_registry_data": lambda: _registry_numbers(32, "Defender XDR"),
    "ecs_user": lambda: _step(
        "Sysmon User as the ECS ingest splits it",
        19,
        ProcessingItem(
            identifier="ecs_user_split",
            transformation=SysmonUserSplit("user.domain", "user.name"),
        ),
    ),
    "xdr_user": lambda: _step(
        "Sysmon User as Defender XDR splits it",
        19,
        # Process creation: User is the new process's account, XDR's Account* columns.
        ProcessingItem(
            identifier="xdr_user_split_process",
            transformation=SysmonUserSplit("AccountDomain", "AccountName"),
            rule_conditions=[LogsourceCondition(category="process_creation")],
        ),
        # Everywhere else the acting process's account, but for DNS queries, which XDR records
        # with no process (the pipeline refuses User there).
        ProcessingItem(
            identifier="xdr_user_split_initiating",
            transformation=SysmonUserSplit(
                "InitiatingProcessAccountDomain", "InitiatingProcessAccountName"
            ),
            rule_conditions=[
                LogsourceCondition(category="process_creation"),
                LogsourceCondition(category="dns_query"),
            ],
            rule_condition_linking=any,
            rule_condition_negation=True,
        ),
    ),
    "elastic_regex": lambda: _step(
        "Sigma regular expressions as Lucene regular expressions",
        25,
        ProcessingItem(
            identifier="elastic_regex_semantics", transformation=ElasticRegexSemantics()
        ),
    ),
}
