"""What is in OUT besides what the manifest lists: temporary files that an interrupted build
left, and query files in the target folders that no manifest lists.

Every file is written to ``.<name>.<pid>.<n>.tmp`` beside it and renamed (output.py); a
build stopped by SIGKILL, or a worker ended with its main process, can leave one. A build
removes those of processes that are gone (or its own) from OUT's folders, and only names of
that exact form for a file this package writes in that folder. The target folders belong to
the build: a ``<name>.<ext>`` file there (the target's extension, named as output names are)
that the manifest does not list, left by a build that never wrote its manifest, is removed
by a build and reported by a check. Nothing else in OUT is touched.
"""

from __future__ import annotations

import os
import re
from collections.abc import Collection, Iterable, Iterator
from pathlib import Path

from sigma_certutil.build.layout import MANIFEST, STATE, is_deploy_path, is_query_path
from sigma_certutil.build.lock import alive
from sigma_certutil.targets import TARGETS

_TEMPORARY = re.compile(r"\.(?P<name>.+)\.(?P<pid>[0-9]{1,10})\.(?P<attempt>[0-9]{1,2})\.tmp")
_STATE_FILES = frozenset({STATE.name, ".gitignore"})


def temporaries(out: Path, own: Collection[int] = ()) -> list[str]:
    """The temporary files under OUT (by path under it) that a process left which is gone,
    or is one of ``own`` (this build's)."""
    found: list[str] = []
    for folder in _folders():
        for name in _files(out / folder):
            match = _TEMPORARY.fullmatch(name)
            if match is None or not _written_in(folder, match["name"]):
                continue
            pid = int(match["pid"])
            if pid in own or not alive(pid):
                found.append(f"{folder}/{name}" if folder else name)
    return sorted(found)


def unlisted(out: Path, targets: Iterable[str], listed: Collection[str]) -> list[str]:
    """The query files in the targets' folders (by path under OUT) that ``listed`` lacks."""
    found = []
    for target in targets:
        for name in _files(out / target):
            path = f"{target}/{name}"
            if is_query_path(target, path) and path not in listed:
                found.append(path)
    return sorted(found)


def _folders() -> list[str]:
    """OUT's folders that this package writes files in ('' is OUT)."""
    deploy = {os.path.dirname(e.path) for t in TARGETS.values() for e in t.deploy}
    return ["", str(STATE.parent), *TARGETS, *sorted(deploy)]


def _written_in(folder: str, name: str) -> bool:
    """Whether this package writes a file of that name in that folder."""
    if not folder:
        return name == MANIFEST
    if folder == str(STATE.parent):
        return name in _STATE_FILES
    path = f"{folder}/{name}"
    return is_query_path(folder, path) if folder in TARGETS else is_deploy_path(path)


def _files(folder: Path) -> Iterator[str]:
    """The names of the regular files in a folder (none when it cannot be listed); never
    a symbolic link."""
    try:
        with os.scandir(folder) as entries:
            names = [entry.name for entry in entries if entry.is_file(follow_symlinks=False)]
    except OSError:
        return
    yield from names
