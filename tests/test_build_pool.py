"""The build's worker processes: a worker whose pipe to the main process breaks (the main
process died) ends without printing a traceback; what else it writes to stderr goes through.
The objects frozen for the fork are frozen in the workers only."""

from __future__ import annotations

import gc
import multiprocessing
import subprocess
import sys
import textwrap

import pytest

from sigma_certutil.build.pool import worker_pool

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="POSIX fork")

# A pool worker whose result pipe is swapped for one nobody reads: sending the result fails
# with BrokenPipeError, as it does when the main process has just died.
_SCRIPT = textwrap.dedent(
    """
    import multiprocessing, os, sys
    from multiprocessing.connection import Pipe
    from sigma_certutil.build.pool import worker_pool

    def orphan():
        print("before the pipe broke", file=sys.stderr, flush=True)
        outqueue = multiprocessing.current_process()._args[1]
        reader, writer = Pipe(duplex=False)
        reader.close()
        outqueue._writer = writer
        return "a result nobody reads"

    def nothing():
        pass

    if __name__ == "__main__":
        with worker_pool(1, nothing, ()) as pool:
            result = pool.apply_async(orphan)
            try:
                result.get(timeout=2)
            except multiprocessing.TimeoutError:
                print("no result", flush=True)
            # Gone as a killed build goes (Pool.terminate can hang once a worker has died:
            # the pool forks its replacement from a thread); its workers die with it.
            os._exit(0)
    """
)


def test_a_worker_that_loses_the_main_process_prints_no_traceback() -> None:
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "no result\n"
    assert done.stderr == "before the pipe broke\n"


def _freeze_count() -> int:
    return gc.get_freeze_count()


def _nothing() -> None:
    pass


def test_the_workers_keep_the_objects_of_the_fork_frozen_and_this_process_does_not() -> None:
    if multiprocessing.get_start_method() != "fork":
        pytest.skip("objects are frozen for a fork only")
    assert gc.get_freeze_count() == 0
    with worker_pool(1, _nothing, ()) as pool:
        in_worker = pool.apply(_freeze_count)
    assert in_worker > 1000  # pySigma, pytest and this module, as they were at the fork
    assert gc.get_freeze_count() == 0
