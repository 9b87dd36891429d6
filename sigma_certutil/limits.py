"""The bounds on what a rule may hold, and the ``--limits`` text that raises them.

Each limit keeps one kind of hostile or broken input from taking unbounded time or memory:
a YAML alias bomb, a file that never ends, a condition nested past what the parser's
recursion can take. The defaults are far above what SigmaHQ's rules need (its largest rule
file is 295 KB, its longest condition 542 characters, none uses YAML aliases).
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

KIB = 1024
MIB = 1024 * KIB

_UNITS = {
    **{"": 1, "k": 1000, "kb": 1000, "kib": KIB},
    **{"m": 1000**2, "mb": 1000**2, "mib": MIB, "g": 1000**3, "gb": 1000**3, "gib": 1024 * MIB},
}
_NUMBER = re.compile(r"(\d+)\s*([a-z]*)", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """What a rule may hold. ``rule_bytes`` also bounds each file of an ``explain --corpus``
    folder and a user's pipeline file."""

    rule_bytes: int = MIB  # size of a rule file
    yaml_depth: int = 100  # collections nested in collections
    alias_nodes: int = 10_000  # nodes that YAML aliases add when expanded
    condition_bytes: int = 64 * KIB  # size of one condition, in UTF-8
    condition_depth: int = 64  # parentheses and `not` nested in a condition

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"limit {item.name} must be a positive integer, not {value!r}")


DEFAULT_LIMITS = Limits()
LIMIT_NAMES = tuple(item.name for item in dataclasses.fields(Limits))


def size_text(count: int) -> str:
    """A byte count as the limits are written: '1 MiB', '64 KiB', '1500 bytes'."""
    for unit, size in (("MiB", MIB), ("KiB", KIB)):
        if count >= size and count % size == 0:
            return f"{count // size} {unit}"
    return f"{count} bytes"


def parse_limits(spec: str, base: Limits = DEFAULT_LIMITS) -> Limits:
    """``base`` with the limits a ``name=value,...`` text sets (``rule_bytes=4MiB,
    condition_depth=128``); sizes take k, KiB, M, MiB, G or GiB. ValueError says what is
    wrong."""
    changes: dict[str, int] = {}
    for part in filter(None, (item.strip() for item in spec.split(","))):
        name, equals, value = (piece.strip() for piece in part.partition("="))
        if name not in LIMIT_NAMES:
            raise ValueError(f"unknown limit '{name}' (known: {', '.join(LIMIT_NAMES)})")
        number = _NUMBER.fullmatch(value) if equals else None
        if number is None or number.group(2).lower() not in _UNITS:
            raise ValueError(f"limit {name}: '{value}' is not a number (such as 128 or 4MiB)")
        changes[name] = int(number.group(1)) * _UNITS[number.group(2).lower()]
    return dataclasses.replace(base, **changes)
