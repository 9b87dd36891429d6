"""files.py: only regular files are read, never past the size limit, and each refusal is the
caller's InputError kind naming the file. FIFOs and devices are refused from their status,
before they are opened: a test that would hang or read forever runs in a child process with
a timeout and a memory cap."""

from __future__ import annotations

import os
import resource
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from sigma_certutil.errors import CorpusError, PipelineError, RuleError
from sigma_certutil.files import not_regular, read_input

LIMIT = 1024


def test_a_regular_file_and_a_symlink_to_one_are_read(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_bytes(b"title: x\n")
    link = tmp_path / "link.yml"
    link.symlink_to(path)
    assert read_input(path, RuleError, LIMIT) == b"title: x\n"
    assert read_input(str(link), RuleError, LIMIT) == b"title: x\n"


def test_exactly_the_limit_is_read_one_byte_more_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "r.yml"
    path.write_bytes(b"x" * LIMIT)
    assert len(read_input(path, RuleError, LIMIT)) == LIMIT
    path.write_bytes(b"x" * (LIMIT + 1))
    with pytest.raises(RuleError) as caught:
        read_input(path, RuleError, LIMIT)
    assert str(caught.value) == f"{path}: file is 1025 bytes, over the rule_bytes limit of 1 KiB"
    assert (caught.value.source, caught.value.line) == (str(path), None)


def test_the_error_is_the_callers_kind_and_names_the_limit(tmp_path: Path) -> None:
    path = tmp_path / "p.yml"
    path.write_bytes(b"x" * 2000)
    with pytest.raises(PipelineError, match=r"over the pipeline_bytes limit of 1500 bytes$"):
        read_input(path, PipelineError, 1500, "pipeline_bytes")
    with pytest.raises(CorpusError, match=r": file not found$"):
        read_input(tmp_path / "missing.yml", CorpusError, LIMIT)


def test_a_directory_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "x.yml"
    folder.mkdir()
    with pytest.raises(RuleError) as caught:
        read_input(folder, RuleError, LIMIT)
    assert str(caught.value) == f"{folder}: is a directory, not a file"


def test_an_unreadable_file_says_why(tmp_path: Path) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    path = tmp_path / "r.yml"
    path.write_bytes(b"x")
    path.chmod(0)
    with pytest.raises(RuleError, match=r": cannot read: Permission denied$"):
        read_input(path, RuleError, LIMIT)


def test_a_socket_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    with socket.socket(socket.AF_UNIX) as server:
        server.bind(str(path))
        with pytest.raises(RuleError) as caught:
            read_input(path, RuleError, LIMIT)
    assert (
        str(caught.value) == f"{path}: not a regular file (a socket); only regular files are read"
    )


def test_kinds_of_files_by_mode() -> None:
    assert not_regular(os.stat(__file__).st_mode) is None
    assert not_regular(os.stat("/dev/null").st_mode) == "a character device"
    assert not_regular(os.stat("/").st_mode) == "a directory"


# A FIFO blocks whoever opens it for reading until a writer comes, and /dev/zero never ends:
# read in a child with a timeout and a 1 GiB address space, a regression fails, not hangs.
_PROBE = (
    "import sys\n"
    "from sigma_certutil.errors import RuleError\n"
    "from sigma_certutil.files import read_input\n"
    "try:\n"
    "    read_input(sys.argv[1], RuleError, 1 << 20)\n"
    "except RuleError as error:\n"
    "    print(error)\n"
)


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


def _probe(path: Path) -> str:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=True,
        preexec_fn=_limit_memory,
    )
    return done.stdout


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "x.yml"
    os.mkfifo(fifo)
    assert _probe(fifo) == f"{fifo}: not a regular file (a FIFO); only regular files are read\n"


def test_a_symlink_to_dev_zero_is_refused_without_reading(tmp_path: Path) -> None:
    link = tmp_path / "zero.yml"
    link.symlink_to("/dev/zero")
    assert _probe(link) == (
        f"{link}: not a regular file (a character device); only regular files are read\n"
    )
