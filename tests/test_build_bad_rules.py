"""build never stops for one rule: a rule that does not load, that a backend fails on, or
whose output cannot be written is listed against its file, the rest is built, the manifest
and state are written, and the exit code is 1; `-j` takes whole numbers of at least 1."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from helpers import BUNDLED_RULE, SMB_RULE, cli, two_rules

from sigma_certutil.build import build
from sigma_certutil.build import workers as build_workers
from sigma_certutil.build.writer import Writer
from sigma_certutil.errors import OutputError


def _manifest(out: Path) -> dict[str, object]:
    data: dict[str, object] = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    return data


@pytest.mark.parametrize("line", ["id: true", "id: [1, 2]", "title: {a: 1}", "level: [high]"])
def test_a_rule_pysigma_does_not_expect_is_listed(tmp_path: Path, line: str) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    text = BUNDLED_RULE.read_text(encoding="utf-8")
    key = line.split(":")[0]
    bad = "\n".join(line if row.startswith(f"{key}:") else row for row in text.splitlines())
    (rules / "bad.yml").write_text(bad + "\n", encoding="utf-8")
    result = cli("build", str(rules), "-o", str(out), "-q", "-t", "eql", "-j", "1")
    assert result.code == 1, result.stderr
    [error] = result.stderr.splitlines()
    # The rule reader names the key's line: "bad.yml:<line>: pySigma could not read it: ...".
    assert re.match(rf"sigma-certutil: error: {re.escape(str(rules / 'bad.yml'))}:\d+: ", error)
    assert sorted(p.name for p in (out / "eql").iterdir()) == ["certutil.eql", "smb.eql"]
    manifest = _manifest(out)
    assert [o["path"] for o in manifest["outputs"]] == ["eql/certutil.eql", "eql/smb.eql"]  # type: ignore[attr-defined]
    assert (out / ".sigma-certutil" / "state.json").exists()
    # The next build reports the same, from the manifest or the state.
    again = cli("build", str(rules), "-o", str(out), "-q", "-t", "eql", "-j", "1")
    assert (again.code, again.stderr) == (1, result.stderr)


def test_an_unexpected_exception_loading_one_rule_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sigma_certutil.rules

    rules, out = two_rules(tmp_path), tmp_path / "out"
    real = sigma_certutil.rules.rule_from_document

    def load(document: dict[str, object], text: str, path: Path | None, *rest: Any) -> object:
        if path is not None and path.name == "smb.yml":
            raise KeyError("detection")
        return real(document, text, path, *rest)

    monkeypatch.setattr(sigma_certutil.rules, "rule_from_document", load)
    result = cli("build", str(rules), "-o", str(out), "-q", "-t", "eql", "-j", "1")
    assert result.code == 1
    assert result.stderr.splitlines() == [
        f"sigma-certutil: error: {rules / 'smb.yml'}: internal error: KeyError: 'detection'"
    ]
    assert _manifest(out)["failed"] == [
        {
            "source": str(rules / "smb.yml"),
            "rule_hash": hashlib.sha256(SMB_RULE.read_bytes()).hexdigest(),
            "message": f"{rules / 'smb.yml'}: internal error: KeyError: 'detection'",
        }
    ]


def test_an_unexpected_exception_converting_one_rule_is_listed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    real = build_workers.converter

    def failing(targets: tuple[str, ...], pipelines: tuple[str, ...]) -> object:
        convert = real(targets, pipelines)

        def one(rule: object) -> object:
            if "smb" in str(getattr(rule, "source", "")):
                raise ZeroDivisionError("division by zero")
            return convert(rule)  # type: ignore[arg-type]

        return one

    monkeypatch.setattr(build_workers, "converter", failing)
    result = build([rules], out, ["eql"], workers=1)
    assert result.errors == [
        f"{rules / 'smb.yml'}: internal error: ZeroDivisionError: division by zero"
    ]
    assert [o.path for o in result.outputs] == ["eql/certutil.eql"]
    assert (out / "manifest.json").exists()


def test_an_output_that_cannot_be_written_is_listed_against_its_rule(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    real = Writer.settle

    def settle(self: Writer, relative: str, text: str, *, make_folder: bool = False) -> object:
        if relative == "eql/smb.eql":
            raise OutputError(f"{self.out_dir / relative}: cannot write: No space left on device")
        return real(self, relative, text, make_folder=make_folder)

    monkeypatch.setattr(Writer, "settle", settle)
    result = cli("build", str(rules), "-o", str(out), "-q", "-t", "eql,kusto", "-j", "1")
    assert result.code == 1
    assert result.stderr.splitlines() == [
        f"sigma-certutil: error: {rules / 'smb.yml'}: {out / 'eql' / 'smb.eql'}: cannot write: "
        "No space left on device"
    ]
    manifest = _manifest(out)
    assert [o["source"] for o in manifest["outputs"]] == [str(rules / "certutil.yml")] * 2  # type: ignore[attr-defined]
    assert manifest["failed"] == []  # not kept: the next build tries again
    monkeypatch.undo()
    again = build([rules], out, ["eql", "kusto"], workers=1)
    assert again.errors == []
    assert sorted(again.written) == ["eql/smb.eql", "kusto/smb.kql", "manifest.json"]


def test_a_bad_rule_in_worker_processes_is_listed_too(tmp_path: Path) -> None:
    rules, out = tmp_path / "rules", tmp_path / "out"
    rules.mkdir()
    for index in range(20):
        shutil.copy(SMB_RULE, rules / f"smb{index:02}.yml")
    text = SMB_RULE.read_text(encoding="utf-8")
    (rules / "bad.yml").write_text(re.sub("^id: .*$", "id: true", text, flags=re.M))
    result = build([rules], out, ["eql"], workers=2)
    [error] = result.errors
    assert error.startswith(f"{rules / 'bad.yml'}:") and "pySigma could not read it" in error
    assert len(result.outputs) == 20


@pytest.mark.parametrize("value", ["0", "-1", "two"])
def test_jobs_must_be_a_whole_number_of_at_least_one(tmp_path: Path, value: str) -> None:
    result = cli("build", str(tmp_path), "-o", str(tmp_path / "out"), "-j", value)
    assert result.code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("sigma-certutil: error: argument -j/--jobs: ")
    assert ("not a whole number" if value == "two" else "must be at least 1") in line
    assert not (tmp_path / "out").exists()
