"""PowerShell's text fields as the ECS ingest splits them.

Winlogbeat's powershell module (and the Elastic Agent's windows.powershell and
windows.powershell_operational data streams, which run the same pipelines) does not keep
three text fields Sigma rules search; it splits them and removes the text:

- ``Data`` of the Windows PowerShell channel (events 400, 600, 800): its ``Key=value`` lines
  (param3) become fields, HostApplication in process.command_line, EngineVersion in
  powershell.engine.version, ... (elastic/beats x-pack/winlogbeat/module/powershell/ingest/
  powershell.yml: the kv processor, then the renames; unknown keys stay in
  winlog.event_data.<Key>);
- ``ContextInfo`` of event 4103: its ``Key = value`` lines, the keys without spaces
  (ingest/powershell_operational.yml: kv with trimmed keys and values, "Remove spaces from
  all event_data keys", then the same renames);
- ``Payload`` of event 4103: each line a ``powershell.command.invocation_details`` object
  (type, related_command, name, value) (powershell_operational.yml, "Parses all command
  invocation detail raw lines").

A ``contains`` of text that lies within one value matches the same text in the field that
holds it, so it becomes that field or, when the text names no key, any of the fields. Text
that starts with ``Key=`` (``HostApplication=powershell``) starts that key's value, so it
becomes ``startswith`` on its field; ``= powershell`` starts some value. Text that spans the
separators (a line break, ``name=`` or ``value=`` in Payload) and regular expressions cannot
follow the split and are refused.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sigma.conditions import ConditionOR
from sigma.exceptions import SigmaTransformationError
from sigma.processing.pipeline import ProcessingItem
from sigma.processing.transformations.base import DetectionItemTransformation
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule
from sigma.types import Placeholder, SigmaRegularExpression, SigmaString, SpecialChars

from sigma_certutil.windows import log_source

# The keys of the split lines and where the renames put them (powershell.yml and
# powershell_operational.yml, "Process fields" and "PowerShell fields").
_KEYS = {
    "HostName": "process.title",
    "HostVersion": "powershell.process.executable_version",
    "HostId": "process.entity_id",
    "HostID": "process.entity_id",
    "HostApplication": "process.command_line",
    "EngineVersion": "powershell.engine.version",
    "RunspaceId": "powershell.runspace_id",
    "RunspaceID": "powershell.runspace_id",
    "PipelineId": "powershell.pipeline_id",
    "PipelineID": "powershell.pipeline_id",
    "CommandName": "powershell.command.name",
    "CommandType": "powershell.command.type",
    "ScriptName": "file.path",
    "CommandPath": "powershell.command.path",
    "CommandLine": "powershell.command.value",
    "NewEngineState": "powershell.engine.new_state",
    "PreviousEngineState": "powershell.engine.previous_state",
    "ProviderName": "powershell.provider.name",
    "NewProviderState": "powershell.provider.new_state",
    "ShellID": "powershell.id",
}
# Keys the ingest converts or splits and removes: no field holds their text.
_REMOVED = {"SequenceNumber", "User", "ConnectedUser", "Severity", "UserId"}
# The keys of each text's lines. The classic channel's Data (powershell.yml's kv over
# param2/param3; x-pack/winlogbeat/module/powershell/test/testdata/ingest/400, 600 and
# 800.golden.json). 4103's ContextInfo lines, their spaces removed ("Remove spaces from all
# event_data keys"): Severity, Host Name, Host Version, Host ID, Host Application, Engine
# Version, Runspace ID, Pipeline ID, Command Name, Command Type, Script Name, Command Path,
# Sequence Number, User, Connected User, Shell ID (ingest/4103.golden.json): no Command Line,
# so nothing of ContextInfo lands in powershell.command.value (which powershell_operational.yml
# fills from an EventData CommandLine that 4103 does not have).
_CLASSIC_KEYS = tuple(
    k for k in _KEYS if k not in ("HostID", "RunspaceID", "PipelineID", "ShellID")
)
_CONTEXT_INFO_KEYS = (
    "HostName", "HostVersion", "HostID", "HostApplication", "EngineVersion", "RunspaceID",
    "PipelineID", "CommandName", "CommandType", "ScriptName", "CommandPath", "ShellID",
)  # fmt: skip
_DETAILS = [
    f"powershell.command.invocation_details.{part}"
    for part in ("type", "related_command", "name", "value")
]
_Part = str | SpecialChars | Placeholder  # the parts of a SigmaString
_KEY_PREFIX = re.compile(r"^\s*(?P<key>[A-Za-z][A-Za-z ]*?)?\s*=\s*")


def _text(parts: list[_Part]) -> str:
    return "".join(p for p in parts if isinstance(p, str))


def _item(field: str, parts: list[_Part]) -> SigmaDetectionItem:
    value = SigmaString("")
    value.s = parts
    return SigmaDetectionItem(field, [], [value])


def _any_of(fields: list[str], parts: list[_Part]) -> SigmaDetection:
    return SigmaDetection([_item(f, parts) for f in fields], item_linking=ConditionOR)


@dataclass
class PowerShellKeyValues(DetectionItemTransformation):
    """``Data`` (classic) or ``ContextInfo`` (4103) as the fields their lines become."""

    field_name: str
    keys: tuple[str, ...]

    @property
    def values(self) -> list[str]:
        """The fields any of the lines' values lands in."""
        return sorted({_KEYS[key] for key in self.keys})

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        self._on = _reads(rule, self.field_name)
        super().apply(rule)

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        if not getattr(self, "_on", False) or detection_item.field != self.field_name:
            return None
        split = SigmaDetection(
            [self._value(value) for value in detection_item.value],
            item_linking=detection_item.value_linking,
        )
        _record(self, self.field_name, split)
        return split

    def _value(self, value: object) -> SigmaDetection | SigmaDetectionItem:
        where = f"{self.field_name} is split by the ECS ingest into one field per key"
        if not isinstance(value, SigmaString) or not value.s:
            raise SigmaTransformationError(
                f"{where}; a {type(value).__name__} comparison cannot follow it"
            )
        parts = list(value.s)
        if parts[0] is not SpecialChars.WILDCARD_MULTI:
            raise SigmaTransformationError(
                f"{where}; '{value}' compares the whole text, which no field holds"
            )
        body = parts[1:]
        if any(isinstance(p, str) and ("\n" in p or "\t" in p) for p in body):
            raise SigmaTransformationError(f"{where}; '{value}' spans its lines")
        first = body[0] if body and isinstance(body[0], str) else ""
        match = _KEY_PREFIX.match(first)
        if match is None:
            return _any_of(self.values, parts)
        rest: list[_Part] = [first[match.end() :]] if first[match.end() :] else []
        rest += body[1:]
        key = re.sub(r"\s+", "", match.group("key") or "")
        if key in _REMOVED:
            raise SigmaTransformationError(
                f"{where}; its {key} is converted or split and removed, so no field holds '{value}'"
            )
        if not key:
            return _any_of(self.values, rest)
        if key not in self.keys:
            raise SigmaTransformationError(
                f"{where}; '{value}' names {key}, which is no key of its lines"
            )
        return _item(_KEYS[key], rest)


@dataclass
class PowerShellPayload(DetectionItemTransformation):
    """4103's ``Payload`` as its lines' invocation details (type, command, name, value)."""

    def apply(self, rule: SigmaRule) -> None:  # type: ignore[override]
        self._on = _reads(rule, "Payload")
        super().apply(rule)

    def apply_detection_item(
        self, detection_item: SigmaDetectionItem
    ) -> SigmaDetection | SigmaDetectionItem | None:
        if not getattr(self, "_on", False) or detection_item.field != "Payload":
            return None
        alternatives: list[SigmaDetection | SigmaDetectionItem] = []
        where = "Payload is split by the ECS ingest into powershell.command.invocation_details"
        for value in detection_item.value:
            if isinstance(value, SigmaRegularExpression):
                # An expression matches anywhere in the text: the same match within one part.
                if re.search(r"\\n|\)\s*:|name=|value=", str(value.regexp)):
                    raise SigmaTransformationError(
                        f"{where} (type, related_command, name, value); the expression "
                        f"'{value.regexp}' spans its parts"
                    )
                alternatives.append(
                    SigmaDetection(
                        [SigmaDetectionItem(f, [], [value]) for f in _DETAILS],
                        item_linking=ConditionOR,
                    )
                )
                continue
            if not isinstance(value, SigmaString) or not value.s:
                raise SigmaTransformationError(
                    f"{where}; a {type(value).__name__} comparison cannot follow it"
                )
            parts = list(value.s)
            text = _text(parts)
            wild = (
                parts[0] is SpecialChars.WILDCARD_MULTI and parts[-1] is SpecialChars.WILDCARD_MULTI
            )
            if not wild:
                raise SigmaTransformationError(
                    f"{where} (type, related_command, name, value); '{value}' compares where "
                    "the whole text starts or ends, which no part holds"
                )
            across = _across_command(parts)
            if re.search(r"\n|\)\s*:|\bname=|\bvalue=", text) or across is None:
                raise SigmaTransformationError(
                    f"{where} (type, related_command, name, value); '{value}' spans its parts"
                )
            found = _any_of(_DETAILS, parts)
            found.detection_items.extend(across)
            alternatives.append(found)
        split = SigmaDetection(alternatives, item_linking=detection_item.value_linking)
        _record(self, "Payload", split)
        return split


# The types of 4103's detail lines (powershell_operational.yml, "Parses all command
# invocation detail raw lines": "the type of the detail line, i.e.: CommandInvocation,
# ParameterBinding, NonTerminatingError"); a line is ``Type(command): value``.
_DETAIL_TYPES = ("commandinvocation", "parameterbinding", "nonterminatingerror")
_RELATED = "powershell.command.invocation_details.related_command"


def _across_command(parts: list[_Part]) -> list[SigmaDetectionItem] | None:
    """The text of a ``*text*`` comparison where it can lie across a line's parentheses
    (``Type(command): value``): ``(cmd.exe)`` is the whole related_command cmd.exe,
    ``(Remove-`` starts it, ``Remove-Item)`` ends it; those comparisons, searched beside the
    parts. None when an occurrence spans the type and the command (``Invocation(cmd.exe)``):
    the details are an array of objects, where a type and a command compared together may
    come from two lines. Text with ``(`` inside a value (``(Get-PSReadlineOption).Path``,
    ``.Invoke()``) has no such occurrence."""
    inner = parts[1:-1]
    literal = all(isinstance(p, str) for p in inner)
    text = _text(inner)
    found: list[SigmaDetectionItem] = []
    for opening in re.finditer(r"\(", text):
        before, after = text[: opening.start()].lower(), text[opening.end() :]
        if not any(name.endswith(before) for name in _DETAIL_TYPES):
            continue  # no type ends with what comes before: a value's parenthesis
        command = re.match(r"[^()]*(\)|$)", after)
        assert command is not None  # the pattern matches any text
        rest = after[command.end() :]
        if command.group(1) and rest and not rest.startswith(":"):
            continue  # ")" then more text: a value's parentheses
        name = after[: command.end() - len(command.group(1))]
        if before or not literal or not name:
            return None
        tail: list[_Part] = [] if command.group(1) else [SpecialChars.WILDCARD_MULTI]
        found.append(_item(_RELATED, [name, *tail]))
    if literal and re.fullmatch(r"[^()]+\)", text):
        found.append(_item(_RELATED, [SpecialChars.WILDCARD_MULTI, text[:-1]]))
    return found


def _fields(detection: SigmaDetection | SigmaDetectionItem) -> list[str]:
    if isinstance(detection, SigmaDetectionItem):
        return [detection.field] if detection.field else []
    return [name for item in detection.detection_items for name in _fields(item)]


def _record(step: DetectionItemTransformation, field: str, split: SigmaDetection) -> None:
    """The fields the text became, as the pipeline's field mappings (`sigma-certutil
    fields` shows them)."""
    if step._pipeline is not None:
        step._pipeline.field_mappings.add_mapping(field, sorted(set(_fields(split))))


def _reads(rule: SigmaRule, field: str) -> bool:
    source = log_source(rule.logsource)
    if source is None:
        return False
    if field == "Data":
        return source.channel == "Windows PowerShell"
    return source.channel == "Microsoft-Windows-PowerShell/Operational"


def powershell_ecs_items() -> list[ProcessingItem]:
    """ECS: Data, ContextInfo and Payload as the powershell module's ingest splits them."""
    return [
        ProcessingItem(
            identifier="ecs_powershell_data",
            transformation=PowerShellKeyValues("Data", _CLASSIC_KEYS),
        ),
        ProcessingItem(
            identifier="ecs_powershell_context_info",
            transformation=PowerShellKeyValues("ContextInfo", _CONTEXT_INFO_KEYS),
        ),
        ProcessingItem(identifier="ecs_powershell_payload", transformation=PowerShellPayload()),
    ]
