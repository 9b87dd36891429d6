"""The manifest is untrusted input: one that names a path this package does not write, an
unknown target or a NUL character is a one-line ManifestError (exit 2) for build and check,
before any file is read or removed; check reads only the folders and regular .yml/.yaml
files a manifest names, and never prints what another file holds."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from helpers import BUNDLED_RULE, TEST_RULES, cli

SMB_RULE = TEST_RULES / "net_connection_inbound_smb_to_user_binary.yml"
SECRET = "s3cr3t-token-1234"


def _built(tmp_path: Path, *extra: str) -> tuple[Path, Path]:
    rules, out = tmp_path / "rules", tmp_path / "out"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "certutil.yml")
    shutil.copy(SMB_RULE, rules / "smb.yml")
    assert cli("build", str(rules), "-o", str(out), "-q", "-t", "eql,kusto", *extra).code == 0
    return rules, out


def _edit(out: Path, change: Callable[[dict[str, Any]], object]) -> None:
    path = out / "manifest.json"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


def _path(value: str) -> Callable[[dict[str, Any]], object]:
    return lambda data: data["outputs"][0].update(path=value)


@pytest.mark.parametrize(
    ("change", "says"),
    [
        (_path("eql"), '"outputs"[0]: "path": not a query file of its target'),
        (_path("eql/a\0b.eql"), '"outputs"[0]: "path": not a query file of its target'),
        (_path("/etc/passwd"), '"outputs"[0]: "path": not a query file of its target'),
        (_path("eql/../manifest.json"), '"outputs"[0]: "path": not a query file of its target'),
        (_path("eql/../../rules/smb.yml"), '"outputs"[0]: "path": not a query file of its'),
        (_path("kusto/certutil.kql"), '"outputs"[0]: "path": not a query file of its target'),
        (_path("eql/.manifest.eql"), '"outputs"[0]: "path": not a query file of its target'),
        (
            lambda data: data["outputs"][0].update(target="nope"),
            '"outputs"[0]: target not among "targets"',
        ),
        (lambda data: data.update(targets=["nope"]), "\"targets\": unknown target 'nope'"),
        (lambda data: data.update(sources=["ru\0les"]), '"sources"[0]: not a path'),
        (lambda data: data.update(sources=[""]), '"sources"[0]: not a path'),
        (lambda data: data.update(pipelines=["p\0.yml"]), '"pipelines"[0]: not a path'),
        (lambda data: data.update(pipelines=["/etc/passwd"]), '"pipelines"[0]: not a .yml'),
        (lambda data: data.update(outputs={"a": 1}), '"outputs": not a list'),
        (lambda data: data.update(outputs=["eql/x.eql"]), '"outputs"[0]: not an object of'),
        (lambda data: data["outputs"][0].update(source="x\0"), '"outputs"[0]: "source": not'),
        (lambda data: data.update(deploy_files=["notes.txt"]), '"deploy_files"[0]: not a file'),
        (
            lambda data: data.update(deploy_files=["eql/certutil.eql"]),
            '"deploy_files"[0]: not a file a deploy format writes',
        ),
        (lambda data: data.update(deploy_files=[3]), '"deploy_files": not a list of strings'),
    ],
)
def test_a_manifest_naming_what_this_package_does_not_write_is_refused(
    tmp_path: Path, change: Callable[[dict[str, Any]], object], says: str
) -> None:
    rules, out = _built(tmp_path)
    (out / "notes.txt").write_text("keep me\n", encoding="utf-8")
    _edit(out, change)
    before = _tree(tmp_path)
    manifest = out / "manifest.json"
    for argv in (["check", str(out)], ["build", str(rules), "-o", str(out), "-t", "eql"]):
        result = cli(*argv, "-q")
        assert result.code == 2, result
        [line] = result.stderr.splitlines()
        prefix = f"sigma-certutil: error: {manifest}: not a manifest sigma-certutil writes: "
        assert line.startswith(prefix), line
        assert says in line, line
        assert _tree(tmp_path) == before


def test_check_reads_only_folders_and_regular_yaml_files_the_manifest_names(
    tmp_path: Path,
) -> None:
    _, out = _built(tmp_path)
    manifest = out / "manifest.json"
    original = manifest.read_text(encoding="utf-8")
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    (tmp_path / "folder.yml").mkdir()
    for key, value, says in (
        ("sources", str(secret), "not a folder or a regular .yml or .yaml file"),
        ("sources", os.devnull, "not a folder or a regular .yml or .yaml file"),
        ("pipelines", str(tmp_path / "folder.yml"), "not a regular .yml or .yaml file"),
        ("pipelines", str(tmp_path / "gone.yml"), "no such file"),
    ):
        manifest.write_text(original, encoding="utf-8")
        _edit(out, lambda data, key=key, value=value: data.update({key: [value]}))  # type: ignore[misc]
        result = cli("check", str(out), "-q")
        assert result.code == 2
        assert result.stderr == (
            f'sigma-certutil: error: {manifest}: "{key}"[0] {value!r}: {says}\n'
        )


def test_check_never_quotes_a_pipeline_the_manifest_names(tmp_path: Path) -> None:
    _, out = _built(tmp_path)
    secret = tmp_path / "secret.yml"
    _edit(out, lambda data: data.update(pipelines=[str(secret)]))
    for text in (f"{SECRET}\nother: [\n", f"{SECRET}\n", f"- {SECRET}\n", f"{SECRET}: [1]\n"):
        secret.write_text(text, encoding="utf-8")
        result = cli("check", str(out), "-q")
        assert result.code == 2
        assert result.stderr == (
            f"sigma-certutil: error: {secret}: the manifest names a pipeline that does not load "
            "(build with it to see why)\n"
        )
        assert SECRET not in result.stdout


@pytest.mark.skipif(not hasattr(os, "symlink"), reason="no symbolic links")
def test_check_never_shows_what_a_symbolic_link_in_out_points_to(tmp_path: Path) -> None:
    _, out = _built(tmp_path)
    secret = tmp_path / "secret.txt"
    secret.write_text(f"{SECRET}\n", encoding="utf-8")
    (out / "eql" / "certutil.eql").unlink()
    (out / "eql" / "certutil.eql").symlink_to(secret)
    result = cli("check", str(out), "-q")
    assert result.code == 1
    assert "+++ eql/certutil.eql (built now)" in result.stdout
    assert SECRET not in result.stdout + result.stderr
    assert cli("check", str(out), "--update", "-q").code == 0
    assert not (out / "eql" / "certutil.eql").is_symlink()
    assert secret.read_text(encoding="utf-8") == f"{SECRET}\n"


def test_a_pipeline_is_a_yaml_file_that_loads(tmp_path: Path) -> None:
    rules, out = tmp_path / "rules", tmp_path / "out"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "certutil.yml")
    text = tmp_path / "pipeline.txt"
    text.write_text("name: x\ntransformations: []\n", encoding="utf-8")
    result = cli("build", str(rules), "-o", str(out), "-q", "-p", str(text))
    assert (result.code, result.stderr) == (
        2,
        f"sigma-certutil: error: {text}: not a .yml or .yaml file\n",
    )
    scalar = tmp_path / "scalar.yml"
    scalar.write_text("just a string\n", encoding="utf-8")
    result = cli("build", str(rules), "-o", str(out), "-q", "-p", str(scalar))
    assert result.code == 2
    assert result.stderr.startswith(f"sigma-certutil: error: {scalar}: invalid pipeline: ")
    assert not out.exists()


def test_a_state_naming_odd_paths_is_only_a_cache(tmp_path: Path) -> None:
    rules, out = _built(tmp_path)
    path = out / ".sigma-certutil" / "state.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    state["files"] = {"eql/\0": [1, 2, 3, 4], **state["files"]}
    state["rules"] = {str(rules / "x\0.yml"): [1, 2, 3, 4]}
    path.write_text(json.dumps(state), encoding="utf-8")
    result = cli("build", str(rules), "-o", str(out), "-q", "-t", "eql,kusto")
    assert (result.code, result.stderr) == (0, "")
