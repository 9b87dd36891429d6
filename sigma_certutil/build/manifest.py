"""The manifest, OUT/manifest.json: the build's options, one entry per query file (Output), per
refusal of a target (Refusal) and per rule file that did not load (Failure), and the deploy
files. It says what ``check`` rebuilds, lists the only files a later build may remove, and
lets a build reuse what the last one converted.

The text is indented like ``json.dumps(indent=2)`` at the top with one line per entry, so a
rule change is a one-line diff; ``Manifest.text`` writes it and ``Manifest.read`` reads it.
"""

from __future__ import annotations

import json
import os
import stat
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NamedTuple, TypeVar

from sigma_certutil.build.layout import MANIFEST, is_deploy_path, is_query_path
from sigma_certutil.build.options import BuildOptions
from sigma_certutil.errors import ManifestError
from sigma_certutil.files import read_input


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

    def check_inputs(self, out: str | Path) -> None:
        """ManifestError unless each source it names is a folder or a regular .yml or .yaml
        file, and each pipeline a regular .yml or .yaml file: ``check`` reads nothing else a
        manifest names. (A missing source is the build's own error.)"""
        path = Path(out) / MANIFEST
        for index, name in enumerate(self.options.sources):
            key = f'"sources"[{index}] {name!r}'
            mode = _mode(name, key, path)
            if mode is not None and not stat.S_ISDIR(mode) and not _rule_or_pipeline(name, mode):
                raise ManifestError(f"{key}: not a folder or a regular .yml or .yaml file", path)
        for index, name in enumerate(self.options.pipelines):
            key = f'"pipelines"[{index}] {name!r}'
            mode = _mode(name, key, path)
            if mode is None:
                raise ManifestError(f"{key}: no such file", path)
            if not _rule_or_pipeline(name, mode):
                raise ManifestError(f"{key}: not a regular .yml or .yaml file", path)

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


def _mode(name: str, key: str, manifest: Path) -> int | None:
    """The file type and mode of a path the manifest names; None when there is no such file."""
    try:
        return os.stat(name).st_mode
    except FileNotFoundError:
        return None
    except OSError as error:
        raise ManifestError(f"{key}: cannot read: {error.strerror}", manifest) from error


def _rule_or_pipeline(name: str, mode: int) -> bool:
    return stat.S_ISREG(mode) and name.endswith((".yml", ".yaml"))


def read_manifest(out: str | Path) -> dict[str, Any]:
    """OUT's manifest as the JSON object it is, once ``Manifest.read`` would accept it."""
    path, data = _load(out)
    _parse(path, data, out)
    return data


def _indented(value: Any) -> str:
    return json.dumps(value, indent=2, ensure_ascii=False).replace("\n", "\n  ")


# 40 times the manifest of SigmaHQ's 2,407 Windows rules with --deploy.
_MANIFEST_BYTES = 256 << 20


def _load(out: str | Path) -> tuple[Path, dict[str, Any]]:
    path = Path(out) / MANIFEST
    if not os.path.lexists(path):
        raise ManifestError(f"no manifest: build into {out} first", path)
    # Through the safe reader: a FIFO or a device named manifest.json is refused unread.
    raw = read_input(path, ManifestError, _MANIFEST_BYTES, "manifest size")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ManifestError("not a text file (invalid UTF-8)", path) from error
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
        _check_paths(options, outputs, refused, failed, deploy_files)
    except ValueError as error:
        raise ManifestError(f"{_NOT_OURS}: {error}", path) from error
    return Manifest(options, outputs, refused, failed, tuple(deploy_files))


def _check_paths(
    options: BuildOptions,
    outputs: Sequence[Output],
    refused: Sequence[Refusal],
    failed: Sequence[Failure],
    deploy_files: Sequence[str],
) -> None:
    """ValueError for a path that this package does not write: each output is a query file
    of one of the targets in its folder, each deploy file one a format writes (a build
    removes the files the last manifest lists, and only those); no rule file is named with
    a NUL character."""
    for index, output in enumerate(outputs):
        if output.target not in options.targets:
            raise ValueError(f'"outputs"[{index}]: target not among "targets"')
        if not is_query_path(output.target, output.path):
            raise ValueError(f'"outputs"[{index}]: "path": not a query file of its target')
    named: tuple[tuple[str, Sequence[Output | Refusal | Failure]], ...] = (
        ("outputs", outputs),
        ("refused", refused),
        ("failed", failed),
    )
    for key, entries in named:
        for index, entry in enumerate(entries):
            if not entry.source or "\0" in entry.source:
                raise ValueError(f'"{key}"[{index}]: "source": not a path')
    for index, refusal in enumerate(refused):
        if refusal.target not in options.targets:
            raise ValueError(f'"refused"[{index}]: target not among "targets"')
    for index, deploy_file in enumerate(deploy_files):
        if not is_deploy_path(deploy_file):
            raise ValueError(f'"deploy_files"[{index}]: not a file a deploy format writes')


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
