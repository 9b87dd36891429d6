"""Where a build's files are: the rule files under its sources, each rule file's output name,
the path of a rule's query for a target, and the fixed names under OUT.

``OUT/<target>/<stem>.<ext>`` per rule and target, ``OUT/manifest.json``, ``OUT/deploy/`` (with
``--deploy``) and the local build state ``OUT/.sigma-certutil/state.json``.
"""

from __future__ import annotations

import hashlib
import os
import re
from collections.abc import Sequence
from pathlib import Path

from sigma_certutil.errors import RuleError
from sigma_certutil.targets import TARGETS

MANIFEST = "manifest.json"
STATE = Path(".sigma-certutil") / "state.json"

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def rule_files(sources: Sequence[str | Path]) -> list[str]:
    """Every rule file under the given folders (recursively) and files, sorted."""
    found: set[str] = set()
    for source in map(str, sources):
        if os.path.isdir(source):
            for folder, _, names in os.walk(source):
                found.update(
                    os.path.join(folder, name) for name in names if name.endswith((".yml", ".yaml"))
                )
        elif os.path.exists(source):
            found.add(source)
        else:
            raise RuleError("no such file or folder", Path(source))
    return sorted(found)


def safe_stem(path: str | Path) -> str:
    """A file name made only of letters, digits, '.', '_' and '-', never starting with '.'."""
    name = os.path.basename(path)
    stem = name[: name.rfind(".")] if name.rfind(".") > 0 else name
    stem = _UNSAFE.sub("_", stem).lstrip(".") or "rule"
    return stem[:120]


def stems(files: Sequence[str]) -> dict[str, str]:
    """Each rule file's output name; of two files with one name, the later one (in sorted
    order) gets a suffix from its path."""
    found: dict[str, str] = {}
    taken: set[str] = set()
    for source in files:
        stem = safe_stem(source)
        if stem in taken:
            stem = f"{stem}-{hashlib.sha256(source.encode()).hexdigest()[:8]}"
        taken.add(stem)
        found[source] = stem
    return found


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
