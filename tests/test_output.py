"""output.py: a file is written whole or not at all; a failure or an interruption leaves the
previous file and no temporary file, which is named ``.<name>.<pid>.<n>.tmp``."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from sigma_certutil.errors import OutputError
from sigma_certutil.output import write_atomic


def test_write_atomic_writes_through_a_temporary_name(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "x.eql"
    real = os.replace
    seen: list[str] = []

    def replace(source: str, target: str) -> None:
        seen.append(os.path.basename(source))
        real(source, target)

    monkeypatch.setattr(os, "replace", replace)
    write_atomic(path, "query\n")
    assert seen == [f".x.eql.{os.getpid()}.0.tmp"]
    assert path.read_bytes() == b"query\n"


@pytest.mark.parametrize("error", [KeyboardInterrupt(), OSError(28, "No space left on device")])
def test_a_failed_or_interrupted_write_leaves_the_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, error: BaseException
) -> None:
    path = tmp_path / "x.eql"
    path.write_text("before\n", encoding="utf-8")

    def replace(*args: object) -> None:
        raise error

    monkeypatch.setattr(os, "replace", replace)
    with pytest.raises(OutputError if isinstance(error, OSError) else KeyboardInterrupt) as caught:
        write_atomic(path, "after\n")
    if isinstance(error, OSError):
        assert str(caught.value) == f"{path}: cannot write: No space left on device"
    assert [p.name for p in tmp_path.iterdir()] == ["x.eql"]
    assert path.read_text(encoding="utf-8") == "before\n"


def test_a_temporary_name_another_process_left_is_passed_over(tmp_path: Path) -> None:
    path = tmp_path / "x.eql"
    left = tmp_path / f".x.eql.{os.getpid()}.0.tmp"
    left.write_text("partial", encoding="utf-8")
    write_atomic(path, "query\n")
    assert path.read_text(encoding="utf-8") == "query\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == [left.name, "x.eql"]
