"""Build a folder of rules into one query file per rule and target, with a manifest.

Layout: ``OUT/<target>/<rule-file-stem>.<ext>`` and ``OUT/manifest.json``. A rule converts to
one query per target (a rule that would yield several fails and is listed). Unchanged outputs
are not rewritten; outputs of rules that are gone are removed; every file is written to a
temporary name and renamed.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import re
import sys
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from sigma_certutil.convert import Converter
from sigma_certutil.errors import CertutilError, ConversionError, OutputError, RuleError
from sigma_certutil.output import write_atomic
from sigma_certutil.pipelines import pipeline_dir, user_pipeline
from sigma_certutil.rules import load_rule, rule_document, rule_from_document
from sigma_certutil.targets import TARGETS

MANIFEST = "manifest.json"
_BACKEND_PACKAGES = {
    "splunk": "pysigma-backend-splunk",
    "lucene": "pysigma-backend-elasticsearch",
    "eql": "pysigma-backend-elasticsearch",
    "esql": "pysigma-backend-elasticsearch",
    "kusto": "pysigma-backend-kusto",
}


@dataclass(frozen=True)
class Output:
    rule_id: str
    title: str
    source: str
    rule_hash: str
    target: str
    path: str
    query_hash: str


@dataclass
class BuildResult:
    outputs: list[Output] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    diffs: dict[str, str] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return bool(self.errors)


def rule_files(sources: Sequence[str | Path]) -> list[Path]:
    """Every rule file under the given folders (recursively) and files, sorted."""
    found: set[Path] = set()
    for source in map(Path, sources):
        if source.is_dir():
            found.update(p for p in source.rglob("*") if p.suffix in (".yml", ".yaml"))
        elif source.exists():
            found.add(source)
        else:
            raise RuleError("no such file or folder", source)
    return sorted(found)


def safe_stem(path: Path) -> str:
    """A file name made only of letters, digits, '.', '_' and '-', never starting with '.'."""
    stem = re.sub(r"[^A-Za-z0-9._-]", "_", path.stem).lstrip(".") or "rule"
    return stem[:120]


def _versions(targets: Sequence[str], pipelines: Sequence[str | Path] = ()) -> dict[str, str]:
    def of(package: str) -> str:
        try:
            return version(package)
        except PackageNotFoundError:
            return "unknown"

    digest = hashlib.sha256()
    folder = pipeline_dir()
    for name in sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".yml")):
        digest.update((folder / name).read_bytes())
    packages = {"sigma-certutil", "pysigma", *(_BACKEND_PACKAGES[t] for t in targets)}
    versions = {
        **{package: of(package) for package in sorted(packages)},
        "pipelines": digest.hexdigest()[:16],
    }
    if pipelines:
        own = hashlib.sha256(b"".join(Path(p).read_bytes() for p in pipelines))
        versions["own_pipelines"] = own.hexdigest()[:16]
    return versions


def _convert_files(
    paths: Sequence[str], targets: Sequence[str], pipelines: Sequence[str]
) -> list[tuple[str, dict[str, Any]]]:
    """Worker: rule files to every target, with one converter per target for the whole chunk
    and a freshly built rule per conversion. Errors come back as text, never raised."""
    try:
        converters = {t: Converter(t, [user_pipeline(p) for p in pipelines]) for t in targets}
    except CertutilError as error:
        return [(path, {"error": str(error)}) for path in paths]
    return [_convert_file(path, converters) for path in paths]


def _convert_file(path: str, converters: dict[str, Converter]) -> tuple[str, dict[str, Any]]:
    try:
        raw = Path(path).read_bytes()
        text = raw.decode("utf-8")
        document = rule_document(text, Path(path))
        rule = rule_from_document(document, text, Path(path))
    except UnicodeDecodeError:
        return path, {"error": f"{path}: not a text file (invalid UTF-8)"}
    except OSError as error:
        return path, {"error": f"{path}: cannot read: {error.strerror}"}
    except CertutilError as error:
        return path, {"error": str(error), "rule_hash": hashlib.sha256(raw).hexdigest()}
    queries: dict[str, str] = {}
    refused: dict[str, str] = {}
    for target, converter in converters.items():
        try:
            fresh = rule_from_document(document, text, Path(path))
            queries[target] = converter.convert(fresh, owned=True)
        except ConversionError as error:
            refused[target] = str(error)
        except CertutilError as error:
            return path, {"error": str(error)}
    return path, {
        "id": str(rule.id or ""),
        "title": rule.title,
        "rule_hash": hashlib.sha256(raw).hexdigest(),
        "queries": queries,
        "refused": refused,
    }


def _reusable(out_dir: Path, manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """What the previous build produced per rule file, when its output files are intact: a
    rule whose file hash is unchanged is not converted again."""
    by_source: dict[str, dict[str, Any]] = {}
    for entry in manifest.get("outputs", []):
        path = out_dir / entry["path"]
        try:
            text = path.read_text(encoding="utf-8")
        except OSError:
            text = None
        record = by_source.setdefault(
            entry["source"],
            {"id": entry["rule_id"], "title": entry["title"], "rule_hash": entry["rule_hash"],
             "queries": {}, "refused": {}, "intact": True},
        )  # fmt: skip
        if text is None or hashlib.sha256(text.encode()).hexdigest() != entry["query_hash"]:
            record["intact"] = False
        else:
            record["queries"][entry["target"]] = text[:-1] if text.endswith("\n") else text
    for entry in manifest.get("refused", []):
        record = by_source.setdefault(
            entry["source"],
            {"id": entry["rule_id"], "title": entry["title"], "rule_hash": entry["rule_hash"],
             "queries": {}, "refused": {}, "intact": True},
        )  # fmt: skip
        record["refused"][entry["target"]] = entry["message"]
    reusable = {source: record for source, record in by_source.items() if record.pop("intact")}
    for entry in manifest.get("failed", []):  # rules that did not load: same file, same error
        reusable[entry["source"]] = {"error": entry["message"], "rule_hash": entry["rule_hash"]}
    return reusable


def _plan(
    sources: Sequence[str | Path],
    targets: Sequence[str],
    pipelines: Sequence[str | Path],
    workers: int | None,
    progress: Callable[[int, int], None] | None,
    reuse: dict[str, dict[str, Any]],
) -> list[tuple[str, dict[str, Any]]]:
    all_files = [str(p) for p in rule_files(sources)]
    kept: list[tuple[str, dict[str, Any]]] = []
    files = []
    for path in all_files:
        previous = reuse.get(path)
        if (
            previous
            and previous["rule_hash"] == hashlib.sha256(Path(path).read_bytes()).hexdigest()
        ):
            kept.append((path, previous))
        else:
            files.append(path)
    args = ([*targets], [str(p) for p in pipelines])
    done: list[tuple[str, dict[str, Any]]] = kept
    workers = workers or os.cpu_count() or 1
    # Chunks, so each worker builds its converters once for many rules.
    size = max(1, min(64, len(files) // (workers * 4) or 1))
    chunks = [files[i : i + size] for i in range(0, len(files), size)]
    if workers == 1 or len(chunks) < 2:
        for chunk in chunks:
            done.extend(_convert_files(chunk, *args))
            if progress:
                progress(len(done), len(all_files))
        return sorted(done)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        repeated = ([argument] * len(chunks) for argument in args)
        for converted in pool.map(_convert_files, chunks, *repeated):
            done.extend(converted)
            if progress:
                progress(len(done), len(all_files))
    return sorted(done)


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
    for pipeline in pipelines:
        user_pipeline(pipeline)  # a broken pipeline file fails the build before any work
    result = BuildResult()
    versions = _versions(target_ids, pipelines)
    reuse: dict[str, dict[str, Any]] = {}
    if (out_dir / MANIFEST).exists():
        previous_manifest = read_manifest(out_dir)
        same = (previous_manifest.get("versions"), previous_manifest.get("targets"))
        if same == (versions, target_ids):
            reuse = _reusable(out_dir, previous_manifest)
    refused_entries: list[dict[str, str]] = []
    failed_entries: list[dict[str, str]] = []
    expected: dict[Path, str] = {}
    stems: dict[str, str] = {}
    for source, converted in _plan(sources, target_ids, pipelines, workers, progress, reuse):
        if "error" in converted:
            result.errors.append(converted["error"])
            if "rule_hash" in converted:
                failed_entries.append(
                    {"source": source, "rule_hash": converted["rule_hash"],
                     "message": converted["error"]}
                )  # fmt: skip
            continue
        stem = safe_stem(Path(source))
        if stems.setdefault(stem, source) != source:  # two rules, one name: keep both apart
            stem = f"{stem}-{hashlib.sha256(source.encode()).hexdigest()[:8]}"
        for target, message in converted["refused"].items():
            (result.skipped if allow_unsupported else result.errors).append(message)
            refused_entries.append(
                {"source": source, "rule_id": converted["id"], "title": converted["title"],
                 "rule_hash": converted["rule_hash"], "target": target, "message": message}
            )  # fmt: skip
        for target, query in converted["queries"].items():
            relative = Path(target) / f"{stem}.{TARGETS[target].extension}"
            path = (out_dir / relative).resolve()
            if not path.is_relative_to(out_dir.resolve()):
                result.errors.append(f"{source}: {target}: output path leaves {out_dir}")
                continue
            text = query + "\n"
            expected[path] = text
            result.outputs.append(
                Output(
                    converted["id"],
                    converted["title"],
                    source,
                    converted["rule_hash"],
                    target,
                    relative.as_posix(),
                    hashlib.sha256(text.encode()).hexdigest(),
                )
            )
    deploy_files = _deployables(out_dir, result, expected) if deploy else {}
    expected.update(deploy_files)
    manifest = {
        "versions": versions,
        # What `sigma-certutil check OUT` rebuilds from (paths as given, from the same folder).
        "sources": [str(source) for source in sources],
        "pipelines": [str(pipeline) for pipeline in pipelines],
        "targets": target_ids,
        "allow_unsupported": allow_unsupported,
        "outputs": [asdict(o) for o in result.outputs],
        "refused": refused_entries,
        "failed": failed_entries,
        "deploy": deploy,
        "deploy_files": sorted(p.relative_to(out_dir.resolve()).as_posix() for p in deploy_files),
    }
    expected[(out_dir / MANIFEST).resolve()] = json.dumps(manifest, indent=2) + "\n"
    previous = _previous_outputs(out_dir)
    for path, text in sorted(expected.items()):
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            result.unchanged += 1
            continue
        shown = path.relative_to(out_dir.resolve()).as_posix()
        if check:
            result.diffs[shown] = "".join(
                difflib.unified_diff(
                    (current or "").splitlines(keepends=True),
                    text.splitlines(keepends=True),
                    fromfile=f"{shown} (committed)",
                    tofile=f"{shown} (built now)",
                )
            )
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, text)
        result.written.append(shown)
    for stale in sorted(previous - set(expected)):
        shown = stale.relative_to(out_dir.resolve()).as_posix()
        if check:
            result.diffs[shown] = f"{shown}: no rule produces this file any more\n"
        else:
            stale.unlink(missing_ok=True)
            result.removed.append(shown)
    return result


def _deployables(out_dir: Path, result: BuildResult, queries: dict[Path, str]) -> dict[Path, str]:
    """OUT/deploy/: savedsearches.conf (splunk), elastic-<target>.ndjson (Kibana rule import,
    one file per Elastic language: a rule id may appear once per file), and one Azure-Sentinel
    analytics rule per kusto query in sentinel/<rule-file-stem>.yaml."""
    from sigma_certutil.deploy import FORMATS, Deployable

    rules: dict[str, Any] = {}
    by_target: dict[str, list[tuple[Output, Deployable]]] = {}
    for output in result.outputs:
        if output.source not in rules:
            rules[output.source] = load_rule(output.source)
        query = queries[(out_dir / output.path).resolve()].rstrip("\n")
        item = Deployable(rules[output.source], output.target, query)
        by_target.setdefault(output.target, []).append((output, item))
    files: dict[Path, str] = {}
    root = out_dir.resolve() / "deploy"
    for format_id, spec in FORMATS.items():
        for target in sorted(spec.targets & set(by_target)):
            items = by_target[target]
            try:
                if spec.one_rule_per_file:
                    for output, item in items:
                        name = f"{Path(output.path).stem}.{spec.extension}"
                        files[root / "sentinel" / name] = spec.write([item])
                elif format_id == "splunk-savedsearches":
                    files[root / "savedsearches.conf"] = spec.write([i for _, i in items])
                else:
                    name = f"elastic-{target}.{spec.extension}"
                    files[root / name] = spec.write([i for _, i in items])
            except CertutilError as error:
                result.errors.append(f"{format_id}: {error}")
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


def _previous_outputs(out_dir: Path) -> set[Path]:
    """Files the last build wrote (from its manifest): the only files a build may remove."""
    manifest = out_dir / MANIFEST
    try:
        data = json.loads(manifest.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return set()
    except (OSError, json.JSONDecodeError) as error:
        raise OutputError(f"{manifest}: unreadable manifest: {error}") from error
    root = out_dir.resolve()
    found = set()
    listed = [str(e.get("path", "")) for e in data.get("outputs", [])]
    for relative in [*listed, *map(str, data.get("deploy_files", []))]:
        path = (out_dir / relative).resolve()
        if path.is_relative_to(root) and path != root:
            found.add(path)
    return found


def terminal_progress(done: int, total: int) -> None:
    """A one-line progress bar on stderr."""
    width = 30
    filled = width * done // max(total, 1)
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} rules")
    if done == total:
        sys.stderr.write("\n")
    sys.stderr.flush()
