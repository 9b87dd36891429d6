"""sigma-certutil build and check: one file per rule and target, nothing rewritten twice,
removals, drift, bad rules listed, custom pipelines and safe output names."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from helpers import BUNDLED_RULE, SNAPSHOTS, TEST_RULES, cli

from sigma_certutil.build import build, safe_stem
from sigma_certutil.stores import ECS
from sigma_certutil.targets import TARGETS


def _rules(tmp_path: Path) -> Path:
    folder = tmp_path / "rules" / "nested"
    folder.mkdir(parents=True)
    shutil.copy(BUNDLED_RULE, folder / "certutil.yml")
    shutil.copy(TEST_RULES / "net_connection_inbound_smb_to_user_binary.yml", tmp_path / "rules")
    return tmp_path / "rules"


def test_build_writes_one_file_per_rule_and_target_then_nothing(tmp_path: Path) -> None:
    rules, out = _rules(tmp_path), tmp_path / "out"
    first = build([rules], out, workers=1)
    assert not first.errors
    assert sorted(first.written) == sorted(
        [f"{target.id}/{stem}.{target.extension}" for target in TARGETS.values()
         for stem in ("certutil", "net_connection_inbound_smb_to_user_binary")]
        + ["manifest.json"]
    )  # fmt: skip
    golden = SNAPSHOTS / BUNDLED_RULE.stem / "kusto.kql"
    assert (out / "kusto" / "certutil.kql").read_text(encoding="utf-8") == golden.read_text(
        encoding="utf-8"
    )
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    entry = next(o for o in manifest["outputs"] if o["path"] == "eql/certutil.eql")
    assert entry["rule_id"] == "0dba975d-a193-4ed1-a067-424df57570d1"
    assert set(entry) == {"rule_id", "title", "source", "rule_hash", "target", "path", "query_hash"}
    assert {"sigma-certutil", "pysigma", "pipelines"} <= set(manifest["versions"])
    mtimes = {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}
    second = build([rules], out, workers=1)
    assert (second.written, second.removed) == ([], [])
    assert second.query_count == len(second.outputs) == 10
    assert second.outputs == first.outputs
    assert mtimes == {p: p.stat().st_mtime_ns for p in out.rglob("*") if p.is_file()}


def test_removed_rule_removes_its_outputs(tmp_path: Path) -> None:
    rules, out = _rules(tmp_path), tmp_path / "out"
    build([rules], out, workers=1)
    (rules / "nested" / "certutil.yml").unlink()
    result = build([rules], out, workers=1)
    assert sorted(result.removed) == [
        "eql/certutil.eql", "esql/certutil.esql", "kusto/certutil.kql",
        "lucene/certutil.lucene", "splunk/certutil.spl",
    ]  # fmt: skip
    assert not (out / "eql" / "certutil.eql").exists()


def test_one_bad_rule_is_listed_and_the_rest_is_built(tmp_path: Path) -> None:
    rules, out = _rules(tmp_path), tmp_path / "out"
    (rules / "broken.yml").write_text("title: x\ndetection:\n  sel: [\n", encoding="utf-8")
    result = cli("build", str(rules), "-o", str(out), "-q")
    assert result.code == 1
    assert result.stderr.startswith(f"sigma-certutil: error: {rules / 'broken.yml'}:")
    assert (out / "kusto" / "certutil.kql").exists()


def test_check_reports_drift_and_update_fixes_it(tmp_path: Path) -> None:
    rules, out = _rules(tmp_path), tmp_path / "out"
    assert cli("build", str(rules), "-o", str(out), "-q").code == 0
    assert cli("check", str(out), "-q").code == 0
    query = out / "splunk" / "certutil.spl"
    query.write_text("edited by hand\n", encoding="utf-8")
    drift = cli("check", str(out), "-q")
    assert drift.code == 1
    assert "--- splunk/certutil.spl (committed)" in drift.stdout
    assert "-edited by hand" in drift.stdout
    assert cli("check", str(out), "--update", "-q").code == 0
    assert query.read_text(encoding="utf-8").startswith('source="XmlWinEventLog:')


def test_custom_pipeline_composes_by_priority(tmp_path: Path) -> None:
    rules, out = _rules(tmp_path), tmp_path / "out"
    pipeline = tmp_path / "index.yml"
    pipeline.write_text(
        "name: our Splunk index\npriority: 40\ntransformations:\n"
        "  - id: our_index\n    type: add_condition\n    conditions:\n      index: sysmon\n",
        encoding="utf-8",
    )
    result = build([rules], out, ["splunk"], [pipeline], workers=1)
    assert not result.errors
    assert (
        (out / "splunk" / "certutil.spl")
        .read_text(encoding="utf-8")
        .startswith('index="sysmon" source="XmlWinEventLog:')
    )


def test_output_names_never_leave_out(tmp_path: Path) -> None:
    assert safe_stem(Path("../../x.yml")) == "x"
    assert safe_stem(Path("..evil name$.yml")) == "evil_name_"
    rules, out = tmp_path / "rules", tmp_path / "out"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "..a b;rm -rf.yml")
    build([rules], out, ["eql"], workers=1)
    assert [p.name for p in (out / "eql").iterdir()] == ["a_b_rm_-rf.eql"]
    assert {p.name for p in tmp_path.iterdir()} == {"rules", "out"}


def test_deploy_writes_the_vendor_files_and_nothing_twice(tmp_path: Path) -> None:
    import yaml

    rules, out = _rules(tmp_path), tmp_path / "out"
    result = build([rules], out, deploy=True, workers=1)
    assert not result.errors
    deploy = out / "deploy"
    assert "[Uncommon Network Connection Initiated By Certutil.EXE]" in (
        deploy / "savedsearches.conf"
    ).read_text(encoding="utf-8")
    for target in (t.id for t in TARGETS.values() if t.store is ECS):
        lines = (deploy / f"elastic-{target}.ndjson").read_text(encoding="utf-8").splitlines()
        rule_ids = [json.loads(line)["rule_id"] for line in lines]
        assert "0dba975d-a193-4ed1-a067-424df57570d1" in rule_ids
    sentinel = yaml.safe_load((deploy / "sentinel" / "certutil.yaml").read_text(encoding="utf-8"))
    assert sentinel["relevantTechniques"] == ["T1105"]
    assert sentinel["query"].startswith("DeviceNetworkEvents\n")
    again = build([rules], out, deploy=True, workers=1)
    assert (again.written, again.removed) == ([], [])
    (rules / "nested" / "certutil.yml").unlink()
    removed = build([rules], out, deploy=True, workers=1).removed
    assert "deploy/sentinel/certutil.yaml" in removed


def test_a_hand_edited_output_is_rewritten_even_at_the_same_size(tmp_path: Path) -> None:
    rules, out = _rules(tmp_path), tmp_path / "out"
    build([rules], out, ["splunk"], workers=1)
    query = out / "splunk" / "certutil.spl"
    original = query.read_text(encoding="utf-8")
    query.write_text("x" * (len(original) - 1) + "\n", encoding="utf-8")
    result = build([rules], out, ["splunk"], workers=1)
    assert result.written == ["splunk/certutil.spl"]
    assert query.read_text(encoding="utf-8") == original


def test_an_edited_rule_is_converted_again_and_nothing_else_is_written(tmp_path: Path) -> None:
    rules, out = _rules(tmp_path), tmp_path / "out"
    build([rules], out, ["eql"], workers=1)
    rule = rules / "nested" / "certutil.yml"
    rule.write_text(
        rule.read_text(encoding="utf-8").replace("- 445", "- 8445"),
        encoding="utf-8",
    )
    result = build([rules], out, ["eql"], workers=1)
    assert result.written == ["eql/certutil.eql", "manifest.json"]
    assert "(80, 135, 443, 8445)" in (out / "eql" / "certutil.eql").read_text(encoding="utf-8")


def test_the_build_state_stays_out_of_git_and_the_manifest(tmp_path: Path) -> None:
    rules, out = _rules(tmp_path), tmp_path / "out"
    build([rules], out, ["kusto"], workers=1)
    state = out / ".sigma-certutil"
    assert (state / ".gitignore").read_text(encoding="utf-8").splitlines()[-1] == "*"
    assert (state / "state.json").exists()
    manifest = (out / "manifest.json").read_text(encoding="utf-8")
    assert ".sigma-certutil" not in manifest
    (state / "state.json").write_text("not json", encoding="utf-8")  # only a cache
    again = build([rules], out, ["kusto"], workers=1)
    assert (again.written, again.removed, again.errors) == ([], [], [])


def test_raised_limits_are_recorded_and_check_uses_them(tmp_path: Path) -> None:
    rules, out = tmp_path / "rules", tmp_path / "out"
    rules.mkdir()
    text = BUNDLED_RULE.read_text(encoding="utf-8")
    nested = "(" * 80 + "selection" + ")" * 80
    deep = rules / "deep.yml"
    deep.write_text(text.replace("condition: selection", f"condition: {nested}"), encoding="utf-8")
    refused = cli("build", str(rules), "-o", str(out), "-q", "-t", "eql")
    assert refused.code == 1
    assert "over the condition_depth limit of 64" in refused.stderr
    assert "limits" not in json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    raised = ["--limits", "condition_depth=100"]
    assert cli("build", str(rules), "-o", str(out), "-q", "-t", "eql", *raised).code == 0
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["limits"]["condition_depth"] == 100
    assert (out / "eql" / "deep.eql").exists()
    assert cli("check", str(out), "-q").code == 0
    manifest["limits"] = {"condition_depth": 0}
    (out / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    broken = cli("check", str(out), "-q")
    assert broken.code == 2
    assert broken.stderr.startswith(f"sigma-certutil: error: {out / 'manifest.json'}: ")
    assert "condition_depth must be a positive integer" in broken.stderr


def test_hidden_folders_and_excluded_globs_are_left_out_and_check_keeps_them_out(
    tmp_path: Path,
) -> None:
    rules, out = tmp_path / "rules", tmp_path / "out"
    for folder in ("", ".github", "drafts", "net"):
        (rules / folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(BUNDLED_RULE, rules / folder / f"r{len(folder)}.yml")
    result = build([rules], out, ["splunk"], workers=1, exclude=["drafts"])
    assert sorted(p.name for p in (out / "splunk").iterdir()) == ["r0.spl", "r3.spl"]
    assert result.errors == []
    assert json.loads((out / "manifest.json").read_text(encoding="utf-8"))["exclude"] == ["drafts"]
    assert cli("check", str(out), "-q").code == 0


def test_a_yaml_file_that_is_no_rule_is_skipped_and_with_strict_an_error(tmp_path: Path) -> None:
    rules, out = tmp_path / "rules", tmp_path / "out"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "r.yml")
    (rules / "owners.yml").write_text("- team-a\n- team-b\n", encoding="utf-8")
    message = (
        f"{rules / 'owners.yml'}:1: not a Sigma rule: expected a mapping with title, logsource "
        "and detection"
    )
    result = build([rules], out, ["splunk"], workers=1)
    assert (result.errors, result.not_rules) == ([], [message])
    assert build([rules], out, ["splunk"], workers=1).not_rules == [message]  # a rebuild too
    strict = cli("build", str(rules), "-o", str(tmp_path / "strict"), "-t", "splunk", "--strict")
    assert strict.code == 1
    assert f"sigma-certutil: error: {message}\n" in strict.stderr
    lenient = cli("build", str(rules), "-o", str(tmp_path / "lenient"), "-t", "splunk", "-q")
    assert (lenient.code, lenient.stderr) == (0, f"sigma-certutil: note: {message}; skipped\n")
