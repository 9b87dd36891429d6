"""Benchmark ``sigma-certutil build`` against sigma-cli on a folder of Sigma rules.

Workload: every rule file under RULES_DIR (default: the SigmaHQ Windows rules in
``../shared/data/sigmahq/rules/windows`` beside the repository), converted to all five targets
(Splunk SPL, Elasticsearch Lucene, EQL, ES|QL and Kusto for Defender XDR). Each measurement is
a separate process, timed with ``time.perf_counter`` around the process (wall clock); the
figure is the median of N runs, taken in rounds (our build, then each sigma-cli run, N times)
so that a slower spell of the machine weighs on both sides alike. Measured:

1. full build, ours: ``sigma-certutil build RULES_DIR -o OUT --allow-unsupported -q`` into a
   fresh empty folder each run; converted rules per target are read from ``OUT/manifest.json``;
2. rebuild, ours: the same command again into the same folder, nothing changed;
3. sigma-cli: one ``sigma convert --skip-unsupported`` per target with the stock pipelines
   (sysmon + splunk_windows, sysmon + ecs_windows for lucene, eql and esql, microsoft_xdr for
   kusto) on the same files. A run that still aborts on a rule is handled by an untimed
   discovery pass (the five side by side) that drops the rule files sigma-cli names until it
   completes; the dropped files are reported per target and remembered in the cache for the
   same files and versions, and the timed runs read the rest from a temporary folder of links
   to them. sigma-cli's time is the sum of the five medians;
4. cold start, one rule: ``sigma-certutil convert RULE`` (the bundled rule, all five targets)
   against ``sigma convert -t splunk -p sysmon -p splunk_windows RULE`` (max(N, 5) runs);
5. peak memory (RSS) per process, from ``os.wait4`` (on Linux it covers the child and the
   descendants it waited for, so the build's worker processes are included).

The build's kernel time is printed per run beside its wall time. On ext4 without a journal
(the root file system of the machine the README's figures come from), creating a file
passes over every free inode of its block group that was deleted in the last minute, or
six minutes while that inode's table block is dirty (fs/ext4/ialloc.c, find_inode_bit and
recently_deleted, RECENTCY_MIN and RECENTCY_DIRTY): a build of 11,000 files started within
minutes of deleting tens of thousands (a test run's temporary folders, earlier builds) spends
seconds more in the kernel, 0.7 s against 3 to 5 s here. The script deletes none of its
files until its last run; run it on a file system that has had no such deletion for six
minutes, and read the kernel times.

Every command runs with Python's bytecode cache on (a PYTHONDONTWRITEBYTECODE in the caller's
environment is dropped), after one untimed warm-up run of each program.

Goals (each printed as PASS or FAIL with the measured ratio):

- a full build of all five targets is at least 7x faster than the five sigma-cli runs together;
- a rebuild with nothing changed takes at most 3% of the full build's time;
- one rule to all five targets from a cold CLI start takes at most 1.5x sigma-cli's time for one
  rule to one target;
- our peak memory per process is no higher than sigma-cli's.

sigma-cli is a benchmark-only dependency: it is taken from ``--sigma PATH``, else beside this
Python, else from PATH; failing those it is installed once into
``$XDG_CACHE_HOME/sigma-certutil-benchmark/venv`` (default ``~/.cache/...``) as sigma-cli 3.1.0
with the exact pySigma and backend versions installed beside this project.

Run (Unix only; about 5 minutes on 2 cores, 3 more the first time for discovery)::

    python tests/benchmark.py [RULES_DIR] [--runs N] [--sigma PATH] [--json FILE]

Exit status: 0 when the measurements completed (a missed goal is a result, printed as FAIL),
2 on a usage error or when a command fails.
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from importlib import metadata, resources
from pathlib import Path
from typing import Any

TARGETS = ("splunk", "lucene", "eql", "esql", "kusto")
SIGMA_CLI_VERSION = "3.1.0"
SIGMA_CLI_ARGS: dict[str, tuple[str, ...]] = {
    "splunk": ("-t", "splunk", "-p", "sysmon", "-p", "splunk_windows"),
    "lucene": ("-t", "lucene", "-p", "sysmon", "-p", "ecs_windows"),
    "eql": ("-t", "eql", "-p", "sysmon", "-p", "ecs_windows"),
    # sigma-cli refuses ecs_windows for esql unless the pipeline check is off.
    "esql": ("-t", "esql", "-p", "sysmon", "-p", "ecs_windows", "--disable-pipeline-check"),
    "kusto": ("-t", "kusto", "-p", "microsoft_xdr"),
}
SIDE_PACKAGES = (
    "pySigma",
    "pysigma-backend-splunk",
    "pysigma-backend-elasticsearch",
    "pysigma-backend-kusto",
    "pysigma-pipeline-sysmon",
)
BUNDLED_RULE = "net_connection_win_certutil_initiated_connection.yml"
MIN_RUNS = 3
COLD_RUNS = 5
BUILD_SPEEDUP_GOAL = 7.0
REBUILD_SHARE_GOAL = 0.03
COLD_START_GOAL = 1.5
KIB_PER_MIB = 1024
STDERR_TAIL = 2000


class BenchmarkError(Exception):
    """A command failed or a tool could not be found: the benchmark cannot go on."""


@dataclass(frozen=True)
class Run:
    """One finished process."""

    seconds: float
    exit_code: int
    peak_kib: int
    stdout: Path
    stderr: Path
    kernel_seconds: float = 0.0  # system CPU time, with the descendants it waited for


@dataclass(frozen=True)
class Sample:
    """Repeated runs of one command kind."""

    label: str
    seconds: list[float]
    peak_kib: int
    last: Run
    kernel_seconds: list[float] = dataclasses.field(default_factory=list)

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    @property
    def peak_mib(self) -> float:
        return self.peak_kib / KIB_PER_MIB


@dataclass(frozen=True)
class Goal:
    description: str
    measured: str
    passed: bool
    ratio: float
    limit: float


@dataclass(frozen=True)
class SigmaTarget:
    """sigma-cli's timed runs for one target, on the files left after discovery."""

    target: str
    sample: Sample
    files: int
    dropped: list[str]
    converted: int


@dataclass(frozen=True)
class Settings:
    rules_dir: Path
    runs: int
    ours: Path
    sigma: Path
    json_file: Path | None


@dataclass(frozen=True)
class BuildCounts:
    """Per target, from the build's manifest."""

    converted: dict[str, int]
    refused: dict[str, int]
    failed: int


@dataclass(frozen=True)
class Results:
    ours_full: Sample
    ours_rebuild: Sample
    ours_counts: BuildCounts
    sigma: list[SigmaTarget]
    ours_cold: Sample
    sigma_cold: Sample


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    default_rules = Path(__file__).resolve().parents[1].parent / "shared/data/sigmahq/rules/windows"
    parser = argparse.ArgumentParser(
        description="Time sigma-certutil build against sigma-cli on a rule folder."
    )
    parser.add_argument(
        "rules_dir",
        nargs="?",
        type=Path,
        default=default_rules,
        metavar="RULES_DIR",
        help=f"folder of Sigma rules (default: {default_rules})",
    )
    parser.add_argument(
        "--runs",
        type=int,
        default=MIN_RUNS,
        metavar="N",
        help="runs per command (default: 3, min 3)",
    )
    parser.add_argument(
        "--sigma", type=Path, metavar="PATH", help="sigma-cli's sigma executable (default: found)"
    )
    parser.add_argument(
        "--json", type=Path, dest="json_file", metavar="FILE", help="also write the figures as JSON"
    )
    args = parser.parse_args(argv)
    if args.runs < MIN_RUNS:
        parser.error(f"--runs must be at least {MIN_RUNS}")
    if not args.rules_dir.is_dir():
        parser.error(f"no such rule folder: {args.rules_dir}")
    if args.sigma is not None and not os.access(args.sigma, os.X_OK):
        parser.error(f"--sigma: not an executable: {args.sigma}")
    if args.json_file is not None and not args.json_file.resolve().parent.is_dir():
        parser.error(f"--json: no such folder: {args.json_file.parent}")
    return args


def beside_python(name: str) -> Path | None:
    candidate = Path(sys.executable).parent / name
    return candidate if os.access(candidate, os.X_OK) else None


def find_ours() -> Path:
    found = beside_python("sigma-certutil") or shutil.which("sigma-certutil")
    if found is None:
        raise BenchmarkError("sigma-certutil not found beside this Python nor on PATH")
    return Path(found)


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "sigma-certutil-benchmark"


def sigma_requirements() -> list[str]:
    """sigma-cli pinned, with the pySigma and backends this project runs on."""
    try:
        pins = [f"{name}=={metadata.version(name)}" for name in SIDE_PACKAGES]
    except metadata.PackageNotFoundError as error:
        raise BenchmarkError(f"not installed beside this project: {error}") from error
    return [f"sigma-cli=={SIGMA_CLI_VERSION}", *pins]


def install_sigma_cli() -> Path:
    """A venv in the cache with sigma-cli, (re)installed when the pins changed."""
    venv = cache_dir() / "venv"
    sigma = venv / "bin" / "sigma"
    requirements = sigma_requirements()
    marker = venv / "benchmark-requirements.txt"
    wanted = "\n".join(requirements) + "\n"
    if sigma.exists() and marker.exists() and marker.read_text(encoding="utf-8") == wanted:
        print(f"sigma-cli: using {sigma} ({' '.join(requirements)})")
        return sigma
    print(f"sigma-cli not found: installing {' '.join(requirements)} into {venv}")
    try:
        subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
        pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
        subprocess.run([*pip, *requirements], check=True)
    except (OSError, subprocess.CalledProcessError) as error:
        raise BenchmarkError(f"installing sigma-cli failed: {error}") from error
    marker.write_text(wanted, encoding="utf-8")
    return sigma


def find_sigma(given: Path | None) -> Path:
    if given is not None:
        return given
    found = beside_python("sigma") or shutil.which("sigma")
    return Path(found) if found is not None else install_sigma_cli()


def rule_files(folder: Path) -> list[Path]:
    """Rule files as the build finds them (*.yml and *.yaml, recursively), absolute, sorted."""
    return sorted(p.resolve() for p in folder.rglob("*") if p.suffix in (".yml", ".yaml"))


def python_environment() -> dict[str, str]:
    """The environment of every command: this one, with Python's bytecode cache on, as Python
    runs by default. With PYTHONDONTWRITEBYTECODE set, every run of an editable install would
    compile its modules again, while pip compiled sigma-cli's once when it installed them."""
    environment = dict(os.environ)
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def run_process(command: Sequence[str | Path], log_dir: Path, name: str) -> Run:
    """Run one command to completion with output to files; wall time and peak RSS."""
    stdout = log_dir / f"{name}.out"
    stderr = log_dir / f"{name}.err"
    with stdout.open("wb") as out, stderr.open("wb") as err:
        start = time.perf_counter()
        try:
            process = subprocess.Popen(
                [str(part) for part in command],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=err,
                env=python_environment(),
            )
        except OSError as error:
            raise BenchmarkError(f"cannot run {command[0]}: {error}") from error
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - start
    exit_code = os.waitstatus_to_exitcode(status)
    process.returncode = exit_code  # reaped by wait4: tell Popen
    return Run(seconds, exit_code, usage.ru_maxrss, stdout, stderr, usage.ru_stime)


def stderr_tail(run: Run) -> str:
    return run.stderr.read_text(encoding="utf-8", errors="replace")[-STDERR_TAIL:]


def require_success(run: Run, label: str) -> Run:
    if run.exit_code != 0:
        raise BenchmarkError(
            f"{label} exited with {run.exit_code}; end of its stderr:\n{stderr_tail(run)}"
        )
    return run


def progress(message: str) -> None:
    print(f"... {message}", file=sys.stderr, flush=True)


def fresh_folder(path: Path) -> Callable[[], None]:
    """An empty folder at ``path`` before each run. The last run's folder is moved aside, not
    deleted: deleting thousands of files leaves the file system work to do after the call
    returns, which the next timed run would pay for."""
    runs = iter(range(1, 1_000_000))

    def empty() -> None:
        if path.exists():
            path.rename(path.with_name(f"{path.name}.{next(runs)}"))
        path.mkdir(parents=True)

    return empty


def build_command(ours: Path, rules_dir: Path, out: Path) -> list[str | Path]:
    return [ours, "build", rules_dir, "-o", out, "--allow-unsupported", "-q"]


def manifest_counts(out: Path) -> BuildCounts:
    """Converted and refused rules per target, and rules that did not load."""
    manifest: dict[str, Any] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    converted = Counter(entry["target"] for entry in manifest["outputs"])
    refused = Counter(entry["target"] for entry in manifest["refused"])
    return BuildCounts(
        {t: converted[t] for t in TARGETS},
        {t: refused[t] for t in TARGETS},
        len(manifest["failed"]),
    )


def sigma_command(sigma: Path, target: str, rules: Path, output: Path) -> list[str | Path]:
    return [sigma, "convert", *SIGMA_CLI_ARGS[target], "--skip-unsupported", rules, "-o", output]


def sigma_input(rules_dir: Path, all_files: list[Path], kept: list[Path], mirror: Path) -> Path:
    """The rule folder itself when sigma-cli finds exactly these files in it (it reads *.yml),
    else a fresh temporary folder of symbolic links to the kept files.

    Not the files as arguments: sigma-cli merges its rule collection once per argument, with
    reference resolution each time, so 2,400 arguments cost it seconds more than one folder of
    the same files (about 3.5 s CPU on the SigmaHQ Windows rules). It reports each rule by its
    resolved path, so a link reports as the rule file it points to."""
    if kept == all_files and all(path.suffix == ".yml" for path in all_files):
        return rules_dir
    shutil.rmtree(mirror, ignore_errors=True)
    mirror.mkdir(parents=True)
    for index, path in enumerate(kept):
        (mirror / f"{index:05d}-{path.stem}.yml").symlink_to(path)
    return mirror


def named_files(text: str, files: Sequence[Path]) -> set[Path]:
    """The files whose full path occurs in sigma-cli's error output (it reports rules by their
    resolved path, e.g. "... (while converting rule /abs/path/rule.yml)")."""
    return {path for path in files if str(path) in text}


def discover(
    settings: Settings, target: str, files: list[Path], tmp: Path
) -> tuple[list[Path], list[str]]:
    """Untimed: drop the rule files a sigma-cli run aborts on, until it completes. The files
    dropped are remembered in the cache for the same files, sigma-cli and pySigma."""
    remembered = discovery_cache(settings, target, files)
    if remembered.exists():
        dropped = json.loads(remembered.read_text(encoding="utf-8"))
        progress(f"sigma-cli {target}: {len(dropped)} files dropped, from {remembered}")
        gone = set(dropped)
        return [p for p in files if str(p) not in gone], dropped
    kept = list(files)
    dropped = []
    progress(f"sigma-cli {target}: discovery pass")
    while True:
        inputs = sigma_input(settings.rules_dir, files, kept, tmp / f"sigma-{target}-rules")
        command = sigma_command(settings.sigma, target, inputs, tmp / f"sigma-{target}.txt")
        run = run_process(command, tmp, f"sigma-{target}-discovery")
        if run.exit_code == 0:
            remembered.parent.mkdir(parents=True, exist_ok=True)
            remembered.write_text(json.dumps(dropped), encoding="utf-8")
            return kept, dropped
        text = run.stderr.read_text(encoding="utf-8", errors="replace")
        culprits = named_files(text, kept)
        if not culprits:
            raise BenchmarkError(
                f"sigma-cli {target} exited with {run.exit_code} without naming a rule file; "
                f"end of its stderr:\n{stderr_tail(run)}"
            )
        progress(f"sigma-cli {target}: dropping {', '.join(p.name for p in sorted(culprits))}")
        dropped.extend(str(p) for p in sorted(culprits))
        kept = [p for p in kept if p not in culprits]


def discovery_cache(settings: Settings, target: str, files: list[Path]) -> Path:
    """Where the files dropped for these rule files (by content), this sigma-cli and its
    pySigma are kept."""
    digest = hashlib.sha256()
    for part in (str(settings.sigma), *SIGMA_CLI_ARGS[target], package_version("pySigma")):
        digest.update(part.encode() + b"\0")
    for path in files:
        digest.update(str(path).encode() + b"\0" + path.read_bytes())
    return cache_dir() / "discovery" / f"{target}-{digest.hexdigest()[:20]}.json"


def discover_all(
    settings: Settings, files: list[Path], tmp: Path
) -> dict[str, tuple[list[Path], list[str]]]:
    """Every target's discovery, side by side (they are not timed)."""
    workers = max(1, os.cpu_count() or 1)
    with ThreadPoolExecutor(max_workers=workers) as pool:
        found = {t: pool.submit(discover, settings, t, files, tmp) for t in TARGETS}
        return {target: future.result() for target, future in found.items()}


def sigma_skipped(run: Run, files: Sequence[Path]) -> int:
    """Rules sigma-cli skipped. With --skip-unsupported the backend collects one error per rule
    it cannot convert, and sigma-cli prints them after "Ignored errors:" one per line as
    "<resolved rule path>: <error>" (sigma/cli/convert.py). We count the distinct given files
    named at the start of those lines; continuation lines of multi-line errors match none."""
    text = run.stderr.read_text(encoding="utf-8", errors="replace")
    _, marker, section = text.partition("Ignored errors:")
    if not marker:
        return 0
    known = {str(path) for path in files}
    named = {line.partition(": ")[0] for line in section.splitlines()}
    return len(named & known)


def bundled_rule() -> Path:
    rule = Path(str(resources.files("sigma_certutil") / "rules" / BUNDLED_RULE))
    if not rule.is_file():
        raise BenchmarkError(f"bundled rule not found: {rule}")
    return rule


def cold_commands(settings: Settings) -> tuple[list[str | Path], list[str | Path]]:
    """One rule from a cold CLI start: ours to all five targets, sigma-cli to splunk."""
    rule = bundled_rule()
    return (
        [settings.ours, "convert", rule],
        [settings.sigma, "convert", *SIGMA_CLI_ARGS["splunk"], rule],
    )


def warm_up(settings: Settings, tmp: Path) -> None:
    """Untimed: one run of each of our commands and of sigma-cli's one-rule conversion, so
    that no timed run is the first to read the programs from disk or write their bytecode."""
    progress("warming up")
    rule = bundled_rule()
    ours_one, sigma_one = cold_commands(settings)
    for label, command in (
        ("warm-up build", build_command(settings.ours, rule.parent, tmp / "warm-up")),
        ("warm-up convert", ours_one),
        ("warm-up sigma-cli", sigma_one),
    ):
        require_success(run_process(command, tmp, label), label)


def interleaved(
    commands: dict[str, Sequence[str | Path]],
    runs: int,
    log_dir: Path,
    before: dict[str, Callable[[], None]] | None = None,
) -> dict[str, Sample]:
    """``runs`` rounds of every command in turn, so that a slower spell of the machine weighs
    on each side alike; every run must succeed."""
    done: dict[str, list[Run]] = {label: [] for label in commands}
    for round_number in range(1, runs + 1):
        progress(f"round {round_number} of {runs}: {', '.join(commands)}")
        for label, command in commands.items():
            if before and label in before:
                before[label]()
            os.sync()  # the writes of earlier runs are not this run's to wait for
            run = run_process(command, log_dir, label.replace(" ", "-"))
            done[label].append(require_success(run, label))
    return {
        label: Sample(
            label,
            [r.seconds for r in found],
            max(r.peak_kib for r in found),
            found[-1],
            [r.kernel_seconds for r in found],
        )
        for label, found in done.items()
    }


def package_version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


def sigma_total(results: Results) -> float:
    return sum(t.sample.median for t in results.sigma)


def ours_peak_kib(results: Results) -> int:
    ours = (results.ours_full, results.ours_rebuild, results.ours_cold)
    return max(sample.peak_kib for sample in ours)


def sigma_peak_kib(results: Results) -> int:
    return max(results.sigma_cold.peak_kib, *(t.sample.peak_kib for t in results.sigma))


def goals(results: Results) -> list[Goal]:
    full = results.ours_full.median
    speedup = sigma_total(results) / full
    share = results.ours_rebuild.median / full
    cold = results.ours_cold.median / results.sigma_cold.median
    ours_mib = ours_peak_kib(results) / KIB_PER_MIB
    sigma_mib = sigma_peak_kib(results) / KIB_PER_MIB
    return [
        Goal(
            f"full build of all five targets >= {BUILD_SPEEDUP_GOAL:g}x faster than sigma-cli's "
            "five runs",
            f"{speedup:.2f}x",
            speedup >= BUILD_SPEEDUP_GOAL,
            speedup,
            BUILD_SPEEDUP_GOAL,
        ),
        Goal(
            f"rebuild with nothing changed <= {REBUILD_SHARE_GOAL:.0%} of the full build",
            f"{share:.1%}",
            share <= REBUILD_SHARE_GOAL,
            share,
            REBUILD_SHARE_GOAL,
        ),
        Goal(
            f"one rule to five targets, cold start <= {COLD_START_GOAL:g}x sigma-cli's one rule "
            "to one target",
            f"{cold:.2f}x",
            cold <= COLD_START_GOAL,
            cold,
            COLD_START_GOAL,
        ),
        Goal(
            "peak memory per process no higher than sigma-cli's",
            f"{ours_mib:.1f} MiB vs {sigma_mib:.1f} MiB ({ours_mib / sigma_mib:.2f}x)",
            ours_mib <= sigma_mib,
            ours_mib / sigma_mib,
            1.0,
        ),
    ]


def sigma_targets_peak_mib(results: Results) -> float:
    return max(t.sample.peak_mib for t in results.sigma)


def timing_rows(results: Results) -> list[tuple[str, float, float]]:
    ours_cold, sigma_cold = results.ours_cold, results.sigma_cold
    return [
        ("ours: full build, 5 targets", results.ours_full.median, results.ours_full.peak_mib),
        (
            "ours: rebuild, nothing changed",
            results.ours_rebuild.median,
            results.ours_rebuild.peak_mib,
        ),
        *((f"sigma-cli: {t.target}", t.sample.median, t.sample.peak_mib) for t in results.sigma),
        ("sigma-cli: total of the five", sigma_total(results), sigma_targets_peak_mib(results)),
        ("ours: convert 1 rule, 5 targets", ours_cold.median, ours_cold.peak_mib),
        ("sigma-cli: convert 1 rule, splunk", sigma_cold.median, sigma_cold.peak_mib),
    ]


def report_lines(settings: Settings, results: Results, files: int) -> list[str]:
    lines = [
        f"machine: {os.cpu_count()} CPUs, {platform.platform()}, "
        f"Python {platform.python_version()}, pySigma {package_version('pySigma')}",
        f"rules: {settings.rules_dir} ({files} rule files), {settings.runs} runs per command",
        "",
        f"{'command':<36}{'median s':>10}{'peak RSS MiB':>14}",
    ]
    lines += [f"{name:<36}{secs:>10.3f}{mib:>14.1f}" for name, secs, mib in timing_rows(results)]
    lines += ["", f"{'converted rules':<16}{'ours':>8}{'sigma-cli':>11}{'sigma-cli dropped':>19}"]
    for t in results.sigma:
        ours = results.ours_counts.converted[t.target]
        lines.append(f"{t.target:<16}{ours:>8}{t.converted:>11}{len(t.dropped):>19}")
    lines.append(
        f"ours: refused per target {results.ours_counts.refused}, rules that did not load "
        f"{results.ours_counts.failed}"
    )
    runs = results.ours_full
    lines.append(
        "ours: full build per run, wall / kernel s: "
        + ", ".join(
            f"{w:.2f} / {k:.2f}" for w, k in zip(runs.seconds, runs.kernel_seconds, strict=True)
        )
    )
    lines.append("")
    lines += [
        f"{'PASS' if g.passed else 'FAIL'}  {g.description}: {g.measured}" for g in goals(results)
    ]
    return lines


def sample_json(sample: Sample) -> dict[str, Any]:
    return {
        "median_s": sample.median,
        "runs_s": sample.seconds,
        "kernel_s": sample.kernel_seconds,
        "peak_rss_mib": sample.peak_mib,
    }


def figures(settings: Settings, results: Results, files: int) -> dict[str, Any]:
    return {
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
            "pysigma": package_version("pySigma"),
        },
        "rules_dir": str(settings.rules_dir),
        "rule_files": files,
        "runs": settings.runs,
        "ours": {
            "full_build": sample_json(results.ours_full),
            "rebuild": sample_json(results.ours_rebuild),
            "convert_one_rule": sample_json(results.ours_cold),
            "converted": results.ours_counts.converted,
            "refused": results.ours_counts.refused,
            "failed": results.ours_counts.failed,
            "peak_rss_mib": ours_peak_kib(results) / KIB_PER_MIB,
        },
        "sigma_cli": {
            "executable": str(settings.sigma),
            "targets": {
                t.target: {
                    **sample_json(t.sample),
                    "files": t.files,
                    "converted": t.converted,
                    "dropped": t.dropped,
                }
                for t in results.sigma
            },
            "total_s": sigma_total(results),
            "convert_one_rule": sample_json(results.sigma_cold),
            "peak_rss_mib": sigma_peak_kib(results) / KIB_PER_MIB,
        },
        "goals": [
            {"goal": g.description, "ratio": g.ratio, "limit": g.limit, "passed": g.passed}
            for g in goals(results)
        ],
    }


def benchmark(settings: Settings) -> int:
    files = rule_files(settings.rules_dir)
    if not files:
        raise BenchmarkError(f"no rule files under {settings.rules_dir}")
    with tempfile.TemporaryDirectory(prefix="sigma-certutil-benchmark-") as name:
        tmp = Path(name)
        found = discover_all(settings, files, tmp)
        warm_up(settings, tmp)
        out = tmp / "out"
        build = build_command(settings.ours, settings.rules_dir, out)
        commands: dict[str, Sequence[str | Path]] = {"ours full build": build}
        for target, (kept, _) in found.items():
            # A folder of its own: the discovery pass's is not deleted before the timed runs.
            rules = sigma_input(settings.rules_dir, files, kept, tmp / f"sigma-{target}-timed")
            output = tmp / f"sigma-{target}.txt"
            commands[f"sigma-cli {target}"] = sigma_command(settings.sigma, target, rules, output)
        timed = interleaved(commands, settings.runs, tmp, {"ours full build": fresh_folder(out)})
        counts = manifest_counts(out)
        rebuild = interleaved({"ours rebuild": build}, settings.runs, tmp)["ours rebuild"]
        ours_one, sigma_one = cold_commands(settings)
        cold = interleaved(
            {"ours convert 1 rule": ours_one, "sigma-cli convert 1 rule": sigma_one},
            max(settings.runs, COLD_RUNS),
            tmp,
        )
        sigma = []
        for target, (kept, dropped) in found.items():
            sample = timed[f"sigma-cli {target}"]
            # Converted = files given minus the rules sigma-cli reported as skipped. Every file
            # here is one rule; the run completed, so each rule converted or was reported.
            converted = len(kept) - sigma_skipped(sample.last, kept)
            sigma.append(SigmaTarget(target, sample, len(kept), dropped, converted))
    results = Results(
        timed["ours full build"],
        rebuild,
        counts,
        sigma,
        cold["ours convert 1 rule"],
        cold["sigma-cli convert 1 rule"],
    )
    print("\n".join(report_lines(settings, results, len(files))))
    if settings.json_file is not None:
        text = json.dumps(figures(settings, results, len(files)), indent=2) + "\n"
        settings.json_file.write_text(text, encoding="utf-8")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        settings = Settings(
            rules_dir=args.rules_dir.resolve(),
            runs=args.runs,
            ours=find_ours(),
            sigma=find_sigma(args.sigma),
            json_file=args.json_file,
        )
        return benchmark(settings)
    except BenchmarkError as error:
        print(f"benchmark: {error}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
