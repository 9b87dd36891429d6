"""Fuzz the rule reader and the converters with mutated SigmaHQ rules, beside sigma-cli.

    python tests/fuzz.py [--shared DIR] [--api N] [--cli N] [--seed S] [--sigma PATH] [--json]

API cases: a mutated rule written to a file, read with ``load_rule`` and converted with
``convert_all``; anything that leaves them other than a CertutilError subclass is a defect.
CLI cases: ``sigma-certutil convert FILE`` in a process of its own; exit code 3, a traceback on
stderr, more than one stderr line or more than 10 seconds is a defect. The same CLI files go
through sigma-cli (``sigma convert -t splunk -p sysmon -p splunk_windows``, found beside this
Python, on PATH or in the benchmark's cache venv, see tests/benchmark.py), where a traceback or
a hang counts the same way. Mutations: flipped bytes, deleted, repeated and swapped lines,
values of another type, YAML tags and anchors, deep nesting, duplicate keys, alias bombs,
truncation. The seed makes a run repeatable.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from types import FrameType
from typing import Any

TESTS = Path(__file__).resolve().parent
DEFAULT_SHARED = TESTS.parent.parent / "shared"

_VALUES = ["true", "1.5", "~", "[]", "{}", "[a, [b]]", "{a: b}", "'*'", "-1", "0x1Z", '"\\x00"']
_TAGS = ["!!float x", "!!int 0x1Z", "!!timestamp x", "!!binary '%%'", "!!set {a}", "!!python/none"]


def _bomb(depth: int) -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, depth)]
    return "\n".join(lines) + "\n"


def mutate(text: str, rng: random.Random) -> str:
    """One to three random mutations of a rule's YAML text."""
    for _ in range(rng.randint(1, 3)):
        lines = text.split("\n")
        kind = rng.randrange(11)
        where = rng.randrange(len(lines)) if lines else 0
        if kind == 0 and text:  # flip a byte
            at = rng.randrange(len(text))
            text = (
                text[:at]
                + chr(rng.choice([0, 9, 10, 34, 38, 42, 58, 91, 123, 0xFF]))
                + text[at + 1 :]
            )
            continue
        if kind == 1 and lines:
            del lines[where]
        elif kind == 2 and lines:
            lines.insert(where, lines[where])
        elif kind == 3 and len(lines) > 1:
            other = rng.randrange(len(lines))
            lines[where], lines[other] = lines[other], lines[where]
        elif kind in (4, 5) and lines and ":" in lines[where]:
            key = lines[where].split(":", 1)[0]
            lines[where] = f"{key}: {rng.choice(_TAGS if kind == 5 else _VALUES)}"
        elif kind == 6:
            depth = rng.choice([50, 200, 1000])
            nested = "condition: " + "not " * depth + "selection"
            lines = [line for line in lines if not line.strip().startswith("condition:")]
            lines.append("    " + nested)
        elif kind == 7:
            depth = rng.choice([120, 1000])
            lines.append("extra: " + "{a: " * depth + "b" + "}" * depth)
        elif kind == 8:
            lines.append(_bomb(rng.choice([4, 6, 9])))
        elif kind == 9 and lines:
            lines.insert(where, lines[where].split(":", 1)[0] + ": &t [*t]")
        elif lines:  # truncate
            text = text[: rng.randrange(len(text) + 1)]
            continue
        text = "\n".join(lines)
    return text


class _Timeout(Exception):
    pass


def _alarm(signum: int, frame: FrameType | None) -> None:
    raise _Timeout


def api_cases(rules: list[Path], count: int, rng: random.Random, folder: Path) -> dict[str, Any]:
    from sigma_certutil import CertutilError, convert_all, load_rule

    defects: Counter[str] = Counter()
    examples: dict[str, str] = {}
    slow = 0
    signal.signal(signal.SIGALRM, _alarm)
    started = time.perf_counter()
    for number in range(count):
        source = rng.choice(rules)
        path = folder / f"api-{number}.yml"
        path.write_bytes(mutate(source.read_text(encoding="utf-8"), rng).encode("utf-8", "replace"))
        signal.alarm(10)
        begun = time.perf_counter()
        try:
            convert_all(load_rule(path))
        except CertutilError:
            pass
        except _Timeout:
            defects["timeout"] += 1
            examples.setdefault("timeout", str(source))
        except Exception as error:  # what this script counts
            key = f"{type(error).__name__}"
            defects[key] += 1
            examples.setdefault(key, f"{source}: {str(error)[:160]}")
        finally:
            signal.alarm(0)
        slow += time.perf_counter() - begun > 1
        path.unlink()
    return {
        "cases": count,
        "defects": sum(defects.values()),
        "by_kind": dict(defects),
        "examples": examples,
        "over_1s": slow,
        "seconds": round(time.perf_counter() - started, 1),
    }


def _sigma_cli(given: str | None) -> str | None:
    if given:
        return given
    beside = Path(sys.executable).parent / "sigma"
    if beside.exists():
        return str(beside)
    cached = Path.home() / ".cache" / "sigma-certutil-benchmark" / "venv" / "bin" / "sigma"
    return shutil.which("sigma") or (str(cached) if cached.exists() else None)


def _run(command: list[str]) -> tuple[int | None, str]:
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=10, check=False)
    except subprocess.TimeoutExpired:
        return None, ""
    return done.returncode, done.stderr


def cli_cases(
    rules: list[Path], count: int, rng: random.Random, folder: Path, sigma: str | None
) -> dict[str, Any]:
    ours = shutil.which("sigma-certutil") or str(Path(sys.executable).parent / "sigma-certutil")
    counts: dict[str, Counter[str]] = {"ours": Counter(), "sigma-cli": Counter()}
    examples: dict[str, str] = {}
    for number in range(count):
        source = rng.choice(rules)
        path = folder / f"cli-{number}.yml"
        path.write_bytes(mutate(source.read_text(encoding="utf-8"), rng).encode("utf-8", "replace"))
        code, stderr = _run([ours, "convert", str(path)])
        side = counts["ours"]
        side[f"exit {code}" if code is not None else "timeout"] += 1
        if code is None or code == 3 or "Traceback" in stderr or len(stderr.splitlines()) > 6:
            side["defects"] += 1
            examples.setdefault(f"ours exit {code}", f"{source}: {stderr.strip()[:200]}")
        if sigma:
            command = [sigma, "convert", "-t", "splunk", "-p", "sysmon", "-p", "splunk_windows"]
            code, stderr = _run([*command, str(path)])
            side = counts["sigma-cli"]
            side[f"exit {code}" if code is not None else "timeout"] += 1
            if code is None or "Traceback" in stderr:
                side["defects"] += 1
        path.unlink()
    return {
        "cases": count,
        "ours": dict(counts["ours"]),
        "sigma-cli": dict(counts["sigma-cli"]) if sigma else "not found",
        "examples": examples,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=DEFAULT_SHARED)
    parser.add_argument("--api", type=int, default=10_000, help="API cases (default 10,000)")
    parser.add_argument("--cli", type=int, default=500, help="CLI cases (default 500)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--sigma", help="sigma-cli's sigma executable (default: found)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    folder = args.shared / "data" / "sigmahq" / "rules" / "windows"
    rules = sorted(folder.rglob("*.yml"))
    if not rules:
        print(f"no SigmaHQ rules under {folder}", file=sys.stderr)
        return 2
    rng = random.Random(args.seed)
    with tempfile.TemporaryDirectory(prefix="sigma-certutil-fuzz-") as name:
        report = {
            "seed": args.seed,
            "api": api_cases(rules, args.api, rng, Path(name)),
            "cli": cli_cases(rules, args.cli, rng, Path(name), _sigma_cli(args.sigma)),
        }
    print(json.dumps(report, indent=2) if args.json else _text(report))
    return 1 if report["api"]["defects"] or report["cli"]["ours"].get("defects") else 0


def _text(report: dict[str, Any]) -> str:
    api, cli = report["api"], report["cli"]
    lines = [
        f"seed {report['seed']}",
        f"API: {api['cases']} cases, {api['defects']} defects {api['by_kind']}, "
        f"{api['over_1s']} over 1 s, {api['seconds']} s",
        f"CLI: {cli['cases']} cases; ours {cli['ours']}; sigma-cli {cli['sigma-cli']}",
    ]
    lines += [
        f"  {kind}: {example}" for kind, example in {**api["examples"], **cli["examples"]}.items()
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
