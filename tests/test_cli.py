"""The command line: sigma_certutil.cli.main(argv), in this process (tests/test_entry_point.py
runs the installed script)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, ROOT, SNAPSHOTS, TEST_RULES, cli, run_cli

from sigma_certutil import TARGETS

FLAGSHIP = SNAPSHOTS / BUNDLED_RULE.stem


def golden(target_id: str) -> str:
    return (FLAGSHIP / f"{target_id}.{TARGETS[target_id].extension}").read_text(encoding="utf-8")


def test_convert_without_rule_prints_every_target_readably() -> None:
    result = cli("convert")
    assert result.code == 0, result.stderr
    assert result.stderr == ""
    assert result.stdout.startswith("# Uncommon Network Connection Initiated By Certutil.EXE\n")
    for target in TARGETS.values():
        assert f"## {target.id}: {target.language}\n{golden(target.id)}" in result.stdout


def test_one_target_prints_only_the_query() -> None:
    for target_id in TARGETS:
        result = cli("convert", "-t", target_id)
        assert result.code == 0, result.stderr
        assert result.stdout == golden(target_id)


def test_json_has_one_object_per_rule_and_target() -> None:
    rule = TEST_RULES / "net_connection_inbound_smb_to_user_binary.yml"
    result = cli("convert", str(rule), "--json", "-t", "eql,kusto")
    assert result.code == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [(r["rule"], r["target"]) for r in rows] == [(str(rule), "eql"), (str(rule), "kusto")]
    assert rows[0]["id"] == "6d3c3a55-1f0e-4b59-9c53-2a1f1f0c9a01"
    assert rows[0]["title"] == "Inbound SMB Connection Accepted By A Binary Under Users"
    assert set(rows[0]) == {"rule", "id", "title", "target", "query"}


def test_json_for_the_bundled_rule() -> None:
    rows = json.loads(cli("convert", "--json").stdout)
    assert [r["target"] for r in rows] == list(TARGETS)
    assert {r["rule"] for r in rows} == {"bundled"}
    assert {r["id"] for r in rows} == {"0dba975d-a193-4ed1-a067-424df57570d1"}
    assert rows[-1]["query"] + "\n" == golden("kusto")


def test_output_file(tmp_path: Path) -> None:
    output = tmp_path / "q.spl"
    result = cli("convert", "-t", "splunk", "-o", str(output))
    assert (result.code, result.stdout, result.stderr) == (0, "", "")
    assert output.read_text(encoding="utf-8") == golden("splunk")
    assert [p.name for p in tmp_path.iterdir()] == ["q.spl"]


def test_targets_lists_the_data_each_assumes() -> None:
    result = cli("targets", "--json")
    rows = json.loads(result.stdout)
    assert [row["id"] for row in rows] == ["splunk", "lucene", "eql", "esql", "kusto"]
    assert "XmlWinEventLog" in rows[0]["data"]
    assert "DeviceNetworkEvents" in rows[-1]["data"]
    text = cli("targets").stdout
    assert all(f"{t}\t" in text for t in TARGETS)


def test_fields_reports_where_each_field_lands() -> None:
    result = cli("fields", "-t", "eql", "-t", "splunk", "--json")
    assert result.code == 0, result.stderr
    rows = {(r["target"], r["field"]): r for r in json.loads(result.stdout)}
    assert rows[("eql", "Initiated")]["target_fields"] == ["network.direction"]
    assert "ecs_initiated_to_direction" in rows[("eql", "Initiated")]["steps"]
    assert rows[("splunk", "Image")]["target_fields"] == ["Image"]
    assert rows[("splunk", "Image")]["steps"] == []
    text = cli("fields", "-t", "lucene").stdout
    assert "bundled\tlucene\tDestinationPort -> destination.port\t[ecs_fields]\n" in text


def test_fields_names_a_field_the_event_lacks(tmp_path: Path) -> None:
    rule = tmp_path / "typo.yml"
    rule.write_text(
        BUNDLED_RULE.read_text(encoding="utf-8").replace("DestinationPort:", "DestPort:"),
        encoding="utf-8",
    )
    result = cli("fields", str(rule), "-t", "eql")
    assert result.code == 1
    assert result.stderr == (
        f"sigma-certutil: error: {rule}: eql: field 'DestPort' is not a field of Sysmon "
        "Event ID 3 (Network connection)\n"
    )


def test_a_defect_while_reading_a_rule_exits_3_naming_the_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sigma_certutil.rules

    def defect(path: object, **_: object) -> object:
        raise KeyError("detection")

    monkeypatch.setattr(sigma_certutil.rules, "load_rule", defect)
    for command in ("convert", "fields", "explain"):
        result = cli(command, str(BUNDLED_RULE))
        assert (result.code, result.stdout) == (3, "")
        assert result.stderr == (
            f"sigma-certutil: error: {BUNDLED_RULE}: internal error: KeyError: 'detection'\n"
        )


def test_limits_on_each_command_that_reads_rules(tmp_path: Path) -> None:
    rule = tmp_path / "r.yml"
    rule.write_text(BUNDLED_RULE.read_text(encoding="utf-8"), encoding="utf-8")
    message = f"sigma-certutil: error: {rule}: file is 864 bytes, over the rule_bytes limit of "
    for command in ("convert", "fields", "explain"):
        result = cli(command, "--limits", "rule_bytes=100", str(rule))
        assert (result.code, result.stderr) == (2, message + "100 bytes\n")
        assert cli(command, "--limits", "rule_bytes=1k", str(rule)).code == 0
    help_text = cli("convert", "--help").stdout
    assert "condition_depth=64" in " ".join(help_text.split())


# --- conventions of the ecosystem -----------------------------------------------------------


def test_bare_command_prints_usage_as_a_usage_error() -> None:
    result = cli()
    assert result.code == 2
    assert result.stderr.startswith("usage: sigma-certutil [-h] [--version]")
    assert "lint" in result.stderr and result.stdout == ""


def test_an_empty_target_is_a_usage_error() -> None:
    for given in ("", "kusto,", " "):
        result = cli("convert", "-t", given)
        assert result.code == 2
        assert result.stderr == (
            f"sigma-certutil: error: -t {given!r}: an empty target id "
            "(known: splunk, lucene, eql, esql, kusto)\n"
        )
        assert result.stdout == ""


def test_convert_reads_folders_recursively_with_your_pipelines(tmp_path: Path) -> None:
    rules = tmp_path / "rules"
    (rules / "deep" / "er").mkdir(parents=True)
    (rules / ".hidden").mkdir()
    (rules / "deep" / "er" / "r.yml").write_bytes(BUNDLED_RULE.read_bytes())
    (rules / ".hidden" / "r.yml").write_bytes(BUNDLED_RULE.read_bytes())
    (rules / "settings.yml").write_text("retention: 30\n", encoding="utf-8")
    index = ROOT / "examples" / "detection-as-code" / "pipelines" / "index.yml"
    result = cli("convert", str(rules), "-t", "splunk", "-p", str(index))
    assert result.code == 0, result.stderr
    golden = (SNAPSHOTS / BUNDLED_RULE.stem / "splunk.spl").read_text(encoding="utf-8")
    assert result.stdout == 'index="sysmon" ' + golden
    assert result.stderr == (
        f"sigma-certutil: note: {rules / 'settings.yml'}: skipped: not a Sigma rule: expected a "
        "mapping with title, logsource and detection\n"
    )
    # Named on its own, a file that is no rule is an error.
    alone = cli("convert", str(rules / "settings.yml"))
    assert alone.code == 2


def test_convert_p_names_a_pipeline_that_does_not_load(tmp_path: Path) -> None:
    broken = tmp_path / "p.yml"
    broken.write_text("name: x\ntransformations: 3\n", encoding="utf-8")
    result = cli("convert", "-t", "splunk", "-p", str(broken))
    assert result.code == 2
    assert result.stderr.startswith(f"sigma-certutil: error: {broken}")


def test_conventions_through_the_installed_script(tmp_path: Path) -> None:
    bare = run_cli()
    assert bare.returncode == 2 and bare.stderr.startswith("usage: sigma-certutil")
    empty = run_cli("convert", "-t", "")
    assert (empty.returncode, empty.stdout) == (2, "")
    assert empty.stderr.startswith("sigma-certutil: error: -t '': an empty target id")
    rules = tmp_path / "rules" / "a" / "b"
    rules.mkdir(parents=True)
    (rules / "r.yml").write_bytes(BUNDLED_RULE.read_bytes())
    index = ROOT / "examples" / "detection-as-code" / "pipelines" / "index.yml"
    converted = run_cli("convert", "rules", "-t", "splunk", "-p", str(index), cwd=tmp_path)
    golden = (SNAPSHOTS / BUNDLED_RULE.stem / "splunk.spl").read_text(encoding="utf-8")
    assert (converted.returncode, converted.stdout) == (0, 'index="sysmon" ' + golden)


_EXPAND_RULE = """\
title: Admin tools as parents
id: 5b0f3c3e-9d6e-4a57-8d39-5c1f0e1d2a77
status: test
logsource:
    product: windows
    category: process_creation
detection:
    sel:
        ParentImage|expand|endswith: '%admin_tools%'
    condition: sel
level: low
"""


def test_convert_fills_expand_from_your_pipelines_vars(tmp_path: Path) -> None:
    rule = tmp_path / "expand.yml"
    rule.write_text(_EXPAND_RULE, encoding="utf-8")
    own = tmp_path / "own.yml"
    own.write_text(
        "name: our tools\npriority: 5\nvars:\n  admin_tools: ['\\psexec.exe', '\\paexec.exe']\n",
        encoding="utf-8",
    )
    result = cli("convert", str(rule), "-t", "kusto", "-p", str(own))
    assert (result.code, result.stderr) == (0, "")
    assert result.stdout == (
        "DeviceProcessEvents\n| where (InitiatingProcessFolderPath endswith "
        '"\\\\psexec.exe" or InitiatingProcessFolderPath endswith "\\\\paexec.exe")\n'
    )


def test_convert_refuses_expand_without_vars_naming_the_placeholder(tmp_path: Path) -> None:
    rule = tmp_path / "expand.yml"
    rule.write_text(_EXPAND_RULE, encoding="utf-8")
    result = cli("convert", str(rule), "-t", "splunk")
    assert (result.code, result.stdout) == (1, "")
    assert result.stderr == (
        f"sigma-certutil: error: {rule}: splunk: |expand: placeholder %admin_tools% has no "
        "value; give it in your own pipeline (-p own.yml) as vars: {admin_tools: [...]}\n"
    )
