"""The build state, OUT/.sigma-certutil/state.json, and the no-change shortcut it allows.

The state remembers the last build's options, each rule and output file's status (size,
mtime, ctime, inode, as git's index keeps it) when that build left it, and what the build
reported. A rebuild reads no file whose status is unchanged, and one that finds every file
as the state says answers from it without planning anything (``BuildState.untouched``). It
is only a cache: without it (a fresh clone) the content hashes decide, and a state that
cannot be read, or is of another format, counts as none.

Also the file status and content hash the build compares files by.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sigma_certutil.build.layout import MANIFEST, STATE
from sigma_certutil.build.options import BuildOptions

if TYPE_CHECKING:
    from sigma_certutil.build.records import RuleRecord
    from sigma_certutil.build.writer import Writer

# Raised when the state's layout changes: a state of another format is ignored.
_STATE_FORMAT = 4

# A file's status as git's index keeps it: size, mtime, ctime, inode.
Status = list[int]


def file_status(path: str | Path) -> Status | None:
    """A file's status, or None when it cannot be had (no such file)."""
    try:
        st = os.stat(path)
    except (OSError, ValueError):  # ValueError: a NUL in a path the state or manifest names
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def file_hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Summary:
    """What a build reported: how many query files, its errors and skips."""

    outputs: int
    errors: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    not_rules: tuple[str, ...] = ()  # YAML files that are no rules, each "file: why"


@dataclass(frozen=True)
class BuildState:
    """The last build's options, rule and output file statuses and summary (all empty when
    there is no usable state)."""

    options: BuildOptions | None = None
    rules: Mapping[str, Status] = field(default_factory=dict)
    files: Mapping[str, Status] = field(default_factory=dict)
    summary: Summary | None = None
    # OUT's and its target folders' statuses: a file added or removed there (a temporary
    # file an interrupted build left, a query file no manifest lists) changes them.
    folders: Mapping[str, Status | None] = field(default_factory=dict)

    @classmethod
    def read(cls, out_dir: Path) -> BuildState:
        from sigma_certutil.errors import InputError
        from sigma_certutil.files import read_input

        try:  # only a cache: anything but a regular file of ours is ignored, never waited on
            data = json.loads(read_input(out_dir / STATE, InputError, 256 << 20, "state size"))
        except (InputError, ValueError):
            return cls()
        if not isinstance(data, dict) or data.get("format") != _STATE_FORMAT:
            return cls()
        try:
            rules, files, summary = data["rules"], data["files"], data["summary"]
            folders = data["folders"]
            if not all(isinstance(found, dict) for found in (rules, files, folders)):
                return cls()
            outputs, errors, skipped = summary["outputs"], summary["errors"], summary["skipped"]
            if not (
                isinstance(outputs, int) and isinstance(errors, list) and isinstance(skipped, list)
            ):
                return cls()
            options = BuildOptions.from_json(data["options"], out_dir)
        except (KeyError, TypeError, ValueError, AttributeError):
            return cls()
        not_rules = summary.get("not_rules", [])
        if not isinstance(not_rules, list):
            return cls()
        summary = Summary(outputs, tuple(errors), tuple(skipped), tuple(not_rules))
        return cls(options, rules, files, summary, folders)

    @classmethod
    def after(
        cls,
        options: BuildOptions,
        files: Sequence[str],
        statuses: Mapping[str, Status],
        records: Sequence[RuleRecord],
        summary: Summary,
    ) -> BuildState:
        """The state a build leaves: its settled rule files' statuses as it read them, and
        its output files' and the manifest's as it left them."""
        outputs = {
            query.path: query.settled.stat
            for record in records
            for query in record.queries.values()
            if query.settled.stat
        }
        manifest = file_status(options.out / MANIFEST)
        if manifest is not None:
            outputs[MANIFEST] = manifest
        # A rule whose error is not kept (a file not read, an output not written) is not
        # settled: its file status is left out, so that the next build tries it again.
        unsettled = {r.source for r in records if r.error is not None and not r.rule_hash}
        rules = {s: statuses[s] for s in files if s in statuses and s not in unsettled}
        return cls(options, rules, outputs, summary, _folders(options))

    def untouched(self, options: BuildOptions, files: Sequence[str]) -> bool:
        """Whether nothing the last build read or wrote has changed since: the same options
        and versions, the same rule files with the status it saw, and every output and the
        manifest with the status it left them."""
        if self.summary is None or self.options != options:
            return False
        if len(self.rules) != len(files) or any(file_status(s) != self.rules.get(s) for s in files):
            return False
        if self.summary.outputs + 1 != len(self.files) or self.folders != _folders(options):
            return False
        root = str(options.out)
        return all(file_status(os.path.join(root, path)) == st for path, st in self.files.items())

    def save(self, writer: Writer, previous: BuildState) -> None:
        """Keep this state for the next build, unless it is the one already kept."""
        if self == previous or self.options is None or self.summary is None:
            return
        state: dict[str, Any] = {
            "format": _STATE_FORMAT,
            "options": self.options.to_json(),
            "rules": self.rules,
            "files": self.files,
            "folders": self.folders,
            "summary": {
                "outputs": self.summary.outputs,
                "errors": list(self.summary.errors),
                "skipped": list(self.summary.skipped),
                "not_rules": list(self.summary.not_rules),
            },
        }
        folder = STATE.parent
        texts = {STATE.name: json.dumps(state, separators=(",", ":"))}
        if not (self.options.out / folder / ".gitignore").exists():
            texts = {".gitignore": "# Local build state, not part of the output.\n*\n", **texts}
        writer.write_cache(folder, texts)


def _folders(options: BuildOptions) -> dict[str, Status | None]:
    """The statuses of OUT ('.') and of the build's target folders."""
    root = str(options.out)
    return {".": file_status(root)} | {
        t: file_status(os.path.join(root, t)) for t in options.targets
    }
