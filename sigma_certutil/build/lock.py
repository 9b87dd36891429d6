"""One build at a time per output folder: ``OUT/.sigma-certutil/lock``.

A build holds an exclusive ``flock`` on the file (and writes its process id into it) from
before it reads the build state until it is done; the system releases it when the process
ends, however it ends. A second build, or a check, does not wait: it fails at once with
LockedError (exit 2), naming the process. A check holds the lock too, without writing
anything: only when a build made the file (a check writes nothing). Forked worker processes
close their copy of the lock's descriptor, so that the lock goes with the main process.
Without ``fcntl`` (Windows) there is no lock.
"""

from __future__ import annotations

import contextlib
import errno
import os
from collections.abc import Iterator
from pathlib import Path

from sigma_certutil.errors import OutputError

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

LOCK = Path(".sigma-certutil") / "lock"

_FLAGS = getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
# The descriptors this process holds a lock through (closed in a forked child).
_held: list[int] = []
# What flock fails with on a file system without locks: the build goes on without one.
_UNSUPPORTED = frozenset({errno.ENOLCK, errno.EOPNOTSUPP, errno.ENOSYS})


class LockedError(OutputError):
    """Another process is building into (or checking) the output folder."""


@contextlib.contextmanager
def locked(out: Path, *, write: bool) -> Iterator[None]:
    """Hold OUT's lock: for a build (``write``: make the file, note this process in it), or
    for a check (only when the file is there). LockedError when another process holds it."""
    if fcntl is None:  # pragma: no cover - Windows
        yield
        return
    path = out / LOCK
    descriptor = _open(path, write)
    if descriptor is None:
        yield
        return
    try:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise LockedError(f"{out}: {_holder(descriptor)}; try again when it is done") from None
        except OSError as error:
            if error.errno not in _UNSUPPORTED:
                raise OutputError(f"{path}: cannot lock: {error.strerror}") from error
        if write:
            _note(descriptor)
        _held.append(descriptor)
        yield
    finally:
        if descriptor in _held:
            _held.remove(descriptor)
        os.close(descriptor)


def _open(path: Path, write: bool) -> int | None:
    try:
        if not write:
            return os.open(path, os.O_RDONLY | _FLAGS)
        path.parent.mkdir(parents=True, exist_ok=True)
        return os.open(path, os.O_RDWR | os.O_CREAT | _FLAGS, 0o666)
    except FileNotFoundError:
        if write:
            raise OutputError(f"{path}: cannot create: no such folder") from None
        return None
    except OSError as error:
        if not write:
            return None
        raise OutputError(f"{path}: cannot create: {error.strerror}") from error


def _note(descriptor: int) -> None:
    """This process's id in the lock file, unless it says so already (a rebuild in the same
    process changes nothing)."""
    own = f"{os.getpid()}\n".encode()
    with contextlib.suppress(OSError):
        if os.pread(descriptor, 64, 0) != own:
            os.ftruncate(descriptor, 0)
            os.pwrite(descriptor, own, 0)


def _holder(descriptor: int) -> str:
    """Who holds the lock: the build whose id the file holds, when that process runs."""
    try:
        pid = int(os.pread(descriptor, 64, 0).decode("ascii").strip())
    except (OSError, ValueError):
        pid = 0
    if pid > 0 and alive(pid):
        return f"another sigma-certutil process (pid {pid}) is building into it"
    return "another sigma-certutil process is checking or building it"


def alive(pid: int) -> bool:
    """Whether a process of that id runs (a zombie, ended but not yet reaped, does not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process
        return True
    try:  # Linux: "pid (comm) state ..."
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[0] != b"Z"
    except (OSError, IndexError):
        return True


def _close_in_child() -> None:
    for descriptor in _held:
        with contextlib.suppress(OSError):
            os.close(descriptor)
    _held.clear()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_close_in_child)
