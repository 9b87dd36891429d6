"""Registry values as the targets store them."""

from __future__ import annotations

import re
from dataclasses import dataclass

from sigma.processing.conditions import IncludeFieldCondition
from sigma.processing.pipeline import ProcessingItem
from sigma.processing.transformations.base import (
    StringValueTransformation,
)
from sigma.types import (
    SigmaString,
)

_DWORD = re.compile(r"(?i)^\*?DWORD \((0x[0-9a-f]{8})\)\*?$")
_QWORD = re.compile(r"(?i)^\*?QWORD \((0x[0-9a-f]{8})-(0x[0-9a-f]{8})\)\*?$")


@dataclass
class RegistryNumber(StringValueTransformation):
    """Registry DWORD/QWORD data (Sysmon's ``Details``) as a decimal number.

    Sysmon writes "DWORD (0x00000001)" and "QWORD (0x<high>-0x<low>)"; the ECS ingest
    (registry.data.strings) and Defender XDR (RegistryValueData) store the number in decimal.
    The ECS ingest computes a QWORD as (high << 8) + low, and its value is matched as stored:
    ``qword_high_shift`` is 8 there and 32 for the true value. A leading or trailing wildcard
    around the whole form (``Details|endswith``, ``|contains``) is dropped: Sysmon writes the
    form as the whole of Details, so a value that holds it all is that value. Values with
    other wildcards (a part of the form) are left for the target's pipeline to refuse.
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


def _registry_number_items(shift: int) -> list[ProcessingItem]:
    return [
        ProcessingItem(
            identifier="registry_number",
            transformation=RegistryNumber(qword_high_shift=shift),
            field_name_conditions=[IncludeFieldCondition(["Details"])],
        )
    ]


def ecs_registry_items() -> list[ProcessingItem]:
    """QWORDs as the ECS ingest computes them ((high << 8) + low)."""
    return _registry_number_items(8)


def xdr_registry_items() -> list[ProcessingItem]:
    return _registry_number_items(32)
