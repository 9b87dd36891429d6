"""Manifest: read back, it writes the very text the build wrote; a manifest that is missing,
unreadable, not JSON or not one sigma-certutil writes is a one-line ManifestError (exit 2)."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, TESTS

from sigma_certutil.build import BuildOptions, Manifest, Output, build, read_manifest
from sigma_certutil.build.manifest import Failure, Refusal
from sigma_certutil.errors import InputError, ManifestError

# Kusto refuses it: a refusal in the manifest.
REFUSED_RULE = TESTS / "rules" / "dns_query_paste_site_by_powershell.yml"


def _built(tmp_path: Path, *, deploy: bool = False) -> Path:
    rules, out = tmp_path / "rules", tmp_path / "out"
    (rules / "nested").mkdir(parents=True)
    shutil.copy(BUNDLED_RULE, rules / "nested" / "certutil.yml")
    shutil.copy(REFUSED_RULE, rules / "paste.yml")
    (rules / "broken.yml").write_text("title: x\ndetection:\n  sel: [\n", encoding="utf-8")
    build([rules], out, allow_unsupported=True, workers=1, deploy=deploy)
    return out


@pytest.mark.parametrize("deploy", [False, True])
def test_read_then_text_is_the_file_the_build_wrote(tmp_path: Path, deploy: bool) -> None:
    out = _built(tmp_path, deploy=deploy)
    text = (out / "manifest.json").read_text(encoding="utf-8")
    manifest = Manifest.read(out)
    assert manifest.text() == text
    assert [r.target for r in manifest.refused] == ["kusto"]
    assert [Path(f.source).name for f in manifest.failed] == ["broken.yml"]
    assert bool(manifest.deploy_files) is deploy
    assert manifest.options == BuildOptions.create(
        [tmp_path / "rules"], out, allow_unsupported=True, deploy=deploy
    )
    assert manifest.paths() == {o.path for o in manifest.outputs} | set(manifest.deploy_files)
    assert read_manifest(out) == json.loads(text)


def test_text_is_indented_json_with_one_line_per_entry(tmp_path: Path) -> None:
    options = BuildOptions.create(["rules"], tmp_path, ["eql"])
    output = Output("id-1", "Zugriff auf “LSASS”", "rules/a.yml", "r1", "eql", "eql/a.eql", "q1")
    manifest = Manifest(
        options,
        (output,),
        (Refusal("rules/b.yml", "id-2", "B", "r2", "eql", "rules/b.yml: eql: no"),),
        (Failure("rules/c.yml", "r3", "rules/c.yml: malformed YAML"),),
        ("deploy/x.conf",),
    )
    text = manifest.text()
    assert json.loads(text) == {
        **options.to_json(),
        "outputs": [output._asdict()],
        "refused": [manifest.refused[0]._asdict()],
        "failed": [manifest.failed[0]._asdict()],
        "deploy_files": ["deploy/x.conf"],
    }
    assert list(json.loads(text)) == [
        "versions", "sources", "pipelines", "targets", "allow_unsupported",
        "outputs", "refused", "failed", "deploy", "deploy_files",
    ]  # fmt: skip
    assert f"    {json.dumps(output._asdict(), ensure_ascii=False)}" in text.splitlines()
    assert "“LSASS”" in text
    assert '  "outputs": [\n    {' in text
    empty = Manifest(options).text()
    assert '  "outputs": [],\n  "refused": [],\n  "failed": [],' in empty
    (tmp_path / "manifest.json").write_text(text, encoding="utf-8")
    assert Manifest.read(tmp_path) == manifest


def test_a_manifest_written_before_deploy_and_failures_reads_with_none(tmp_path: Path) -> None:
    out = _built(tmp_path)
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    for key in ("refused", "failed", "deploy", "deploy_files"):
        del data[key]
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    manifest = Manifest.read(out)
    assert (manifest.refused, manifest.failed, manifest.deploy_files) == ((), (), ())
    assert manifest.options.deploy is False


def _error(out: Path) -> str:
    with pytest.raises(ManifestError) as caught:
        Manifest.read(out)
    assert isinstance(caught.value, InputError)
    message = str(caught.value)
    assert "\n" not in message
    return message


def test_missing_unreadable_and_malformed_manifests(tmp_path: Path) -> None:
    path = tmp_path / "manifest.json"
    assert _error(tmp_path) == f"{path}: no manifest: build into {tmp_path} first"
    path.write_text('{"versions": {},\n  "sources": [}', encoding="utf-8")
    assert _error(tmp_path) == f"{path}:2: invalid JSON: Expecting value (column 15)"
    path.write_bytes(b"\xff\xfe{}")
    assert _error(tmp_path) == f"{path}: not a text file (invalid UTF-8)"
    path.write_text("[]", encoding="utf-8")
    assert _error(tmp_path) == (
        f"{path}: not a manifest sigma-certutil writes: a JSON array, not an object"
    )
    path.write_text("{}", encoding="utf-8")
    assert _error(tmp_path) == (
        f'{path}: not a manifest sigma-certutil writes: "versions": not an object of strings'
    )
    with pytest.raises(ManifestError):
        read_manifest(tmp_path)


def test_an_entry_that_is_not_ours_is_named(tmp_path: Path) -> None:
    out = _built(tmp_path)
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    del data["outputs"][1]["path"]
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    assert _error(out).endswith(
        '"outputs"[1]: not an object of rule_id, title, source, rule_hash, target, path, query_hash'
    )
    data["outputs"] = {}
    (out / "manifest.json").write_text(json.dumps(data), encoding="utf-8")
    assert _error(out).endswith(': "outputs": not a list')


@pytest.mark.parametrize(
    ("text", "says"),
    [
        (None, "no manifest: build into"),
        ("{not json", "invalid JSON: Expecting property name enclosed in double quotes"),
        ("[]", "not a manifest sigma-certutil writes: a JSON array, not an object"),
    ],
)
def test_check_fails_with_one_line_and_exit_2(tmp_path: Path, text: str | None, says: str) -> None:
    out = tmp_path / "out"
    out.mkdir()
    if text is not None:
        (out / "manifest.json").write_text(text, encoding="utf-8")
    result = subprocess.run(
        [sys.executable, "-m", "sigma_certutil", "check", str(out), "-q"],
        capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert result.returncode == 2
    [line] = result.stderr.splitlines()
    assert line.startswith(f"sigma-certutil: error: {out / 'manifest.json'}")
    assert says in line
    assert not (out / "eql").exists()
