"""Build a folder of rules into one query file per rule and target, with a manifest.

Layout: ``OUT/<target>/<rule-file-stem>.<ext>`` and ``OUT/manifest.json``. A rule converts to
one query per target (a rule that would yield several fails and is listed). Unchanged outputs
are not rewritten; outputs of rules that are gone are removed; every file is written to a
temporary name and renamed.

Speed, for folders of thousands of rules rebuilt on every commit:

- A rule whose file is unchanged (same content hash, and pipelines and versions as the
  manifest records) is not converted again, and its outputs are not rewritten (plan.py).
- ``OUT/.sigma-certutil/state.json`` remembers each rule's and output's file status (size,
  mtime, ctime, inode), as git's index does, so a rebuild reads no file whose status is
  unchanged. Without it (a fresh clone) the hashes decide; the folder ignores itself in git.
- A rebuild that finds every rule and output file with the status it left them answers from
  the manifest without planning anything, and without importing pySigma (state.py).
- Conversions run in one worker process per core, which build their backends once, parse
  each rule once, apply each pipeline step the targets share once (conversion/shared.py), and
  write their own output files (workers.py).

Robustness: one rule's failure is listed against it and never stops the build (workers.py);
one build at a time per OUT (lock.py); the manifest is checked to name only files this
package writes before any is read or removed (manifest.py); an interrupted build stops its
workers and removes its temporary files, and the next one removes what a killed build left
and the query files no manifest lists (pool.py, sweep.py).

The modules: layout (where files go), options (BuildOptions), manifest (Manifest), state (the
build state and the no-change shortcut), plan (what to convert again), workers (conversion),
pool (the worker processes), writer (Writer, CheckWriter), deployables (OUT/deploy/), lock
(OUT's lock), sweep (what no manifest lists).
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from sigma_certutil.build.layout import MANIFEST, rule_files, safe_stem, stem_of, stems
from sigma_certutil.build.lock import locked
from sigma_certutil.build.manifest import Failure, Manifest, Output, Refusal, read_manifest
from sigma_certutil.build.options import BuildOptions
from sigma_certutil.build.state import BuildState, Summary
from sigma_certutil.build.sweep import temporaries, unlisted
from sigma_certutil.errors import CertutilError, PipelineError, UsageError
from sigma_certutil.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from sigma_certutil.build.records import RuleRecord
    from sigma_certutil.build.writer import Writer

__all__ = [
    "BuildOptions",
    "BuildResult",
    "Manifest",
    "Output",
    "build",
    "read_manifest",
    "rule_files",
    "safe_stem",
    "terminal_progress",
]


@dataclass
class BuildResult:
    """What a build did: the files it wrote (or, checking, how they differ), left unchanged
    and removed, its errors and skipped refusals, and the query files it lists."""

    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
    # YAML files that are no rules ("file: why"), skipped (with ``strict`` they are errors).
    not_rules: list[str] = field(default_factory=list)
    # The outputs, or, after a build that found nothing to do, the manifest that lists them
    # (read when `outputs` is first asked for) and how many there are.
    _outputs: list[Output] | None = field(default_factory=list, repr=False)
    _manifest: Path | None = field(default=None, repr=False)
    _count: int = field(default=0, repr=False)

    @property
    def outputs(self) -> list[Output]:
        """Every query file, as the manifest lists it."""
        if self._outputs is None:
            assert self._manifest is not None
            self._outputs = list(Manifest.read(self._manifest.parent).outputs)
        return self._outputs

    @property
    def query_count(self) -> int:
        return self._count if self._outputs is None else len(self._outputs)

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def build(
    sources: Sequence[str | Path],
    out: str | Path,
    targets: Sequence[str] | None = None,
    pipelines: Sequence[str | Path] = (),
    *,
    allow_unsupported: bool = False,
    check: bool = False,
    deploy: bool = False,
    workers: int | None = None,
    progress: Callable[[int, int], None] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    exclude: Sequence[str] = (),
    strict: bool = False,
) -> BuildResult:
    """Build (or, with ``check``, compare without writing) every rule under ``sources``, each
    read within ``limits``; ``exclude`` globs leave files and folders out, and ``strict``
    makes a YAML file that is no rule an error rather than a skip."""
    if workers is not None and workers < 1:
        raise UsageError(f"workers: at least 1, not {workers}")
    for pipeline in pipelines:
        _check_pipeline(pipeline)  # a broken pipeline file fails the build before any work
    options = BuildOptions.create(
        sources,
        out,
        targets,
        pipelines,
        allow_unsupported=allow_unsupported,
        deploy=deploy,
        limits=limits,
        exclude=exclude,
        strict=strict,
    )
    files = rule_files(sources, options.exclude)
    with locked(options.out, write=not check):
        state = BuildState.read(options.out)
        if not options.deploy and state.summary is not None and state.untouched(options, files):
            if progress:
                progress(len(files), len(files))
            return _as_built(state.summary, options.out)
        # Imported only by a build with something to do: a no-change rebuild starts sooner.
        from sigma_certutil.build.writer import CheckWriter, Writer

        writer = CheckWriter(options.out) if check else Writer(options.out)
        try:
            return _build(options, files, state, writer, workers, progress)
        except BaseException:  # interrupted (or failed): no temporary file of this build stays
            if not check:
                with contextlib.suppress(CertutilError):
                    writer.clean(temporaries(options.out, {os.getpid()}))
            raise


def _build(
    options: BuildOptions,
    files: list[str],
    state: BuildState,
    writer: Writer,
    workers: int | None,
    progress: Callable[[int, int], None] | None,
) -> BuildResult:
    from sigma_certutil.build.plan import plan, previous_records
    from sigma_certutil.build.records import Task
    from sigma_certutil.build.workers import Job, convert_all
    from sigma_certutil.build.writer import UNLISTED

    out_dir = options.out
    writer.clean(temporaries(out_dir))  # what an interrupted build left
    last = Manifest.read(out_dir) if (out_dir / MANIFEST).exists() else None
    stems_ = stems(files, {o.source: stem_of(o.path) for o in last.outputs} if last else None)
    planned = plan(files, stems_, out_dir, previous_records(last, options), state)
    writer.prepare(options.targets)
    done = len(planned.kept)

    def step(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, len(files))

    records = {record.source: record for record in planned.kept}
    work = planned.work
    if options.deploy:  # the workers read each kept rule for the deploy files
        work = work + [Task(r.source, stems_[r.source], r) for r in planned.kept if not r.error]
        done -= len(work) - len(planned.work)
    job = Job(options.targets, options.pipelines, writer, options.deploy, options.limits)
    # Closed however the loop ends: no worker runs on once the build stops.
    converted = convert_all(work, job, workers, step if progress else None)
    with contextlib.closing(converted):
        for record in converted:
            records[record.source] = record
    if progress and not work:
        progress(len(files), len(files))
    ordered = [records[source] for source in files if source in records]
    outputs, errors, skipped = _collect(ordered, options.allow_unsupported, writer)
    not_rules = [r.not_a_rule for r in ordered if r.not_a_rule is not None]
    if options.strict:
        errors.extend(not_rules)
        not_rules = []

    expected = {query.path for record in ordered for query in record.queries.values()}
    deploy_files: dict[str, str] = {}
    if options.deploy:
        from sigma_certutil.build.deployables import deploy_texts

        deploy_files, deploy_errors = deploy_texts(outputs, records)
        errors.extend(deploy_errors)
    for relative, text in deploy_files.items():
        writer.write(relative, text)
    expected.update(deploy_files)
    manifest = Manifest(
        options, tuple(outputs), *_refused_and_failed(ordered), tuple(sorted(deploy_files))
    )
    writer.write(MANIFEST, manifest.text())
    expected.add(MANIFEST)
    listed = last.paths() if last is not None else set()
    writer.remove(sorted(listed - expected))
    writer.remove(unlisted(out_dir, options.targets, expected | listed), UNLISTED)
    summary = Summary(len(outputs), tuple(errors), tuple(skipped), tuple(not_rules))
    BuildState.after(options, files, planned.statuses, ordered, summary).save(writer, state)
    return BuildResult(
        written=writer.written,
        unchanged=writer.unchanged,
        removed=writer.removed,
        errors=errors,
        skipped=skipped,
        diffs=writer.diffs,
        not_rules=not_rules,
        _outputs=outputs,
    )


def _check_pipeline(pipeline: str | Path) -> None:
    """PipelineError for a pipeline file that is not a .yml or .yaml file (``check`` reads
    no other) or does not load."""
    from sigma_certutil.processing.registry import user_pipeline

    if not str(pipeline).endswith((".yml", ".yaml")):
        raise PipelineError("not a .yml or .yaml file", pipeline)
    try:
        user_pipeline(pipeline)
    except CertutilError:
        raise
    except Exception as error:  # a YAML document pySigma does not expect
        raise PipelineError(
            f"invalid pipeline: {type(error).__name__}: {error}", pipeline
        ) from error


def _as_built(summary: Summary, out_dir: Path) -> BuildResult:
    """The result of a build that finds everything as the last one left it: its errors and
    skips from the state, its outputs from the manifest when asked for."""
    return BuildResult(
        unchanged=summary.outputs + 1,
        errors=list(summary.errors),
        skipped=list(summary.skipped),
        not_rules=list(summary.not_rules),
        _outputs=None,
        _manifest=out_dir / MANIFEST,
        _count=summary.outputs,
    )


def _collect(
    records: Sequence[RuleRecord], allow_unsupported: bool, writer: Writer
) -> tuple[list[Output], list[str], list[str]]:
    """The outputs, errors and skips of every rule's record; the writer notes what became of
    each query file."""
    outputs: list[Output] = []
    errors: list[str] = []
    skipped: list[str] = []
    for record in records:
        if record.error is not None:
            errors.append(record.error)
            continue
        for message in record.refused.values():
            (skipped if allow_unsupported else errors).append(message)
        for target, query in record.queries.items():
            outputs.append(
                Output(
                    record.rule_id, record.title, record.source, record.rule_hash, target,
                    query.path, query.query_hash,
                )
            )  # fmt: skip
            writer.note(query.path, query.settled)
    return outputs, errors, skipped


def _refused_and_failed(
    records: Sequence[RuleRecord],
) -> tuple[tuple[Refusal, ...], tuple[Failure, ...]]:
    """The manifest's refusals, and its failures: the rules that did not load, but were read
    (a file that could not be read is read again next time)."""
    refused = tuple(
        Refusal(r.source, r.rule_id, r.title, r.rule_hash, target, message)
        for r in records
        if r.error is None
        for target, message in r.refused.items()
    )
    failed = tuple(
        Failure(r.source, r.rule_hash, r.error)
        for r in records
        if r.error is not None and r.rule_hash
    )
    return refused, failed


def terminal_progress(done: int, total: int) -> None:
    """A one-line progress bar on stderr."""
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rules")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
