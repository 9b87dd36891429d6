"""Reading an input file safely: only a regular file, and only up to a size limit.

A FIFO would block the reader forever and a device (``/dev/zero``, or a symlink to it) never
ends: both are refused from their status, before they are opened for reading. A symlink to a
regular file is read like the file.
"""

from __future__ import annotations

import os
import stat

from sigma_certutil.errors import InputError
from sigma_certutil.limits import size_text

_KINDS = (
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)
# Non-blocking: should the file become a FIFO between the status and the open, opening it
# does not wait for a writer. Close-on-exec: no child inherits it.
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
_CHUNK = 1 << 16


def not_regular(mode: int) -> str | None:
    """What a file of this mode is when it is not a regular file ('a FIFO', 'a directory',
    ...); None for a regular file."""
    if stat.S_ISREG(mode):
        return None
    if stat.S_ISDIR(mode):
        return "a directory"
    return next((kind for test, kind in _KINDS if test(mode)), "not a regular file")


def read_input(
    path: str | os.PathLike[str],
    what: type[InputError],
    limit: int,
    limit_name: str = "rule_bytes",
) -> bytes:
    """The bytes of the regular file at ``path``, at most ``limit`` of them; ``what`` (the
    InputError kind) says why not: no such file, not a regular file, over the limit (named
    ``limit_name``), unreadable."""
    path = os.fspath(path)
    try:
        status = os.stat(path)
    except FileNotFoundError as error:
        raise what("file not found", path) from error
    except OSError as error:
        raise what(f"cannot read: {error.strerror or error}", path) from error
    except ValueError as error:  # a NUL in the name
        raise what(f"not a usable file name: {error}", path) from error
    _check(path, what, status.st_mode, status.st_size, limit, limit_name)
    try:
        descriptor = os.open(path, _OPEN_FLAGS)
    except OSError as error:
        raise what(f"cannot read: {error.strerror or error}", path) from error
    try:
        # The file that was opened is the one that is read: check it again.
        status = os.fstat(descriptor)
        _check(path, what, status.st_mode, status.st_size, limit, limit_name)
        chunks: list[bytes] = []
        size = 0
        while size <= limit:
            chunk = os.read(descriptor, min(_CHUNK, limit + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except OSError as error:
        raise what(f"cannot read: {error.strerror or error}", path) from error
    finally:
        os.close(descriptor)
    if size > limit:  # it grew while it was read
        raise what(_over(size, limit, limit_name, "or more"), path)
    return b"".join(chunks)


def _check(
    path: str,
    what: type[InputError],
    mode: int,
    size: int,
    limit: int,
    limit_name: str,
) -> None:
    kind = not_regular(mode)
    if kind == "a directory":
        raise what("is a directory, not a file", path)
    if kind is not None:
        raise what(f"not a regular file ({kind}); only regular files are read", path)
    if size > limit:
        raise what(_over(size, limit, limit_name), path)


def _over(size: int, limit: int, limit_name: str, more: str = "") -> str:
    return (
        f"file is {size} bytes{' ' + more if more else ''}, over the {limit_name} limit of "
        f"{size_text(limit)}"
    )
