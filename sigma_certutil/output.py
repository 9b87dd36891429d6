"""Write files whole or not at all."""

from __future__ import annotations

import contextlib
import os

from sigma_certutil.errors import OutputError

# A new file only (never through a symbolic link), with the usual permissions (umask).
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
_CREATE |= getattr(os, "O_NOFOLLOW", 0)


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it into place.

    A reader never sees a half-written file, and a failure or an interruption leaves any
    previous file intact and removes the temporary file. Its name, ``.<name>.<pid>.<n>.tmp``,
    carries the process id (a build's workers write side by side); a name left by a process
    that was killed is passed over, and the next build removes it (build/sweep.py).
    """
    target = os.fspath(path)
    folder, name = os.path.split(target)
    data = text.encode("utf-8")
    for attempt in range(100):
        temporary = os.path.join(folder, f".{name}.{os.getpid()}.{attempt}.tmp")
        try:
            descriptor = os.open(temporary, _CREATE, 0o666)
            break
        except FileExistsError:
            continue
        except OSError as error:
            raise OutputError(f"{target}: cannot write: {error.strerror}") from error
    else:
        raise OutputError(f"{target}: cannot write: no free temporary name beside it")
    try:
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(descriptor, view) :]
        finally:
            os.close(descriptor)
        os.replace(temporary, target)
    except BaseException as error:  # interrupted too (Ctrl-C, SIGTERM): no temporary stays
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        if isinstance(error, OSError):
            raise OutputError(f"{target}: cannot write: {error.strerror}") from error
        raise
