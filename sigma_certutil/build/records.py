"""What a build knows of each rule file: RuleRecord (its queries per target, refusals, or the
error that stopped it) and QueryFile (one output file and what the build did with it).

Workers send them back to the main process; the plan makes them from the last manifest for
the rules it does not convert again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from sigma_certutil.build.writer import UNCHANGED, Settled

if TYPE_CHECKING:
    from sigma_certutil.deploy.deployable import RuleInfo


@dataclass
class QueryFile:
    """One output file of a rule: its path under OUT, hash, and what the build did with it."""

    path: str
    query_hash: str
    query: str | None = None  # the text, when this build converted the rule
    settled: Settled = UNCHANGED


@dataclass
class RuleRecord:
    """What one rule file gave: its queries per target, refusals, or the error that stopped it."""

    source: str
    rule_hash: str
    rule_id: str = ""
    title: str = ""
    queries: dict[str, QueryFile] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    # Why the file is no rule at all (NotARuleError): skipped, or with ``strict`` an error.
    not_a_rule: str | None = None
    # What the deploy files take from the rule, when the build deploys.
    info: RuleInfo | None = None


class Task(NamedTuple):
    """A rule file for a worker: its output name, and the last build's record of it when
    that still holds and the worker only reads the rule and its queries for the deploy files
    (a file changed since the plan looked is converted again)."""

    source: str
    stem: str
    kept: RuleRecord | None = None
