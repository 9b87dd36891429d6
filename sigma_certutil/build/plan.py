"""What a build converts: the last build's record of each rule file (from its manifest, when
it converted with the same versions and targets), and which of those still hold.

A record holds when its rule file is unchanged (by file status when the state knows it, else
by content hash) and its output files are where this build puts them and hold what the
manifest says; a rule that did not load holds while its file is unchanged. Every other rule
file is converted again.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sigma_certutil.build.layout import query_path
from sigma_certutil.build.manifest import Manifest
from sigma_certutil.build.options import BuildOptions
from sigma_certutil.build.records import QueryFile, RuleRecord, Task
from sigma_certutil.build.state import BuildState, Status, file_hash, file_status
from sigma_certutil.build.writer import Settled
from sigma_certutil.errors import InputError, RuleError
from sigma_certutil.files import read_input

# Only to compare with the hashes the manifest keeps: the workers read a changed rule again,
# within the build's limits. The bounds only keep a file that never ends from being read.
_RULE_BYTES = _QUERY_BYTES = 64 << 20


@dataclass
class Plan:
    """The records kept, the rule files to convert, and the status of each rule file as the
    plan saw it."""

    kept: list[RuleRecord] = field(default_factory=list)
    work: list[Task] = field(default_factory=list)
    statuses: dict[str, Status] = field(default_factory=dict)


def previous_records(manifest: Manifest | None, options: BuildOptions) -> dict[str, RuleRecord]:
    """What the last build produced per rule file, when it converted as this one does."""
    if manifest is None or not manifest.options.converts_as(options):
        return {}
    rules: dict[str, RuleRecord] = {}
    for output in manifest.outputs:
        record = rules.setdefault(
            output.source,
            RuleRecord(output.source, output.rule_hash, output.rule_id, output.title),
        )
        record.queries[output.target] = QueryFile(output.path, output.query_hash)
    for refusal in manifest.refused:
        record = rules.setdefault(
            refusal.source,
            RuleRecord(refusal.source, refusal.rule_hash, refusal.rule_id, refusal.title),
        )
        record.refused[refusal.target] = refusal.message
    for failure in manifest.failed:  # rules that did not load: same file, same error
        rules[failure.source] = RuleRecord(failure.source, failure.rule_hash, error=failure.message)
    return rules


def plan(
    files: list[str],
    stems: Mapping[str, str],
    out_dir: Path,
    previous: Mapping[str, RuleRecord],
    state: BuildState,
) -> Plan:
    """Which rules the last build already settled, which to convert, and each file's status."""
    found = Plan()
    for source in files:
        status = file_status(source)
        record = previous.get(source)
        if status is not None:
            found.statuses[source] = status
        if record is None or status is None:
            found.work.append(Task(source, stems[source]))
            continue
        if status != state.rules.get(source):
            # Through the safe reader: a rule file replaced by a FIFO must not block the plan.
            try:
                raw = read_input(source, RuleError, _RULE_BYTES)
                same = file_hash(raw) == record.rule_hash
            except InputError:
                same = False
            if not same:
                found.work.append(Task(source, stems[source]))
                continue
        if record.error is not None or _intact(record, stems[source], str(out_dir), state.files):
            found.kept.append(record)
        else:
            found.work.append(Task(source, stems[source]))
    return found


def _intact(record: RuleRecord, stem: str, out_dir: str, known: Mapping[str, Status]) -> bool:
    """A reused rule's output files are where this build puts them and hold what the manifest
    says (by file status when the state knows it, else by content hash)."""
    for target, query in record.queries.items():
        if query.path != query_path(target, stem):
            return False
        path = os.path.join(out_dir, query.path)
        status = file_status(path)
        if status is None:
            return False
        if status != known.get(query.path):
            try:
                if file_hash(read_input(path, RuleError, _QUERY_BYTES)) != query.query_hash:
                    return False
            except InputError:
                return False
        query.settled = Settled("unchanged", status)
    return True
