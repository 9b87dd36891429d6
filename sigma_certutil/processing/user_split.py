"""Sysmon's User field as the targets that split it store it."""

from __future__ import annotations

from dataclasses import dataclass

from sigma.conditions import ConditionAND, ConditionOR
from sigma.exceptions import SigmaTransformationError
from sigma.processing.conditions import LogsourceCondition
from sigma.processing.pipeline import ProcessingItem
from sigma.processing.transformations.base import (
    DetectionItemTransformation,
)
from sigma.rule import SigmaDetection, SigmaDetectionItem
from sigma.types import (
    Placeholder,
    SigmaString,
    SpecialChars,
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
        split = SigmaDetection(
            [self._split(value) for value in detection_item.value],
            item_linking=detection_item.value_linking,
        )
        # Recorded as a field mapping, and each new item as this step's work, as pySigma's
        # own field-name mappings are: `sigma-certutil fields` reads both.
        fields = []
        for alternative in split.detection_items:
            assert isinstance(alternative, SigmaDetection)
            for item in alternative.detection_items:
                assert isinstance(item, SigmaDetectionItem) and item.field is not None
                self.processing_item_applied(item)
                fields.append(item.field)
        if self._pipeline is not None:
            self._pipeline.field_mappings.add_mapping("User", list(dict.fromkeys(fields)))
        return split

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


def ecs_user_items() -> list[ProcessingItem]:
    return [
        ProcessingItem(
            identifier="ecs_user_split",
            transformation=SysmonUserSplit("user.domain", "user.name"),
        )
    ]


def xdr_user_items() -> list[ProcessingItem]:
    return [
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
    ]
