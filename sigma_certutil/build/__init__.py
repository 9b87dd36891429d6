"""Build a folder of rules into one query file per rule and target, with a manifest.

Layout: ``OUT/<target>/<rule-file-stem>.<ext>`` and ``OUT/manifest.json``. A rule converts to
one query per target (a rule that would yield several fails and is listed). Unchanged outputs
are not rewritten; outputs of rules that are gone are removed; every file is written to a
temporary name and renamed.

Speed, for folders of thousands of rules rebuilt on every commit:

- A rule whose file is unchanged (same content hash, and pipelines and versions as the
  manifest records) is not converted again, and its outputs are not rewritten.
- ``OUT/.sigma-certutil/state.json`` remembers each rule's and output's file status (size,
  mtime, ctime, inode), as git's index does, so a rebuild reads no file whose status is
  unchanged. Without it (a fresh clone) the hashes decide; the folder ignores itself in git.
- A rebuild that finds every rule and output file with the status it left them answers from
  the manifest without planning anything.
- Conversions run in one worker process per core, which build their backends once, parse
  each rule once, apply each pipeline step the targets share once (shared_steps.py), and
  write their own output files.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from sigma_certutil.errors import CertutilError, ConversionError, OutputError, RuleError
from sigma_certutil.output import write_atomic
from sigma_certutil.targets import TARGETS
from sigma_certutil.versions import build_versions

if TYPE_CHECKING:
    from sigma.rule import SigmaRule

MANIFEST = "manifest.json"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")
STATE = Path(".sigma-certutil") / "state.json"
_STATE_FORMAT = 2

# A file's status as git's index keeps it: size, mtime, ctime, inode.
Status = list[int]


class Output(NamedTuple):
    """One query file, as the manifest lists it."""

    rule_id: str
    title: str
    source: str
    rule_hash: str
    target: str
    path: str
    query_hash: str


@dataclass
class BuildResult:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)
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
            entries = read_manifest(self._manifest.parent)["outputs"]
            self._outputs = [Output(**entry) for entry in entries]
        return self._outputs

    @property
    def query_count(self) -> int:
        return self._count if self._outputs is None else len(self._outputs)

    @property
    def failed(self) -> bool:
        return bool(self.errors)


@dataclass
class _Query:
    """One output file of a rule: its path under OUT, hash, and what the build did with it."""

    path: str
    query_hash: str
    query: str | None = None  # the text, when this build converted the rule
    status: str = "unchanged"  # unchanged | written | differs
    current: str | None = None  # the file's text, when it differs (check)
    stat: Status | None = None


@dataclass
class _Rule:
    """What one rule file gave: its queries per target, refusals, or the error that stopped it."""

    source: str
    rule_hash: str
    rule_id: str = ""
    title: str = ""
    queries: dict[str, _Query] = field(default_factory=dict)
    refused: dict[str, str] = field(default_factory=dict)
    error: str | None = None


@dataclass(frozen=True)
class _Job:
    """What every worker needs: the targets, the user's pipelines, where to write."""

    targets: tuple[str, ...]
    pipelines: tuple[str, ...]
    out_dir: str
    check: bool
    # Targets whose folder this build created: no file there to compare with.
    new_folders: frozenset[str] = frozenset()


def rule_files(sources: Sequence[str | Path]) -> list[str]:
    """Every rule file under the given folders (recursively) and files, sorted."""
    found: set[str] = set()
    for source in map(str, sources):
        if os.path.isdir(source):
            for folder, _, names in os.walk(source):
                found.update(
                    os.path.join(folder, name) for name in names if name.endswith((".yml", ".yaml"))
                )
        elif os.path.exists(source):
            found.add(source)
        else:
            raise RuleError("no such file or folder", Path(source))
    return sorted(found)


def safe_stem(path: str | Path) -> str:
    """A file name made only of letters, digits, '.', '_' and '-', never starting with '.'."""
    name = os.path.basename(path)
    stem = name[: name.rfind(".")] if name.rfind(".") > 0 else name
    stem = _UNSAFE.sub("_", stem).lstrip(".") or "rule"
    return stem[:120]


def _stems(files: Sequence[str]) -> dict[str, str]:
    """Each rule file's output name; of two files with one name, the later one (in sorted
    order) gets a suffix from its path."""
    stems: dict[str, str] = {}
    taken: set[str] = set()
    for source in files:
        stem = safe_stem(source)
        if stem in taken:
            stem = f"{stem}-{hashlib.sha256(source.encode()).hexdigest()[:8]}"
        taken.add(stem)
        stems[source] = stem
    return stems


def _status(path: str | Path) -> Status | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _hash(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# Worker side ------------------------------------------------------------------------------

# A rule to each target's query, or the ConversionError that says why there is none.
RuleConverter = Callable[["SigmaRule"], dict[str, "str | ConversionError"]]

# The converter of the build's worker processes: one backend and pipeline per target serve
# every rule a process converts. Set while a build's pool runs (forked workers inherit it;
# others build their own in _start_worker), empty otherwise.
_worker: list[tuple[RuleConverter, _Job]] = []


def _converter(job: _Job) -> RuleConverter:
    """Shared steps applied once for all targets; with a user's pipeline that defines
    variables (which every step of a target may read), each target's pipeline on its own
    copy of the rule."""
    from sigma_certutil.processing.registry import user_pipeline

    own = [user_pipeline(p) for p in job.pipelines]
    if not any(pipeline.vars for pipeline in own):
        from sigma_certutil.conversion.shared import SharedConverter

        return SharedConverter(job.targets, job.pipelines).convert
    from sigma_certutil.conversion.single import Converter

    # Each target its own pipeline objects: items report to the pipeline they were last
    # combined into.
    converters = {
        target: Converter(target, [user_pipeline(p) for p in job.pipelines])
        for target in job.targets
    }

    def convert(rule: SigmaRule) -> dict[str, str | ConversionError]:
        import pickle

        # Unpickling a copy costs less than parsing the rule again.
        parsed = pickle.dumps(rule, protocol=pickle.HIGHEST_PROTOCOL)
        results: dict[str, str | ConversionError] = {}
        for target, converter in converters.items():
            try:
                results[target] = converter.convert(pickle.loads(parsed), owned=True)
            except ConversionError as error:
                results[target] = error
        return results

    return convert


def _start_worker(job: _Job) -> None:
    if not _worker or _worker[0][1] != job:
        _worker[:] = [(_converter(job), job)]


def _worker_chunk(chunk: Sequence[tuple[str, str]]) -> list[_Rule]:
    convert, job = _worker[0]
    return [_convert_rule(source, stem, convert, job) for source, stem in chunk]


def _convert_rule(source: str, stem: str, convert: RuleConverter, job: _Job) -> _Rule:
    """Convert one rule file to every target and settle its output files. Errors come back in
    the record, never raised."""
    from sigma_certutil.rules import rule_document, rule_from_document

    path = Path(source)
    try:
        raw = path.read_bytes()
    except OSError as error:
        return _Rule(source, "", error=f"{source}: cannot read: {error.strerror}")
    record = _Rule(source, _hash(raw))
    try:
        text = raw.decode("utf-8")
        rule = rule_from_document(rule_document(text, path), text, path)
    except UnicodeDecodeError:
        record.error = f"{source}: not a text file (invalid UTF-8)"
        return record
    except CertutilError as error:
        record.error = str(error)
        return record
    record.rule_id, record.title = str(rule.id or ""), rule.title
    try:
        results = convert(rule)
    except CertutilError as error:
        record.error = str(error)
        return record
    except Exception as error:  # a backend defect on one rule must not stop the build
        record.error = f"{source}: internal error: {type(error).__name__}: {error}"
        return record
    for target, result in results.items():
        if isinstance(result, ConversionError):
            record.refused[target] = str(result)
        else:
            relative = f"{target}/{stem}.{TARGETS[target].extension}"
            record.queries[target] = _settle(job, target, relative, result + "\n")
    return record


def _settle(job: _Job, target: str, relative: str, text: str) -> _Query:
    """Compare a query file with what is on disk; write it unless it is the same (or only
    report the difference, in check mode)."""
    path = os.path.join(job.out_dir, relative)
    current: str | None = None
    if target not in job.new_folders:
        try:
            with open(path, encoding="utf-8") as handle:
                current = handle.read()
        except (OSError, UnicodeDecodeError):
            pass
    result = _Query(relative, _hash(text.encode()), query=text)
    if current == text:
        result.stat = _status(path)
    elif job.check:
        result.status, result.current = "differs", current
    else:
        write_atomic(path, text)
        result.status, result.stat = "written", _status(path)
    return result


# Main side --------------------------------------------------------------------------------


def _previous(
    manifest: dict[str, Any], versions: dict[str, str], targets: list[str]
) -> dict[str, _Rule]:
    """What the last build produced per rule file, from its manifest, when it was made by the
    same versions, pipelines and targets."""
    if (manifest.get("versions"), manifest.get("targets")) != (versions, targets):
        return {}
    rules: dict[str, _Rule] = {}
    for entry in manifest.get("outputs", []):
        record = rules.setdefault(
            entry["source"],
            _Rule(entry["source"], entry["rule_hash"], entry["rule_id"], entry["title"]),
        )
        record.queries[entry["target"]] = _Query(entry["path"], entry["query_hash"])
    for entry in manifest.get("refused", []):
        record = rules.setdefault(
            entry["source"],
            _Rule(entry["source"], entry["rule_hash"], entry["rule_id"], entry["title"]),
        )
        record.refused[entry["target"]] = entry["message"]
    for entry in manifest.get("failed", []):  # rules that did not load: same file, same error
        rules[entry["source"]] = _Rule(entry["source"], entry["rule_hash"], error=entry["message"])
    return rules


def _read_state(out_dir: Path) -> dict[str, Any]:
    try:
        state: dict[str, Any] = json.loads((out_dir / STATE).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return state if state.get("format") == _STATE_FORMAT else {}


def _intact(record: _Rule, stem: str, out_dir: str, known: dict[str, list[int]]) -> bool:
    """A reused rule's output files are where this build puts them and hold what the manifest
    says (by file status when the state knows it, else by content hash)."""
    for target, query in record.queries.items():
        if query.path != f"{target}/{stem}.{TARGETS[target].extension}":
            return False
        path = os.path.join(out_dir, query.path)
        status = _status(path)
        if status is None:
            return False
        if status != known.get(query.path):
            try:
                with open(path, "rb") as handle:
                    if _hash(handle.read()) != query.query_hash:
                        return False
            except OSError:
                return False
        query.stat = status
    return True


def _plan(
    files: list[str],
    stems: dict[str, str],
    out_dir: Path,
    previous: dict[str, _Rule],
    state: dict[str, Any],
) -> tuple[list[_Rule], list[tuple[str, str]], dict[str, Status]]:
    """Which rules the last build already settled, which to convert, and each file's status."""
    known_rules: dict[str, list[int]] = state.get("rules", {})
    known_files: dict[str, list[int]] = state.get("files", {})
    kept: list[_Rule] = []
    work: list[tuple[str, str]] = []
    statuses: dict[str, Status] = {}
    for source in files:
        status = _status(source)
        record = previous.get(source)
        if status is not None:
            statuses[source] = status
        if record is None or status is None:
            work.append((source, stems[source]))
            continue
        if status != known_rules.get(source):
            try:
                with open(source, "rb") as handle:
                    same = _hash(handle.read()) == record.rule_hash
                if not same:
                    work.append((source, stems[source]))
                    continue
            except OSError:
                work.append((source, stems[source]))
                continue
        if record.error is not None or _intact(record, stems[source], str(out_dir), known_files):
            kept.append(record)
        else:
            work.append((source, stems[source]))
    return kept, work, statuses


def _convert(
    work: list[tuple[str, str]],
    job: _Job,
    workers: int | None,
    progress: Callable[[int], None] | None,
) -> Iterator[_Rule]:
    """Convert the rules, in worker processes when there are enough of them."""
    if not work:
        return
    workers = min(workers or os.cpu_count() or 1, max(1, len(work) // 8))
    if workers <= 1:
        convert = _converter(job)
        for source, stem in work:
            yield _convert_rule(source, stem, convert, job)
            if progress:
                progress(1)
        return
    import multiprocessing

    # Small chunks: the last one to finish keeps one core busy alone.
    size = max(1, min(8, len(work) // (workers * 8)))
    chunks = [work[i : i + size] for i in range(0, len(work), size)]
    # Built before the workers start: forked workers have it, pySigma loaded, for free.
    _start_worker(job)
    try:
        with multiprocessing.Pool(workers, _start_worker, (job,)) as pool:
            for records in pool.imap(_worker_chunk, chunks):
                yield from records
                if progress:
                    progress(len(records))
    finally:
        _worker.clear()


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
) -> BuildResult:
    """Build (or, with ``check``, compare without writing) every rule under ``sources``."""
    out_dir = Path(out)
    target_ids = list(targets or TARGETS)
    if pipelines:
        from sigma_certutil.processing.registry import user_pipeline

        for pipeline in pipelines:
            user_pipeline(pipeline)  # a broken pipeline file fails the build before any work
    versions = build_versions(target_ids, pipelines)
    options = [versions, [str(p) for p in sources], [str(p) for p in pipelines], target_ids,
               allow_unsupported, deploy]  # fmt: skip
    files = rule_files(sources)
    if not deploy:
        untouched = _untouched(out_dir, options, files)
        if untouched is not None:
            if progress:
                progress(len(files), len(files))
            return _as_built(untouched, out_dir)
    stems = _stems(files)
    manifest = read_manifest(out_dir) if (out_dir / MANIFEST).exists() else {}
    previous = _previous(manifest, versions, target_ids)
    state = _read_state(out_dir) if previous else {}
    kept, work, statuses = _plan(files, stems, out_dir, previous, state)

    root = out_dir.resolve()
    new_folders = frozenset(t for t in target_ids if not check and not (out_dir / t).exists())
    for target in target_ids:
        folder = out_dir / target
        if not check:
            try:
                folder.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise OutputError(f"{folder}: cannot create: {error.strerror}") from error
        # Names are sanitised; this stops a symbolic link from taking the files elsewhere.
        if folder.exists() and not folder.resolve().is_relative_to(root):
            raise OutputError(f"{folder}: leaves {out_dir}")
    job = _Job(tuple(target_ids), tuple(map(str, pipelines)), str(out_dir), check, new_folders)
    done = len(kept)

    def step(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, len(files))

    records = {record.source: record for record in kept}
    for record in _convert(work, job, workers, step if progress else None):
        records[record.source] = record
    if progress and not work:
        progress(len(files), len(files))
    ordered = [records[source] for source in files if source in records]
    result = BuildResult()
    _collect(result, ordered, allow_unsupported)
    expected = {query.path for record in ordered for query in record.queries.values()}
    deploy_texts = _deployables(out_dir, result, records) if deploy else {}
    for relative, text in deploy_texts.items():
        _record_file(result, out_dir, relative, text, check)
    expected.update(deploy_texts)
    text = _manifest_text(options, result, ordered, deploy_texts)
    _record_file(result, out_dir, MANIFEST, text, check)
    expected.add(MANIFEST)
    _remove_stale(result, out_dir, manifest, expected, check)
    if not check:
        _write_state(out_dir, state, options, files, statuses, ordered, result)
    return result


def _untouched(out_dir: Path, options: list[Any], files: list[str]) -> dict[str, Any] | None:
    """The last build's state, when nothing that build read or wrote has changed since: the
    same options and versions, the same rule files with the status it saw, and every output
    and the manifest with the status it left them. None when anything differs."""
    state = _read_state(out_dir)
    if not state or state.get("options") != options or "summary" not in state:
        return None
    known_rules: dict[str, Status] = state.get("rules", {})
    if len(known_rules) != len(files) or any(_status(s) != known_rules.get(s) for s in files):
        return None
    known_files: dict[str, Status] = state.get("files", {})
    if state["summary"]["outputs"] + 1 != len(known_files):
        return None
    root = str(out_dir)
    if any(_status(os.path.join(root, path)) != known for path, known in known_files.items()):
        return None
    return state


def _as_built(state: dict[str, Any], out_dir: Path) -> BuildResult:
    """The result of a build that finds everything as the last one left it: its errors and
    skips from the state, its outputs from the manifest when asked for."""
    summary = state["summary"]
    return BuildResult(
        unchanged=summary["outputs"] + 1,
        errors=list(summary["errors"]),
        skipped=list(summary["skipped"]),
        _outputs=None,
        _manifest=out_dir / MANIFEST,
        _count=summary["outputs"],
    )


def _collect(result: BuildResult, records: list[_Rule], allow_unsupported: bool) -> None:
    """The result's outputs, errors and counts from every rule's record."""
    for record in records:
        if record.error is not None:
            result.errors.append(record.error)
            continue
        for message in record.refused.values():
            (result.skipped if allow_unsupported else result.errors).append(message)
        for target, query in record.queries.items():
            result.outputs.append(
                Output(
                    record.rule_id, record.title, record.source, record.rule_hash, target,
                    query.path, query.query_hash,
                )
            )  # fmt: skip
            if query.status == "written":
                result.written.append(query.path)
            elif query.status == "differs":
                result.diffs[query.path] = _diff(query.path, query.current, query.query or "")
            else:
                result.unchanged += 1


def _diff(shown: str, current: str | None, text: str) -> str:
    import difflib

    return "".join(
        difflib.unified_diff(
            (current or "").splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{shown} (committed)",
            tofile=f"{shown} (built now)",
        )
    )


def _record_file(result: BuildResult, out_dir: Path, relative: str, text: str, check: bool) -> None:
    """Write one file of the main process (manifest, deployables) unless it is unchanged."""
    path = out_dir / relative
    try:
        current: str | None = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        current = None
    if current == text:
        result.unchanged += 1
    elif check:
        result.diffs[relative] = _diff(relative, current, text)
    else:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
        result.written.append(relative)


def _manifest_text(
    options: list[Any], result: BuildResult, records: list[_Rule], deploy_texts: dict[str, str]
) -> str:
    """The manifest: indented like ``json.dumps(indent=2)`` at the top, one line per output,
    refusal and failure (a rule change is a one-line diff, and writing it is fast)."""
    versions, sources, pipelines, targets, allow_unsupported, deploy = options
    refused = [
        {"source": r.source, "rule_id": r.rule_id, "title": r.title, "rule_hash": r.rule_hash,
         "target": target, "message": message}
        for r in records if r.error is None
        for target, message in r.refused.items()
    ]  # fmt: skip
    failed = [
        {"source": r.source, "rule_hash": r.rule_hash, "message": r.error}
        for r in records
        if r.error is not None and r.rule_hash
    ]
    head = {
        "versions": versions,
        # What `sigma-certutil check OUT` rebuilds from (paths as given, from the same folder).
        "sources": sources,
        "pipelines": pipelines,
        "targets": targets,
        "allow_unsupported": allow_unsupported,
    }
    lists = {
        "outputs": [output._asdict() for output in result.outputs],
        "refused": refused,
        "failed": failed,
    }
    tail = {"deploy": deploy, "deploy_files": sorted(deploy_texts)}
    parts = [f'  "{k}": {_indented(v)}' for k, v in head.items()]
    for key, entries in lists.items():
        lines = ",\n".join(f"    {json.dumps(entry, ensure_ascii=False)}" for entry in entries)
        parts.append(f'  "{key}": [\n{lines}\n  ]' if entries else f'  "{key}": []')
    parts.extend(f'  "{k}": {_indented(v)}' for k, v in tail.items())
    return "{\n" + ",\n".join(parts) + "\n}\n"


def _indented(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def _remove_stale(
    result: BuildResult, out_dir: Path, manifest: dict[str, Any], expected: set[str], check: bool
) -> None:
    """Files the last build wrote (from its manifest) that no rule produces now: the only
    files a build may remove."""
    listed = {str(entry.get("path", "")) for entry in manifest.get("outputs", [])}
    listed.update(map(str, manifest.get("deploy_files", [])))
    root = out_dir.resolve()
    for relative in sorted(listed - expected):
        path = (out_dir / relative).resolve()
        if not path.is_relative_to(root) or path == root:
            continue
        if check:
            result.diffs[relative] = f"{relative}: no rule produces this file any more\n"
        else:
            path.unlink(missing_ok=True)
            result.removed.append(relative)


def _write_state(
    out_dir: Path,
    previous: dict[str, Any],
    options: list[Any],
    files: list[str],
    statuses: dict[str, Status],
    records: list[_Rule],
    result: BuildResult,
) -> None:
    """Remember the options, the status of every rule and output file and what the build
    reported, for the next build (only a cache: without it the next build hashes instead)."""
    outputs = {q.path: q.stat for record in records for q in record.queries.values() if q.stat}
    manifest = _status(out_dir / MANIFEST)
    if manifest is not None:
        outputs[MANIFEST] = manifest
    state = {
        "format": _STATE_FORMAT,
        "options": options,
        "rules": {source: statuses[source] for source in files if source in statuses},
        "files": outputs,
        "summary": {
            "outputs": len(result.outputs),
            "errors": result.errors,
            "skipped": result.skipped,
        },
    }
    if state == previous:
        return
    folder = out_dir / STATE.parent
    try:
        folder.mkdir(exist_ok=True)
        if not (folder / ".gitignore").exists():
            write_atomic(folder / ".gitignore", "# Local build state, not part of the output.\n*\n")
        write_atomic(out_dir / STATE, json.dumps(state, separators=(",", ":")))
    except (OSError, OutputError):
        pass


def _deployables(out_dir: Path, result: BuildResult, records: dict[str, _Rule]) -> dict[str, str]:
    """OUT/deploy/: the files each target row's ``deploy`` names (sigma_certutil.deploy)."""
    from sigma_certutil.deploy import Deployable, deploy_files
    from sigma_certutil.rules import load_rule

    rules: dict[str, Any] = {}
    items: list[tuple[str, Deployable]] = []
    for output in result.outputs:
        if output.source not in rules:
            rules[output.source] = load_rule(output.source)
        query = records[output.source].queries[output.target].query
        if query is None:
            query = (out_dir / output.path).read_text(encoding="utf-8")
        item = Deployable(rules[output.source], output.target, query.rstrip("\n"))
        items.append((Path(output.path).stem, item))
    files, errors = deploy_files(items)
    result.errors.extend(map(str, errors))
    return files


def read_manifest(out: str | Path) -> dict[str, Any]:
    manifest = Path(out) / MANIFEST
    try:
        data: dict[str, Any] = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError as error:
        raise OutputError(f"{manifest}: no manifest: build into {out} first") from error
    except (OSError, json.JSONDecodeError) as error:
        raise OutputError(f"{manifest}: unreadable manifest: {error}") from error
    return data


def terminal_progress(done: int, total: int) -> None:
    """A one-line progress bar on stderr."""
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rules")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
