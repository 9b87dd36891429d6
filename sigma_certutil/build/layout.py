"""Where a build's files are: the rule files under its sources, each rule file's output name,
the path of a rule's query for a target, and the fixed names under OUT.

``OUT/<target>/<stem>.<ext>`` per rule and target, ``OUT/manifest.json``, ``OUT/deploy/`` (with
``--deploy``) and the local build state ``OUT/.sigma-certutil/state.json``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Mapping, Sequence
from fnmatch import fnmatchcase
from pathlib import Path

from sigma_certutil.errors import RuleError
from sigma_certutil.targets import TARGETS

MANIFEST = "manifest.json"
STATE = Path(".sigma-certutil") / "state.json"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def rule_files(sources: Sequence[str | Path], exclude: Sequence[str] = ()) -> list[str]:
    """Every rule file under the given folders (recursively) and files, sorted. Under a
    folder, hidden folders (a name starting with '.': ``.git``, ``.github``) are skipped, and
    so is whatever ``exclude`` matches (``fnmatch`` globs, against the path as listed, the
    path under its source folder, or the name)."""
    found: set[str] = set()
    for source in map(str, sources):
        if os.path.isdir(source):
            for folder, folders, names in os.walk(source):
                folders[:] = sorted(
                    name
                    for name in folders
                    if not name.startswith(".")
                    and not _excluded(os.path.join(folder, name), source, exclude)
                )
                found.update(
                    path
                    for path in (os.path.join(folder, name) for name in names)
                    if path.endswith((".yml", ".yaml")) and not _excluded(path, source, exclude)
                )
        elif os.path.exists(source):
            found.add(source)
        else:
            raise RuleError("no such file or folder", Path(source))
    return sorted(found)


def _excluded(path: str, source: str, exclude: Sequence[str]) -> bool:
    if not exclude:
        return False
    names = {
        Path(path).as_posix(),
        Path(os.path.relpath(path, source)).as_posix(),
        os.path.basename(path),
    }
    return any(fnmatchcase(name, pattern) for pattern in exclude for name in names)


# Names Windows reserves for devices, whatever extension follows them.
_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"} | {f"{port}{n}" for port in ("COM", "LPT") for n in range(1, 10)}
)


def safe_stem(path: str | Path) -> str:
    """A file name made only of letters, digits, '.', '_' and '-', never starting with '.' or
    '-', and never a name Windows reserves (CON, NUL, COM1 ... in any case, with any
    extension): those get a leading '_'."""
    name = os.path.basename(path)
    stem = name[: name.rfind(".")] if name.rfind(".") > 0 else name
    stem = _UNSAFE.sub("_", stem).lstrip(".")[:120] or "rule"
    if stem.startswith("-") or stem.split(".")[0].upper() in _RESERVED:
        stem = f"_{stem}"
    return stem


def stems(files: Sequence[str], previous: Mapping[str, str] | None = None) -> dict[str, str]:
    """Each rule file's output name: ``safe_stem`` of it, unless another rule file has that
    name (compared without case, as case-insensitive file systems do). Then a file keeps the
    name it had in the last build (``previous``, by rule file), and the others, in sorted
    order, take the first free name of: the plain name, the name with ``-<8 hex of the
    file's path>``. So a file's name never changes while it stays where it is, whatever rule
    files are added or removed beside it."""
    previous = previous or {}
    candidates = {source: _candidates(source) for source in files}
    found: dict[str, str] = {}
    taken: set[str] = set()
    for source in files:
        name = previous.get(source)
        if name is not None and name in candidates[source] and name.lower() not in taken:
            found[source] = name
            taken.add(name.lower())
    for source in files:
        if source not in found:
            name = next(n for n in candidates[source] if n.lower() not in taken)
            found[source] = name
            taken.add(name.lower())
    return {source: found[source] for source in files}


def _candidates(source: str) -> list[str]:
    """The names a rule file may have, in order of preference (the last ones only ever for
    a file whose shorter suffix another file has, which a hash collision or a file named
    like a suffixed one would take)."""
    stem, digest = safe_stem(source), hashlib.sha256(source.encode()).hexdigest()
    return [stem, *(f"{stem}-{digest[:length]}" for length in (8, 16, 64))]


def stem_of(path: str) -> str:
    """The output name in a query file's path under OUT."""
    return os.path.splitext(os.path.basename(path))[0]


def query_path(target: str, stem: str) -> str:
    """Where, under OUT, the query of the rule file named ``stem`` for ``target`` goes."""
    return f"{target}/{stem}.{TARGETS[target].extension}"


# An output name as this package writes them (or ever wrote them): what ``stems`` gives.
_STEM = r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,199}"


def is_query_path(target: str, path: str) -> bool:
    """Whether ``path`` is one this package writes a query of ``target`` to: its folder, a
    name of letters, digits, '.', '_' and '-' not starting with '.', its extension."""
    spec = TARGETS.get(target)
    return spec is not None and _matches(
        rf"{re.escape(target)}/{_STEM}\.{re.escape(spec.extension)}", path
    )


def is_deploy_path(path: str) -> bool:
    """Whether ``path`` is a file of a deploy folder with the extension of a format written
    there (as the target rows place them: ``deploy/*.conf``, ``deploy/*.ndjson``,
    ``deploy/sentinel/*.yaml``), named as output names are."""
    return any(_matches(shape, path) for shape in _deploy_shapes())


def _deploy_shapes() -> set[str]:
    shapes = set()
    for target in TARGETS.values():
        for entry in target.deploy:
            folder, extension = os.path.dirname(entry.path), entry.path.rsplit(".", 1)[-1]
            shapes.add(rf"{re.escape(folder)}/{_STEM}\.{re.escape(extension)}")
    return shapes


def _matches(shape: str, path: str) -> bool:
    return re.fullmatch(shape, path, flags=re.ASCII) is not None
