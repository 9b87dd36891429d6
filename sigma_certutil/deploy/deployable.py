"""One rule's converted query for one target: what every deployable format is made from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sigma.rule import SigmaRule

from sigma_certutil.attack import KnownAttack, known_attack
from sigma_certutil.conversion.single import convert, rule_origin
from sigma_certutil.errors import TargetError
from sigma_certutil.targets import TARGETS, DeployFile, Target, get_target

# Sigma levels: informational, low, medium, high, critical. A rule without a level is
# treated as low, as Kibana's SIEM migrations do (DEFAULT_TRANSLATION_SEVERITY = 'low').
_DEFAULT_LEVEL = "low"

# Rules without an id get a stable one derived from the title.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/sigma-certutil/rule-id")


@dataclass(frozen=True)
class Deployable:
    """One rule's converted query for one target."""

    rule: SigmaRule
    target: str
    query: str

    def __post_init__(self) -> None:
        get_target(self.target)  # TargetError for an unknown one

    @classmethod
    def from_rule(cls, rule: SigmaRule, target: str) -> Deployable:
        """Convert ``rule`` for ``target`` (ConversionError when it cannot)."""
        return cls(rule, target, convert(rule, target))

    @property
    def spec(self) -> Target:
        return get_target(self.target)

    def deploy_file(self, format_id: str) -> DeployFile:
        """The target row's entry for a format (TargetError when it lists none)."""
        for entry in self.spec.deploy:
            if entry.format == format_id:
                return entry
        raise TargetError(
            f"{rule_origin(self.rule)}: {format_id} takes {', '.join(targets_of(format_id))} "
            f"queries, not '{self.target}'"
        )

    @property
    def rule_id(self) -> str:
        """The Sigma id, or for a rule without one a UUID derived from its title."""
        if self.rule.id is not None:
            return str(self.rule.id)
        return str(uuid.uuid5(_ID_NAMESPACE, self.rule.title))

    @property
    def level(self) -> str:
        return self.rule.level.name.lower() if self.rule.level is not None else _DEFAULT_LEVEL

    @property
    def description(self) -> str:
        return (self.rule.description or "").strip() or self.rule.title

    @property
    def attack(self) -> KnownAttack:
        """The rule's ATT&CK tags that the bundled table knows (unknown ones are left out of
        every format)."""
        return known_attack(str(tag) for tag in self.rule.tags)


def targets_of(format_id: str) -> list[str]:
    """The targets whose rows list the format, sorted."""
    return sorted(t.id for t in TARGETS.values() if any(d.format == format_id for d in t.deploy))


def check_targets(items: Sequence[Deployable], format_id: str) -> None:
    """TargetError for an item whose target's row does not list the format."""
    for item in items:
        item.deploy_file(format_id)
