"""BuildOptions: what a build is asked for and converts with. Its JSON form is the manifest's
and the build state's; equal options let a rebuild answer from the state, and the same
versions and targets let it reuse what the last build converted."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import two_rules

from sigma_certutil import TARGETS
from sigma_certutil.build import BuildOptions, Manifest, build
from sigma_certutil.build import plan as build_plan
from sigma_certutil.build import workers as build_workers
from sigma_certutil.build.state import BuildState
from sigma_certutil.errors import TargetError


def _no_conversion(monkeypatch: pytest.MonkeyPatch, *, no_plan: bool = False) -> None:
    def refuse(*args: object) -> None:
        raise AssertionError("not expected in this build")

    monkeypatch.setattr(build_workers, "converter", refuse)
    if no_plan:
        monkeypatch.setattr(build_plan, "plan", refuse)


def test_create_takes_every_target_by_default_and_records_versions(tmp_path: Path) -> None:
    options = BuildOptions.create([tmp_path / "rules"], tmp_path / "out")
    assert options.targets == tuple(TARGETS)
    assert options.sources == (str(tmp_path / "rules"),)
    assert options.out == tmp_path / "out"
    assert {"sigma-certutil", "pysigma", "pipelines"} <= set(options.versions)
    with pytest.raises(TargetError):
        BuildOptions.create([], tmp_path, ["no-such-target"])


def test_json_round_trip_and_the_manifest_records_the_build_options(tmp_path: Path) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    build([rules], out, ["eql", "kusto"], allow_unsupported=True, workers=1)
    options = BuildOptions.create([rules], out, ["eql", "kusto"], allow_unsupported=True)
    assert Manifest.read(out).options == options
    assert BuildOptions.from_json(options.to_json(), out) == options
    assert list(options.to_json()) == [
        "versions", "sources", "pipelines", "targets", "allow_unsupported", "deploy",
    ]  # fmt: skip
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert {key: manifest[key] for key in options.to_json()} == options.to_json()
    assert hash(options) == hash(BuildOptions.from_json(options.to_json(), out))


def test_the_state_keeps_the_options_as_json(tmp_path: Path) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    build([rules], out, ["eql"], workers=1)
    state = json.loads((out / ".sigma-certutil" / "state.json").read_text(encoding="utf-8"))
    assert state["options"] == BuildOptions.create([rules], out, ["eql"]).to_json()
    assert BuildState.read(out).options == BuildOptions.create([rules], out, ["eql"])


def test_a_state_of_the_old_format_is_ignored(tmp_path: Path) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    build([rules], out, ["eql"], workers=1)
    path = out / ".sigma-certutil" / "state.json"
    state = json.loads(path.read_text(encoding="utf-8"))
    options = state["options"]
    old = {**state, "format": 2, "options": [options[key] for key in options]}
    path.write_text(json.dumps(old), encoding="utf-8")
    assert BuildState.read(out) == BuildState()
    again = build([rules], out, ["eql"], workers=1)
    assert (again.written, again.removed, again.errors) == ([], [], [])
    assert json.loads(path.read_text(encoding="utf-8"))["format"] == state["format"]


def test_equal_options_answer_from_the_state(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    first = build([rules], out, ["eql", "splunk"], workers=1)
    _no_conversion(monkeypatch, no_plan=True)
    again = build([rules], out, ["eql", "splunk"], workers=1)
    assert (again.written, again.unchanged, again.query_count) == ([], 5, 4)
    assert again.outputs == first.outputs


def test_other_options_with_the_same_conversion_reuse_every_query(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    first = build([rules], out, ["eql", "splunk"], workers=1)
    _no_conversion(monkeypatch)
    # The same rule files named another way, and refusals allowed: other options, the same
    # conversion.
    spelled = f"{rules}/"
    other = BuildOptions.create([spelled], out, ["eql", "splunk"], allow_unsupported=True)
    assert other != BuildOptions.create([rules], out, ["eql", "splunk"])
    again = build([spelled], out, ["eql", "splunk"], allow_unsupported=True, workers=1)
    assert again.written == ["manifest.json"]
    assert [o.query_hash for o in again.outputs] == [o.query_hash for o in first.outputs]


def test_converts_as_compares_versions_and_targets(tmp_path: Path) -> None:
    options = BuildOptions.create(["rules"], tmp_path, ["eql", "kusto"])
    same = BuildOptions.create(["other"], tmp_path / "x", ["eql", "kusto"], deploy=True)
    assert options.converts_as(same) and options != same
    assert not options.converts_as(BuildOptions.create(["rules"], tmp_path, ["kusto", "eql"]))
    newer = BuildOptions.from_json(
        {**options.to_json(), "versions": {**options.versions, "pysigma": "99.0"}}, tmp_path
    )
    assert not options.converts_as(newer) and options != newer


def test_from_json_names_what_is_wrong(tmp_path: Path) -> None:
    good = BuildOptions.create(["rules"], tmp_path, deploy=True).to_json()
    before_deploy = {key: value for key, value in good.items() if key != "deploy"}
    assert BuildOptions.from_json(before_deploy, tmp_path).deploy is False
    for key, value, message in (
        ("versions", ["x"], '"versions": not an object of strings'),
        ("sources", "rules", '"sources": not a list of strings'),
        ("targets", [1], '"targets": not a list of strings'),
        ("allow_unsupported", "yes", '"allow_unsupported": not true or false'),
        ("deploy", None, '"deploy": not true or false'),
    ):
        with pytest.raises(ValueError, match=message):
            BuildOptions.from_json({**good, key: value}, tmp_path)
    with pytest.raises(ValueError, match='"pipelines": not a list of strings'):
        BuildOptions.from_json({k: v for k, v in good.items() if k != "pipelines"}, tmp_path)
