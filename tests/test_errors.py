"""errors.py: one error hierarchy, and bad input reported as one line on stderr naming the file
(and line), with a documented exit code, no traceback and nothing half-written."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, cli, entry_point

from sigma_certutil import (
    CertutilError,
    ConversionError,
    RuleError,
    TargetError,
    convert,
    load_bundled_rule,
    load_rule,
    parse_rule,
)

RULE = BUNDLED_RULE.read_text(encoding="utf-8")
USAGE, CONVERSION = 2, 1

NOT_A_RULE = "not a Sigma rule: expected a mapping with title, logsource and detection"
CASES = {
    "missing_file": (None, USAGE, "{path}: file not found"),
    "malformed_yaml": (
        "title: x\ndetection:\n  selection:\n    Image: [a\n  condition: selection\n",
        USAGE,
        "{path}:5: malformed YAML: expected ',' or ']', but got ':'",
    ),
    "yaml_list": ("- a\n- b\n", USAGE, "{path}:1: " + NOT_A_RULE),
    "unrelated_mapping": ("name: web\nport: 80\n", USAGE, "{path}:1: " + NOT_A_RULE),
    "empty": ("", USAGE, "{path}: empty file: not a Sigma rule"),
    "no_detection": (
        "title: x\nlogsource:\n  category: network_connection\n  product: windows\n",
        USAGE,
        "{path}: not a Sigma rule: no 'detection' section",
    ),
    "no_condition": (
        RULE.replace("    condition: selection\n", ""),
        USAGE,
        "{path}:18: 'detection' has no 'condition'",
    ),
    "unknown_modifier": (
        RULE.replace("Image|endswith", "Image|endswithx"),
        USAGE,
        "{path}:20: Unknown modifier 'endswithx'",
    ),
    "undefined_selection": (
        RULE.replace("condition: selection", "condition: selection and not filter"),
        USAGE,
        "{path}:27: Detection 'filter' not defined in detections",
    ),
    "two_documents": (
        RULE + "---\n" + RULE,
        USAGE,
        "{path}: holds 2 YAML documents; one rule per file is supported",
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_bad_rule(case: str, tmp_path: Path) -> None:
    text, code, message = CASES[case]
    path = tmp_path / f"{case}.yml"
    if text is not None:
        path.write_text(text, encoding="utf-8")
    result = cli("convert", str(path))
    assert result.code == code
    assert result.stderr == f"sigma-certutil: error: {message.format(path=path)}\n"
    assert result.stdout == ""


def test_unknown_target() -> None:
    result = cli("convert", "-t", "qradar")
    assert result.code == USAGE
    assert result.stderr == (
        "sigma-certutil: error: unknown target 'qradar' (known: splunk, lucene, eql, esql, kusto)\n"
    )


def test_unknown_option_is_one_line() -> None:
    result = cli("convert", "--bogus")
    assert result.code == USAGE
    assert result.stderr.count("\n") == 1
    assert "unrecognized arguments: --bogus" in result.stderr


def test_field_the_target_lacks_fails_that_target_only(tmp_path: Path) -> None:
    path = tmp_path / "utctime.yml"
    path.write_text(
        RULE.replace("Initiated: 'true'", "UtcTime|startswith: '2024-'"), encoding="utf-8"
    )
    result = cli("convert", str(path), "--json")
    assert result.code == CONVERSION
    errors = result.stderr.splitlines()
    assert [line.split(": ")[3] for line in errors] == ["lucene", "eql", "esql", "kusto"]
    assert all(line.startswith(f"sigma-certutil: error: {path}: ") for line in errors)
    assert (
        "UtcTime" in errors[0] and "UtcTime" in errors[-1] and "DeviceNetworkEvents" in errors[-1]
    )
    assert '"target": "splunk"' in result.stdout  # Splunk keeps Sysmon's UtcTime field


def test_log_source_that_is_no_windows_event_log(tmp_path: Path) -> None:
    path = tmp_path / "nosuch.yml"
    path.write_text(
        RULE.replace("category: network_connection", "service: nosuchlog"), encoding="utf-8"
    )
    result = cli("convert", str(path), "-t", "splunk")
    assert result.code == CONVERSION
    assert result.stderr == (
        f"sigma-certutil: error: {path}: splunk: log source nosuchlog is not a Windows event "
        "log of the catalog: the targets read Windows event logs only "
        "(sigma_certutil/data/windows_events.yml lists them)\n"
    )


def test_sysmon_fields_on_the_security_channel(tmp_path: Path) -> None:
    path = tmp_path / "security.yml"
    path.write_text(
        RULE.replace("category: network_connection", "service: security"), encoding="utf-8"
    )
    result = cli("convert", str(path), "-t", "splunk")
    assert result.code == CONVERSION
    assert result.stderr == (
        f"sigma-certutil: error: {path}: splunk: field 'Image' is not a field of any Security "
        "event of the catalog (71 events)\n"
    )


def test_one_bad_rule_does_not_stop_the_others(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yml"
    bad.write_text("- not a rule\n", encoding="utf-8")
    result = cli("convert", str(bad), str(BUNDLED_RULE), "-t", "kusto")
    assert result.code == USAGE
    assert result.stdout.startswith("DeviceNetworkEvents\n")
    assert result.stderr.startswith(f"sigma-certutil: error: {bad}:1: not a Sigma rule")


def test_unwritable_output(tmp_path: Path) -> None:
    target = tmp_path / "missing-dir" / "q.kql"
    result = cli("convert", "-t", "kusto", "-o", str(target))
    assert result.code == USAGE
    assert (
        result.stderr
        == f"sigma-certutil: error: {target}: cannot write: No such file or directory\n"
    )
    assert not target.parent.exists()


def test_failed_run_leaves_previous_output_whole(tmp_path: Path) -> None:
    output = tmp_path / "q.kql"
    output.write_text("previous\n", encoding="utf-8")
    bad = tmp_path / "bad.yml"
    bad.write_text("title: [\n", encoding="utf-8")
    result = cli("convert", str(bad), "-t", "kusto", "-o", str(output))
    assert result.code == USAGE
    assert output.read_text(encoding="utf-8") == "previous\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.yml", "q.kql"]


def test_errors_share_one_base() -> None:
    with pytest.raises(TargetError) as target_error:
        convert(load_bundled_rule(), "qradar")
    with pytest.raises(RuleError) as rule_error:
        parse_rule("title: x\nlogsource: {}\n")
    assert isinstance(target_error.value, CertutilError)
    assert isinstance(rule_error.value, CertutilError)
    assert rule_error.value.source is None
    assert str(rule_error.value) == "<rule>: not a Sigma rule: no 'detection' section"


def test_conversion_error_names_rule_and_target(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_text(
        BUNDLED_RULE.read_text(encoding="utf-8").replace("network_connection", "process_creation"),
        encoding="utf-8",
    )
    message = rf"^{path}: splunk: field 'Initiated' is not a field of Sysmon Event ID 1 \(Process"
    with pytest.raises(ConversionError, match=message):
        convert(load_rule(path), "splunk")


# --- hostile and broken input: one line naming the file and line, exit 2, never 3 ----------

ID = "id: 0dba975d-a193-4ed1-a067-424df57570d1"
TITLE = "title: Uncommon Network Connection Initiated By Certutil.EXE"
CONDITION = "condition: selection"
BOMB = "".join(
    f"  l{n}: &a{n} [{', '.join([f'*a{n - 1}'] * 9) if n else ', '.join(['x'] * 9)}]\n"
    for n in range(9)
)  # 9**9 strings when expanded, in 400 bytes
DEPTH = "yaml_depth limit of 100"
HOSTILE: dict[str, tuple[str | bytes, str]] = {
    "id_true": (
        RULE.replace(ID, "id: true"),
        "{path}:2: pySigma could not read it: AttributeError: 'bool' object has no attribute "
        "'replace'",
    ),
    "self_alias": (
        RULE.replace(TITLE, "title: &t [*t]"),
        "{path}:1: alias '*t' refers to the node that holds it",
    ),
    "nested_not": (
        RULE.replace(CONDITION, "condition: " + "not " * 200 + "selection"),
        "{path}:27: condition nests 200 levels deep, over the condition_depth limit of 64",
    ),
    "nested_mappings": (
        RULE.replace("level: high", "custom: " + "{a: " * 1000 + "x" + "}" * 1000),
        "{path}:30: YAML nested deeper than the " + DEPTH,
    ),
    "condition_null": (
        RULE.replace(CONDITION, "condition: ~"),
        "{path}:27: 'condition' must be a string or a list of strings",
    ),
    "float_key": (
        RULE.replace("Initiated: 'true'", "1.5: 'true'"),
        "{path}:21: pySigma could not read it: AttributeError: 'float' object has no attribute "
        "'split'",
    ),
    "float_tag": (
        RULE.replace("level: high", "level: !!float x"),
        "{path}:30: invalid !!float value 'x'",
    ),
    "int_tag": (
        RULE.replace("level: high", "level: !!int 0x1Z"),
        "{path}:30: invalid !!int value '0x1Z'",
    ),
    "timestamp_tag": (
        RULE.replace("level: high", "level: !!timestamp x"),
        "{path}:30: invalid !!timestamp value 'x'",
    ),
    "alias_bomb": (
        RULE.replace("logsource:", "bomb:\n" + BOMB + "logsource:"),
        "{path}:20: YAML aliases expand to more than the alias_nodes limit of 10000 nodes",
    ),
    "big_file": (
        RULE + "#" * (1 << 20) + "\n",
        f"{{path}}: file is {len(RULE) + (1 << 20) + 1} bytes, over the rule_bytes limit of 1 MiB",
    ),
    "big_condition": (
        RULE.replace(CONDITION, "condition: " + " or ".join(["selection"] * 7000)),
        "{path}:27: condition is 90996 bytes, over the condition_bytes limit of 64 KiB",
    ),
    "deep_condition": (
        RULE.replace(CONDITION, "condition: " + "(" * 65 + "selection" + ")" * 65),
        "{path}:27: condition nests 65 levels deep, over the condition_depth limit of 64",
    ),
    "deep_yaml": (
        RULE.replace("level: high", "custom: " + "[" * 100 + "]" * 100),
        "{path}:30: YAML nested deeper than the " + DEPTH,
    ),
    "duplicate_keys": (
        RULE.replace("    condition:", "    selection:\n        Image: x\n    condition:"),
        "{path}:27: duplicate key 'selection' (lines 19 and 27)",
    ),
    "non_utf8": (
        RULE.replace("frack113", "Fran\xe7ois").encode("latin-1"),
        "{path}:9: not a text file (invalid UTF-8)",
    ),
}


def _write(folder: Path, case: str, name: str | None = None) -> Path:
    text = HOSTILE[case][0]
    path = folder / (name or f"{case}.yml")
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def _line(message: str) -> str:
    """A message as print_error writes it: one line, runs of white space one space."""
    return "sigma-certutil: error: " + " ".join(message.split()) + "\n"


@pytest.mark.parametrize("command", ["convert", "explain"])
@pytest.mark.parametrize("case", HOSTILE, ids=list(HOSTILE))
def test_hostile_rule_is_one_line_exit_2(case: str, command: str, tmp_path: Path) -> None:
    path = _write(tmp_path, case)
    started = time.perf_counter()
    result = cli(command, str(path))
    assert time.perf_counter() - started < 2
    assert (result.code, result.stdout) == (USAGE, "")
    assert result.stderr == _line(HOSTILE[case][1].format(path=path))


def test_just_inside_each_limit_converts(tmp_path: Path) -> None:
    inside = {
        "deep_condition": RULE.replace(
            CONDITION, "condition: " + "(" * 64 + "selection" + ")" * 64
        ),
        "deep_yaml": RULE.replace("level: high", "custom: " + "[" * 99 + "]" * 99),
        "aliases": RULE.replace(
            "logsource:", "bomb:\n" + BOMB[: BOMB.index("  l4")] + "logsource:"
        ),
    }
    for name, text in inside.items():
        (tmp_path / f"{name}.yml").write_text(text, encoding="utf-8")
    result = cli("convert", "-t", "kusto", *sorted(str(p) for p in tmp_path.iterdir()))
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout.count("DeviceNetworkEvents") == 3


def test_limits_option_raises_a_limit(tmp_path: Path) -> None:
    path = _write(tmp_path, "deep_condition")
    result = cli("convert", "-t", "splunk", "--limits", "condition_depth=65", str(path))
    assert (result.code, result.stderr) == (0, "")
    assert "EventCode=3" in result.stdout
    result = cli("convert", "--limits", "condition_depth=none", str(path))
    assert result.code == USAGE
    assert result.stderr == _line(
        "argument --limits: limit condition_depth: 'none' is not a number (such as 128 or "
        "4MiB) (see 'sigma-certutil --help')"
    )


def test_a_file_name_with_a_line_break_is_a_path(tmp_path: Path) -> None:
    good = tmp_path / "good\nrule.yml"
    good.write_text(RULE, encoding="utf-8")
    assert cli("convert", "-t", "kusto", str(good)).code == 0
    bad = _write(tmp_path, "id_true", "bad\nrule.yml")
    result = cli("convert", str(bad))
    assert (result.code, result.stderr) == (USAGE, _line(HOSTILE["id_true"][1].format(path=bad)))


def test_a_directory_named_like_a_rule(tmp_path: Path) -> None:
    folder = tmp_path / "x.yml"
    folder.mkdir()
    shutil.copy(BUNDLED_RULE, folder / "inner.yml")
    result = cli("convert", str(folder))
    assert (result.code, result.stderr) == (USAGE, _line(f"{folder}: is a directory, not a file"))
    built = cli("build", str(tmp_path), "-o", str(tmp_path / "out"), "-t", "kusto", "-q")
    assert (built.code, built.stderr) == (0, "")  # a folder: its rules are built
    assert (tmp_path / "out" / "kusto" / "inner.kql").is_file()
    card = cli("explain", "--corpus", str(tmp_path), "--format", "json")
    assert card.code == 0 and '"corpus_rules": 1' in card.stdout


def test_build_and_check_list_every_hostile_rule_and_build_the_rest(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "good.yml")
    paths = {case: _write(rules, case) for case in HOSTILE}
    # The build names the same lines as convert, the invalid UTF-8 byte's included.
    expected = sorted(
        _line(message.format(path=paths[case])) for case, (_, message) in HOSTILE.items()
    )
    out = tmp_path / "out"
    for argv in (
        ["build", str(rules), "-o", str(out), "-t", "kusto", "-j", "1"],
        ["check", str(out)],
    ):
        result = cli(*argv)
        assert result.code == CONVERSION
        assert sorted(result.stderr.splitlines(keepends=True)[:-1]) == expected
        assert result.stderr.splitlines()[-1].endswith(
            f"{len(HOSTILE)} errors" + (", 0 differ" if argv[0] == "check" else "")
        )
    assert [p.name for p in (out / "kusto").iterdir()] == ["good.kql"]


def test_corpus_files_over_the_limits_are_errors_unreadable_yaml_is_skipped(
    tmp_path: Path,
) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(BUNDLED_RULE, corpus / "good.yml")
    for case in ("duplicate_keys", "non_utf8", "self_alias"):  # not YAML this reads: no rules
        _write(corpus, case)
    card = cli("explain", "--corpus", str(corpus), "--format", "json")
    assert (card.code, card.stderr) == (0, "")
    assert '"corpus_rules": 1' in card.stdout
    for case in ("alias_bomb", "nested_mappings", "big_file"):
        bad = _write(corpus, case)
        result = cli("explain", "--corpus", str(corpus))
        assert (result.code, result.stdout) == (USAGE, "")
        assert result.stderr == _line(HOSTILE[case][1].format(path=bad))
        bad.unlink()


# A FIFO blocks whoever opens it for reading until a writer comes, and /dev/zero never ends:
# these run the installed script with a timeout and a 2 GiB address space, so that a
# regression fails instead of hanging or filling the memory.


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def _script(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [entry_point(), *args],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        preexec_fn=_limit_memory,
    )


def _specials(folder: Path) -> dict[Path, str]:
    fifo, zero = folder / "fifo.yml", folder / "zero.yml"
    os.mkfifo(fifo)
    zero.symlink_to("/dev/zero")
    return {
        fifo: f"{fifo}: not a regular file (a FIFO); only regular files are read",
        zero: f"{zero}: not a regular file (a character device); only regular files are read",
    }


def test_fifo_and_dev_zero_are_refused_unread_by_every_command(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "good.yml")
    specials = _specials(rules)
    for path, message in specials.items():
        for command in ("convert", "explain"):
            result = _script(command, str(path))
            assert (result.returncode, result.stderr) == (USAGE, _line(message))
    expected = sorted(_line(message) for message in specials.values())
    out = tmp_path / "out"
    for argv in (["build", str(rules), "-o", str(out), "-t", "splunk"], ["check", str(out)]):
        result = _script(*argv)
        assert result.returncode == CONVERSION
        assert sorted(result.stderr.splitlines(keepends=True)[:-1]) == expected
    assert [p.name for p in (out / "splunk").iterdir()] == ["good.spl"]
    corpus = _script("explain", "--corpus", str(rules))
    assert corpus.returncode == USAGE
    assert corpus.stderr == _line(specials[rules / "fifo.yml"])


# The command's peak resident memory, as the kernel counts it for the process (VmHWM; not
# ru_maxrss, which a child inherits from the process that forked it).
_MEASURED = (
    "import sys\n"
    "from sigma_certutil.cli import main\n"
    "code = main(sys.argv[2:])\n"
    "with open('/proc/self/status') as status, open(sys.argv[1], 'w') as out:\n"
    "    out.write(next(l.split()[1] for l in status if l.startswith('VmHWM:')))\n"
    "sys.exit(code)\n"
)


def test_an_alias_bomb_costs_the_command_little_memory(tmp_path: Path) -> None:
    """Before the limit, a smaller bomb (9**6 expanded) took 40 s and 1.9 GB, this one more
    memory than the machine has."""
    if not Path("/proc/self/status").is_file():
        pytest.skip("no /proc: the peak memory is read from /proc/self/status")
    path, peak = _write(tmp_path, "alias_bomb"), tmp_path / "maxrss"
    result = subprocess.run(
        [sys.executable, "-c", _MEASURED, str(peak), "convert", str(path)],
        capture_output=True, text=True, timeout=60, check=False, preexec_fn=_limit_memory,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (
        USAGE,
        _line(HOSTILE["alias_bomb"][1].format(path=path)),
    )
    assert int(peak.read_text(encoding="utf-8")) < 100 * 1024  # KiB: under 100 MB
