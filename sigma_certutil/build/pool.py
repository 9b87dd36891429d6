"""The worker processes of a build, which live and die with the main process.

- Only the main process answers Ctrl-C and SIGTERM: workers ignore SIGINT (the terminal
  sends it to the whole process group) and die at once of SIGTERM, which the pool sends them
  when the main process stops it; so an interrupted build prints no worker's traceback.
- Signals are blocked while the pool forks them, so that none reaches a worker before it has
  set that up (the main process gets them once the pool is there).
- On Linux each worker asks the kernel for SIGKILL when the main process dies
  (``prctl(PR_SET_PDEATHSIG)``): a build killed with SIGKILL leaves no worker that goes on
  writing, or prints BrokenPipeError when it finds no one to send its results to.
- The objects the main process holds when it forks them (pySigma, the backends) are frozen
  for the fork (``gc.freeze``, as the gc module's documentation advises before a fork): a
  worker's garbage collections then leave their pages alone, where they would otherwise write
  to every one of them and make the kernel copy it, some 4,000 page copies per build.
- The kernel closes a dying process's files before it sends that SIGKILL, so for a moment a
  worker can find its pipe to the main process broken and start to print the traceback
  (``Process ForkPoolWorker-N:``); its stderr ends the worker quietly instead, as the signal
  on its way would (``_QuietWhenOrphaned``).
"""

from __future__ import annotations

import contextlib
import gc
import os
import signal
import sys
from collections.abc import Callable, Iterator
from multiprocessing.pool import Pool
from typing import Any, TextIO

_PR_SET_PDEATHSIG = 1
_SIGNALS = {signal.SIGINT, signal.SIGTERM}
# What a worker meets when the main process's end of a pipe is gone.
_ORPHANED = (BrokenPipeError, ConnectionResetError, EOFError)


@contextlib.contextmanager
def worker_pool(
    workers: int, initializer: Callable[..., None], initargs: tuple[Any, ...]
) -> Iterator[Pool]:
    """A pool of ``workers`` processes, each started with ``initializer(*initargs)``,
    terminated (and waited for) when the block ends, however it ends."""
    import multiprocessing

    fork = multiprocessing.get_start_method() == "fork"
    # A forked worker's parent is this process; one started otherwise, the start server's.
    parent = os.getpid() if fork else None
    already = _block()
    # A caller's own frozen objects stay as the caller left them: then nothing is frozen here.
    freeze = fork and gc.get_freeze_count() == 0
    if freeze:
        gc.freeze()
    try:
        pool = multiprocessing.Pool(workers, _worker, (parent, already, initializer, initargs))
    finally:
        if freeze:
            gc.unfreeze()  # this process collects as before; the workers keep them frozen
        _restore(already)
    with pool:  # Pool.__exit__ terminates the workers and joins them
        yield pool


def _worker(
    parent: int | None,
    already: set[signal.Signals],
    initializer: Callable[..., None],
    initargs: tuple[Any, ...],
) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    _die_with_parent()
    sys.stderr = _QuietWhenOrphaned(sys.stderr)
    if parent is not None and os.getppid() != parent:  # it died before we asked
        os._exit(1)
    _restore(already)
    initializer(*initargs)


class _QuietWhenOrphaned:
    """A worker's stderr: a write made while the worker handles a broken pipe to the main
    process (which has died) ends the worker at once, with nothing printed; the rest goes
    through to the stream."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        if isinstance(sys.exc_info()[1], _ORPHANED):
            os._exit(1)
        return self._stream.write(text)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


def _die_with_parent() -> None:
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
    except (OSError, AttributeError):  # no libc to ask: the worker outlives a killed build
        pass


def _block() -> set[signal.Signals]:
    """Block SIGINT and SIGTERM; the ones blocked already."""
    if not hasattr(signal, "pthread_sigmask"):  # pragma: no cover - Windows
        return set(_SIGNALS)
    before = signal.pthread_sigmask(signal.SIG_BLOCK, _SIGNALS)
    return {signal.Signals(number) for number in before if number in _SIGNALS}


def _restore(already: set[signal.Signals]) -> None:
    """Unblock the ones ``_block`` blocked."""
    if hasattr(signal, "pthread_sigmask") and _SIGNALS - already:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, _SIGNALS - already)
