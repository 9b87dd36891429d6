"""Writer and CheckWriter: the writer writes what changed, whole, and records it; the check
writer writes nothing and records each difference as a unified diff. build(check=True)
takes the check writer."""

from __future__ import annotations

import os
import pickle
import shutil
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE

from sigma_certutil.build import build
from sigma_certutil.build.state import file_status
from sigma_certutil.build.writer import CheckWriter, Settled, Writer
from sigma_certutil.errors import OutputError


def _tree(folder: Path) -> dict[str, tuple[bytes, int]]:
    return {
        str(path.relative_to(folder)): (path.read_bytes(), path.stat().st_mtime_ns)
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


def _out(tmp_path: Path) -> Path:
    out = tmp_path / "out"
    (out / "eql").mkdir(parents=True)
    (out / "eql" / "a.eql").write_text("old query\nsame line\n", encoding="utf-8")
    (out / "eql" / "gone.eql").write_text("stale\n", encoding="utf-8")
    (out / "manifest.json").write_text("{}\n", encoding="utf-8")
    return out


def test_check_writer_writes_nothing_and_records_diffs(tmp_path: Path) -> None:
    out = _out(tmp_path)
    (tmp_path / "outside.eql").write_text("not ours\n", encoding="utf-8")
    before = _tree(tmp_path)
    writer = CheckWriter(out)
    writer.prepare(["eql", "kusto"])
    settled = writer.settle("eql/a.eql", "new query\nsame line\n")
    assert settled == Settled(
        "differs",
        diff="--- eql/a.eql (committed)\n+++ eql/a.eql (built now)\n"
        "@@ -1,2 +1,2 @@\n-old query\n+new query\n same line\n",
    )
    writer.note("eql/a.eql", settled)
    writer.note("kusto/b.kql", writer.settle("kusto/b.kql", "b\n"))
    writer.note("eql/same.eql", Settled("unchanged"))
    writer.write("deploy/new.conf", "[x]\n")
    writer.write("manifest.json", "{}\n")
    writer.remove(["eql/gone.eql", "../outside.eql", "."])
    writer.write_cache(Path(".sigma-certutil"), {"state.json": "{}"})
    assert _tree(tmp_path) == before
    assert not (out / "kusto").exists() and not (out / "deploy").exists()
    assert (writer.written, writer.removed, writer.unchanged) == ([], [], 2)
    assert list(writer.diffs) == ["eql/a.eql", "kusto/b.kql", "deploy/new.conf", "eql/gone.eql"]
    assert writer.diffs["kusto/b.kql"] == (
        "--- kusto/b.kql (committed)\n+++ kusto/b.kql (built now)\n@@ -0,0 +1 @@\n+b\n"
    )
    assert writer.diffs["eql/gone.eql"] == "eql/gone.eql: no rule produces this file any more\n"


def test_writer_writes_what_changed_and_records_it(tmp_path: Path) -> None:
    out = _out(tmp_path)
    (tmp_path / "outside.eql").write_text("not ours\n", encoding="utf-8")
    writer = Writer(out)
    writer.prepare(["eql", "kusto"])
    assert (out / "kusto").is_dir()
    written = writer.settle("eql/a.eql", "new query\n")
    assert written == Settled("written", file_status(out / "eql" / "a.eql"))
    assert writer.written == []  # settle records nothing: workers call it
    writer.note("eql/a.eql", written)
    writer.note("kusto/b.kql", writer.settle("kusto/b.kql", "b\n"))
    again = writer.settle("eql/a.eql", "new query\n")
    assert again == Settled("unchanged", written.stat)
    writer.note("eql/a.eql", again)
    writer.write("deploy/sentinel/x.yaml", "x: 1\n")
    writer.write("manifest.json", "{}\n")
    writer.remove(["eql/gone.eql", "../outside.eql", "."])
    writer.write_cache(Path(".sigma-certutil"), {".gitignore": "*\n", "state.json": "{}"})
    assert (writer.written, writer.removed, writer.unchanged, writer.diffs) == (
        ["eql/a.eql", "kusto/b.kql", "deploy/sentinel/x.yaml"],
        ["eql/gone.eql"],
        2,
        {},
    )
    assert (out / "eql" / "a.eql").read_text(encoding="utf-8") == "new query\n"
    assert (out / "deploy" / "sentinel" / "x.yaml").read_text(encoding="utf-8") == "x: 1\n"
    assert not (out / "eql" / "gone.eql").exists()
    assert (tmp_path / "outside.eql").exists()
    assert (out / ".sigma-certutil" / "state.json").read_text(encoding="utf-8") == "{}"
    assert not [p for p in out.rglob("*.tmp")]


def test_a_worker_gets_a_copy_that_writes_into_the_same_folder(tmp_path: Path) -> None:
    out = _out(tmp_path)
    writer = Writer(out)
    writer.prepare(["eql", "kusto"])
    copy = pickle.loads(pickle.dumps(writer))
    assert type(copy) is Writer
    assert copy.settle("kusto/c.kql", "c\n").status == "written"
    assert (out / "kusto" / "c.kql").read_text(encoding="utf-8") == "c\n"
    checking = pickle.loads(pickle.dumps(CheckWriter(out)))
    assert checking.settle("eql/a.eql", "x\n").status == "differs"


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_a_folder_that_leads_out_of_out_is_refused(tmp_path: Path) -> None:
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "eql").symlink_to(elsewhere)
    for writer in (Writer(out), CheckWriter(out)):
        with pytest.raises(OutputError, match="leaves"):
            writer.prepare(["eql"])


def test_build_check_writes_nothing_and_reports_every_file(tmp_path: Path) -> None:
    rules, out = tmp_path / "rules", tmp_path / "out"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "certutil.yml")
    result = build([rules], out, ["eql", "kusto"], check=True, workers=1)
    assert not out.exists()
    assert (result.written, result.unchanged) == ([], 0)
    assert list(result.diffs) == ["eql/certutil.eql", "kusto/certutil.kql", "manifest.json"]
    assert result.diffs["eql/certutil.eql"].startswith(
        "--- eql/certutil.eql (committed)\n+++ eql/certutil.eql (built now)\n"
    )
    build([rules], out, ["eql", "kusto"], workers=1)
    (out / "kusto" / "certutil.kql").write_text("edited\n", encoding="utf-8")
    before = _tree(out)
    drift = build([rules], out, ["eql", "kusto"], check=True, workers=1)
    assert _tree(out) == before
    assert list(drift.diffs) == ["kusto/certutil.kql"]
    assert "-edited\n" in drift.diffs["kusto/certutil.kql"]
    assert drift.unchanged == 2


def test_files_are_compared_as_bytes(tmp_path: Path) -> None:
    """A file that differs only in its line ends, or is not UTF-8, is not the text built."""
    out = _out(tmp_path)
    (out / "eql" / "a.eql").write_bytes(b"old query\r\nsame line\r\n")
    writer = Writer(out)
    writer.prepare(["eql"])
    assert writer.settle("eql/a.eql", "old query\nsame line\n").status == "written"
    assert (out / "eql" / "a.eql").read_bytes() == b"old query\nsame line\n"
    (out / "eql" / "a.eql").write_bytes(b"old query\r\nsame line\r\n")
    settled = CheckWriter(out).settle("eql/a.eql", "old query\nsame line\n")
    assert settled.status == "differs"
    assert "-old query\r\n" in settled.diff
    (out / "eql" / "a.eql").write_bytes(b"\xff\n")
    assert CheckWriter(out).settle("eql/a.eql", "x\n").diff.splitlines()[3] == "-\ufffd"


def test_a_folder_or_a_removal_that_fails_is_one_output_error(tmp_path: Path) -> None:
    out = _out(tmp_path)
    (out / "deploy").write_text("a file where the folder goes\n", encoding="utf-8")
    writer = Writer(out)
    with pytest.raises(OutputError, match=r"/deploy/sentinel: cannot create: Not a directory"):
        writer.write("deploy/sentinel/x.yaml", "x: 1\n")
    (out / "eql" / "stale.eql").mkdir()
    with pytest.raises(OutputError) as caught:
        writer.remove(["eql/stale.eql"])
    assert str(caught.value).startswith(f"{out / 'eql' / 'stale.eql'}: cannot remove: ")
    assert isinstance(caught.value.__cause__, OSError)


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_removing_a_symbolic_link_removes_the_link(tmp_path: Path) -> None:
    out = _out(tmp_path)
    (out / "eql" / "link.eql").symlink_to(out / "manifest.json")
    writer = Writer(out)
    writer.remove(["eql/link.eql"])
    assert writer.removed == ["eql/link.eql"]
    assert (out / "manifest.json").exists() and not (out / "eql" / "link.eql").is_symlink()
