"""The manifest, OUT/manifest.json: the build's options, one entry per query file (Output), per
refusal of a target (Refusal) and per rule file that did not load (Failure), and the deploy
files. It says what ``check`` rebuilds, lists the only files a later build may remove, and
lets a build reuse what the last one converted.

The text is indented like ``json.dumps(indent=2)`` at the top with one line per entry, so a
rule change is a one-line diff; ``Manifest.text`` writes it and ``Manifest.read`` reads it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sigma_certutil.build.layout import MANIFEST
from sigma_certutil.build.options import BuildOptions
from sigma_certutil.errors import ManifestError


class Output(NamedTuple):
    """One query file, as the manifest lists it."""

    rule_id: str
    title: str
    source: str
    rule_hash: str
    target: str
    path: str
    query_hash: str


class Refusal(NamedTuple):
    """A rule that a target cannot express, and why."""

    source: str
    rule_id: str
    title: str
    rule_hash: str
    target: str
    message: str


class Failure(NamedTuple):
    """A rule file that did not load (the same file gives the same error: it is not read
    again while its hash holds)."""

    source: str
    rule_hash: str
    message: str


_NOT_OURS = "not a manifest sigma-certutil writes"
_Entry = TypeVar("_Entry", Output, Refusal, Failure)


@dataclass(frozen=True)
class Manifest:
    """What a build wrote, and with which options."""

    options: BuildOptions
    outputs: tuple[Output, ...] = ()
    refused: tuple[Refusal, ...] = ()
    failed: tuple[Failure, ...] = ()
    deploy_files: tuple[str, ...] = ()

    @classmethod
    def read(cls, out: str | Path) -> Manifest:
        """OUT's manifest; ManifestError when there is none, it cannot be read, or it is not
        one this package writes."""
        path, data = _load(out)
        return _parse(path, data, out)

    def paths(self) -> set[str]:
        """Every file the build wrote besides the manifest: the only ones a later build may
        remove."""
        return {output.path for output in self.outputs} | set(self.deploy_files)

    def text(self) -> str:
        """The manifest file's text."""
        options = self.options.to_json()
        deploy = options.pop("deploy")
        parts = [f'  "{key}": {_indented(value)}' for key, value in options.items()]
        for key, entries in (
            ("outputs", self.outputs),
            ("refused", self.refused),
            ("failed", self.failed),
        ):
            lines = ",\n".join(
                f"    {json.dumps(entry._asdict(), ensure_ascii=False)}" for entry in entries
            )
            parts.append(f'  "{key}": [\n{lines}\n  ]' if entries else f'  "{key}": []')
        parts.append(f'  "deploy": {_indented(deploy)}')
        parts.append(f'  "deploy_files": {_indented(list(self.deploy_files))}')
        return "{\n" + ",\n".join(parts) + "\n}\n"


def read_manifest(out: str | Path) -> dict[str, Any]:
    """OUT's manifest as the JSON object it is, once ``Manifest.read`` would accept it."""
    path, data = _load(out)
    _parse(path, data, out)
    return data


def _indented(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


def _load(out: str | Path) -> tuple[Path, dict[str, Any]]:
    path = Path(out) / MANIFEST
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as error:
        raise ManifestError(f"no manifest: build into {out} first", path) from error
    except UnicodeDecodeError as error:
        raise ManifestError("not a text file (invalid UTF-8)", path) from error
    except OSError as error:
        raise ManifestError(f"cannot read: {error.strerror}", path) from error
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        message = f"invalid JSON: {error.msg} (column {error.colno})"
        raise ManifestError(message, path, error.lineno) from error
    except RecursionError as error:
        raise ManifestError("invalid JSON: nested too deeply", path) from error
    if not isinstance(data, dict):
        raise ManifestError(f"{_NOT_OURS}: a JSON {_kind(data)}, not an object", path)
    return path, data


def _parse(path: Path, data: dict[str, Any], out: str | Path) -> Manifest:
    try:
        options = BuildOptions.from_json(data, out)
        outputs = _entries(data, "outputs", Output._make, Output._fields, required=True)
        # Keys added since the first manifests: absent means none.
        refused = _entries(data, "refused", Refusal._make, Refusal._fields)
        failed = _entries(data, "failed", Failure._make, Failure._fields)
        deploy_files = data.get("deploy_files", [])
        if not isinstance(deploy_files, list) or not all(isinstance(p, str) for p in deploy_files):
            raise ValueError('"deploy_files": not a list of strings')
    except ValueError as error:
        raise ManifestError(f"{_NOT_OURS}: {error}", path) from error
    return Manifest(options, outputs, refused, failed, tuple(deploy_files))


def _entries(
    data: Mapping[str, Any],
    key: str,
    make: Callable[[list[str]], _Entry],
    fields: tuple[str, ...],
    *,
    required: bool = False,
) -> tuple[_Entry, ...]:
    if key not in data and not required:
        return ()
    entries = data.get(key)
    if not isinstance(entries, list):
        raise ValueError(f'"{key}": not a list')
    names = frozenset(fields)
    found: list[_Entry] = []
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict) or entry.keys() != names:
            raise ValueError(f'"{key}"[{index}]: not an object of {", ".join(fields)}')
        values = [entry[name] for name in fields]
        if not all(isinstance(value, str) for value in values):
            raise ValueError(f'"{key}"[{index}]: a value that is not a string')
        found.append(make(values))
    return tuple(found)


def _kind(value: object) -> str:
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return "null"
