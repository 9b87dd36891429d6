"""What a build knows of each rule file: RuleRecord (its queries per target, refusals, or the
error that stopped it) and QueryFile (one output file and what the build did with it).

Workers send them back to the main process; the plan makes them from the last manifest for
the rules it does not convert again.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sigma_certutil.build.writer import UNCHANGED, Settled


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
