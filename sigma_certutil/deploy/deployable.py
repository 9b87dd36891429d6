"""One rule's converted query for one target: what every deployable format is made from."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

from sigma.rule import SigmaRule

from sigma_certutil.attack import KnownAttack, known_attack
from sigma_certutil.conversion.single import convert, rule_origin
from sigma_certutil.errors import DeployError, TargetError
from sigma_certutil.targets import TARGETS, DeployFile, Target, get_target

# Sigma levels: informational, low, medium, high, critical. A rule without a level is
# treated as low, as Kibana's SIEM migrations do (DEFAULT_TRANSLATION_SEVERITY = 'low').
_DEFAULT_LEVEL = "low"

# Rules without an id get a stable one derived from the title.
_ID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "https://github.com/sigma-certutil/rule-id")


@dataclass(frozen=True)
class RuleInfo:
    """What the deployable formats take from a rule besides its query: plain values, which a
    build's worker process sends back with the rule's queries (the main process does not
    read the rule again)."""

    origin: str
    title: str
    id: str | None = None
    level: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    author: str | None = None
    references: tuple[str, ...] = ()
    falsepositives: tuple[str, ...] = ()
    license: str | None = None
    # The Elastic index patterns that hold the rule's events (its channel's, or Sysmon's).
    indices: tuple[str, ...] = ()

    @classmethod
    def of(cls, rule: SigmaRule) -> RuleInfo:
        # Imported here: the deploy formats are read by builds that convert nothing.
        from sigma_certutil.processing.windows_ecs import rule_indices

        return cls(
            origin=rule_origin(rule),
            title=rule.title,
            id=str(rule.id) if rule.id is not None else None,
            level=rule.level.name.lower() if rule.level is not None else None,
            description=rule.description,
            tags=tuple(str(tag) for tag in rule.tags),
            author=rule.author,
            references=tuple(rule.references or ()),
            falsepositives=tuple(rule.falsepositives or ()),
            license=rule.license,
            indices=rule_indices(rule),
        )


@dataclass(frozen=True)
class Deployable:
    """One rule's converted query for one target. ``rule`` is the rule, or what the formats
    take from it (``info``)."""

    rule: SigmaRule | RuleInfo
    target: str
    query: str
    info: RuleInfo = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        get_target(self.target)  # TargetError for an unknown one
        info = self.rule if isinstance(self.rule, RuleInfo) else RuleInfo.of(self.rule)
        object.__setattr__(self, "info", info)

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
            f"{self.info.origin}: {format_id} takes {', '.join(targets_of(format_id))} "
            f"queries, not '{self.target}'"
        )

    @property
    def rule_id(self) -> str:
        """The Sigma id, or for a rule without one a UUID derived from its title."""
        if self.info.id is not None:
            return self.info.id
        return str(uuid.uuid5(_ID_NAMESPACE, self.info.title))

    @property
    def level(self) -> str:
        return self.info.level or _DEFAULT_LEVEL

    @property
    def description(self) -> str:
        return (self.info.description or "").strip() or self.info.title

    @property
    def attack(self) -> KnownAttack:
        """The rule's ATT&CK tags that the bundled table knows (unknown ones are left out of
        every format)."""
        return known_attack(self.info.tags)


def targets_of(format_id: str) -> list[str]:
    """The targets whose rows list the format, sorted."""
    return sorted(t.id for t in TARGETS.values() if any(d.format == format_id for d in t.deploy))


def internal_error(item: Deployable, format_id: str, error: Exception) -> DeployError:
    """The error of one rule that a format's writer failed on unexpectedly."""
    return DeployError(
        item.info.origin, format_id, f"internal error: {type(error).__name__}: {error}"
    )


def check_targets(items: Sequence[Deployable], format_id: str) -> None:
    """TargetError for an item whose target's row does not list the format."""
    for item in items:
        item.deploy_file(format_id)
