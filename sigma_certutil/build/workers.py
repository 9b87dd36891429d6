"""Converting rule files: the converter a build uses, one rule file to its records, and the
pool of worker processes (one per core) that do it for large builds.

Each worker builds its backends once, parses each rule once, applies each pipeline step the
targets share once (conversion/shared.py), and writes the rule's output files itself (through
the build's writer). pySigma is imported here only when a rule is converted.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sigma_certutil.build.layout import query_path
from sigma_certutil.build.records import QueryFile, RuleRecord, Task
from sigma_certutil.build.state import file_hash
from sigma_certutil.build.writer import Writer
from sigma_certutil.errors import CertutilError, ConversionError, NotARuleError, OutputError
from sigma_certutil.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from multiprocessing.pool import Pool

    from sigma.rule import SigmaRule

# A rule to each target's query, or the ConversionError that says why there is none.
RuleConverter = Callable[["SigmaRule"], dict[str, "str | ConversionError"]]


@dataclass(frozen=True)
class Job:
    """What every worker needs: the targets, the user's pipelines, the writer that settles
    the output files, and whether the build deploys (each record then carries what the
    deploy files take from its rule)."""

    targets: tuple[str, ...]
    pipelines: tuple[str, ...]
    writer: Writer
    deploy: bool = False
    limits: Limits = DEFAULT_LIMITS


def converter(targets: tuple[str, ...], pipelines: tuple[str, ...]) -> RuleConverter:
    """Shared steps applied once for all targets; with a user's pipeline that defines
    variables (which every step of a target may read), each target's pipeline on its own
    copy of the rule."""
    from sigma_certutil.processing.registry import user_pipeline

    own = [user_pipeline(p) for p in pipelines]
    if not any(pipeline.vars for pipeline in own):
        from sigma_certutil.conversion.shared import SharedConverter

        return SharedConverter(targets, pipelines).convert
    from sigma_certutil.conversion.single import Converter

    # Each target its own pipeline objects: items report to the pipeline they were last
    # combined into.
    converters = {
        target: Converter(target, [user_pipeline(p) for p in pipelines]) for target in targets
    }

    def convert(rule: SigmaRule) -> dict[str, str | ConversionError]:
        import pickle

        # Unpickling a copy costs less than parsing the rule again.
        parsed = pickle.dumps(rule, protocol=pickle.HIGHEST_PROTOCOL)
        results: dict[str, str | ConversionError] = {}
        for target, one in converters.items():
            try:
                results[target] = one.convert(pickle.loads(parsed), owned=True)
            except ConversionError as error:
                results[target] = error
        return results

    return convert


def convert_rule(task: Task, convert: RuleConverter, job: Job) -> RuleRecord:
    """Convert one rule file to every target and settle its output files (or, for a task
    with the last build's record, read the rule for the deploy files). Whatever goes wrong
    comes back in the record, never raised: an unexpected exception as an internal error."""
    try:
        return _convert_rule(task, convert, job)
    except Exception as error:  # one rule's defect must not stop the build
        return RuleRecord(task.source, "", error=internal_error(task.source, error))


def internal_error(source: str, error: BaseException) -> str:
    return f"{source}: internal error: {type(error).__name__}: {error}"


def _convert_rule(task: Task, convert: RuleConverter, job: Job) -> RuleRecord:
    from sigma_certutil.conditions import recursion_room, rule_condition_depth
    from sigma_certutil.errors import InputError, RuleError
    from sigma_certutil.files import read_input
    from sigma_certutil.rules import decode_rule, rule_document, rule_from_document

    source, stem = task.source, task.stem
    path = Path(source)
    try:
        raw = read_input(source, RuleError, job.limits.rule_bytes)
    except InputError as error:
        return RuleRecord(source, "", error=str(error))
    record = RuleRecord(source, file_hash(raw))
    try:
        text = decode_rule(raw, path)
        document = rule_document(text, path, job.limits)
        rule = rule_from_document(document, text, path, job.limits)
    except NotARuleError as error:  # kept in no manifest: read again by the next build
        return RuleRecord(source, "", not_a_rule=str(error))
    except CertutilError as error:
        record.error = str(error)
        return record
    except Exception as error:  # a rule pySigma's checks miss: the same file, the same error
        record.error = internal_error(source, error)
        return record
    record.rule_id, record.title = str(rule.id or ""), rule.title
    if job.deploy:
        from sigma_certutil.deploy.deployable import RuleInfo

        record.info = RuleInfo.of(rule)
        kept = task.kept
        if kept is not None and kept.rule_hash == record.rule_hash and _read_queries(kept, job):
            kept.info = record.info
            return kept
    try:
        # pySigma's condition parser and backends recurse per nesting level.
        with recursion_room(rule_condition_depth(rule)):
            results = convert(rule)
    except CertutilError as error:
        record.error = str(error)
        return record
    except Exception as error:  # a backend defect on one rule must not stop the build
        record.error = internal_error(source, error)
        return record
    for target, result in results.items():
        if isinstance(result, ConversionError):
            record.refused[target] = str(result)
            continue
        relative, query = query_path(target, stem), result + "\n"
        query_file = QueryFile(relative, file_hash(query.encode()), query)
        try:
            query_file.settled = job.writer.settle(relative, query)
        except OutputError as error:
            # Not kept in the manifest (no hash): the rule is converted again next time.
            return RuleRecord(source, "", record.rule_id, record.title, error=f"{source}: {error}")
        record.queries[target] = query_file
    return record


def _read_queries(record: RuleRecord, job: Job) -> bool:
    """Give a kept record its queries' texts, read from OUT; False when one is not as the
    manifest says any more."""
    from sigma_certutil.errors import InputError, RuleError
    from sigma_certutil.files import read_input

    for query in record.queries.values():
        try:
            data = read_input(os.path.join(job.writer.out_dir, query.path), RuleError, 64 << 20)
            text = data.decode("utf-8")
        except (InputError, UnicodeDecodeError):
            return False
        if file_hash(data) != query.query_hash:
            return False
        query.query = text
    return True


def convert_all(
    work: list[Task],
    job: Job,
    workers: int | None,
    progress: Callable[[int], None] | None,
) -> Generator[RuleRecord, None, None]:
    """Convert the tasks' rule files, in worker processes when there are enough of them, in
    order. Closing the iterator (or an exception in it: Ctrl-C, SIGTERM) stops the workers
    and waits for them (pool.py)."""
    if not work:
        return
    workers = min(workers or os.cpu_count() or 1, max(1, len(work) // 8))
    if workers <= 1:
        convert = converter(job.targets, job.pipelines)
        for task in work:
            yield convert_rule(task, convert, job)
            if progress:
                progress(1)
        return
    from sigma_certutil.build.pool import worker_pool

    # Small chunks: the last one to finish keeps one core busy alone.
    size = max(1, min(8, len(work) // (workers * 8)))
    chunks = [work[i : i + size] for i in range(0, len(work), size)]
    # Built before the workers start: forked workers have it, pySigma loaded, for free.
    _start(job)
    try:
        with worker_pool(workers, _start, (job,)) as pool:
            for records in _results(pool, chunks):
                yield from records
                if progress:
                    progress(len(records))
                chunks = chunks[1:]
        # A worker died (killed, out of memory, a crash in a backend), and the pool would
        # wait for its chunk forever: the rest is converted one rule at a time in a pool of
        # one worker, so that a rule whose conversion kills its worker is known and listed.
        remaining = [task for chunk in chunks for task in chunk]
        while remaining:
            with worker_pool(1, _start, (job,)) as pool:
                for [record] in _results(pool, [[task] for task in remaining]):
                    yield record
                    if progress:
                        progress(1)
                    remaining = remaining[1:]
            if remaining:
                lost, remaining = remaining[0], remaining[1:]
                yield RuleRecord(lost.source, "", error=_died(lost.source))
                if progress:
                    progress(1)
    finally:
        _process.clear()


def _died(source: str) -> str:
    return f"{source}: internal error: the worker process converting it died"


def _results(pool: Pool, chunks: Sequence[Sequence[Task]]) -> Iterator[list[RuleRecord]]:
    """The pool's records for each chunk, in order; stops early when one of its workers
    dies. multiprocessing's Pool replaces a dead worker but not its task, and would wait for it:
    the workers live as long as the pool, so a worker that is gone has died."""
    import multiprocessing

    pending = pool.imap(_chunk, chunks)
    known = _workers(pool)
    for _ in chunks:
        while True:
            try:
                yield pending.next(timeout=0.5)
                break
            except multiprocessing.TimeoutError:
                current = _workers(pool)
                if known - current:
                    _stop_broken(pool)
                    return
                known |= current


def _stop_broken(pool: Pool) -> None:
    """Kill the workers of a pool one of whose workers died: Pool.terminate would wait for a
    queue lock that a worker killed while reading may hold for ever, so the lock is freed
    after them (Pool._worker_handler, _change_notifier, _pool and _inqueue: internals of the
    standard library's pool, stable since Python 3.8)."""
    import contextlib
    from multiprocessing.pool import TERMINATE

    # No replacement workers from here on: the pool's worker handler stops maintaining it.
    handler = getattr(pool, "_worker_handler", None)
    if handler is not None:
        handler._state = TERMINATE
        notifier = getattr(pool, "_change_notifier", None)
        if notifier is not None:
            notifier.put(None)  # wakes the handler, which waits for a change
        handler.join(1)
    for process in list(getattr(pool, "_pool", ())):
        with contextlib.suppress(OSError):
            process.kill()
        process.join(5)
    lock = getattr(getattr(pool, "_inqueue", None), "_rlock", None)
    if lock is not None and not lock.acquire(block=False):
        with contextlib.suppress(ValueError):
            lock.release()
    elif lock is not None:
        lock.release()


def _workers(pool: Pool) -> set[int]:
    """The process ids of the pool's workers (Pool._pool: the one internal of the standard
    library read here)."""
    return {process.pid for process in getattr(pool, "_pool", ()) if process.pid is not None}


@dataclass
class _Process:
    """What a worker process converts with: the job and its converter."""

    job: Job
    convert: RuleConverter


# The one piece of module state in a build. Pool workers run module functions (_start when
# each begins, _chunk per chunk of rules), which find the job and converter here. The main
# process sets it just before the pool starts, so forked workers inherit the converter with
# its backends built and pySigma loaded; workers started otherwise build their own in _start.
# Emptied when the pool is done; empty outside one.
_process: list[_Process] = []


def _start(job: Job) -> None:
    """Make this process ready for ``job``: keep the converter it has when it is for the
    same targets and pipelines."""
    if _process and (_process[0].job.targets, _process[0].job.pipelines) == (
        job.targets,
        job.pipelines,
    ):
        _process[0] = _Process(job, _process[0].convert)
    else:
        _process[:] = [_Process(job, converter(job.targets, job.pipelines))]


def _chunk(chunk: Sequence[Task]) -> list[RuleRecord]:
    process = _process[0]
    return [convert_rule(task, process.convert, process.job) for task in chunk]
