"""build --deploy: a rule a deploy file cannot hold is listed and left out of that file, which
is written for the others (a previous one is never removed for it); the deploy files are made
from what the workers read of each rule, not from the rule files read again."""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from deploy_checks import BUNDLED_TITLE, read_conf
from helpers import BUNDLED_RULE, SMB_RULE, cli, two_rules

from sigma_certutil.build import build
from sigma_certutil.build import workers as build_workers

SMB_TITLE = "Inbound SMB Connection Accepted By A Binary Under Users"
BUNDLED_ID = "0dba975d-a193-4ed1-a067-424df57570d1"


def _variant(rules: Path, name: str, *, title: str | None = None, rule_id: str | None = None,
             description: str | None = None) -> Path:  # fmt: skip
    """The bundled rule, under another name, with another title, id or description."""
    text = BUNDLED_RULE.read_text(encoding="utf-8")
    if title is not None:
        text = re.sub("^title: .*$", f"title: {title}", text, count=1, flags=re.M)
    if rule_id is not None:
        text = re.sub("^id: .*$", f"id: {rule_id}", text, count=1, flags=re.M)
    if description is not None:
        text = re.sub(r"^description: \|\n(    .*\n)+", f"description: {description}\n", text,
                      count=1, flags=re.M)  # fmt: skip
    path = rules / name
    path.write_text(text, encoding="utf-8")
    return path


def _ndjson_ids(out: Path, target: str) -> list[str]:
    text = (out / "deploy" / f"elastic-{target}.ndjson").read_text(encoding="utf-8")
    return [json.loads(line)["rule_id"] for line in text.splitlines()]


def test_a_rule_a_deploy_file_cannot_hold_is_left_out_of_it(tmp_path: Path) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    assert cli("build", str(rules), "-o", str(out), "-q", "--deploy", "-j", "1").code == 0
    conf = out / "deploy" / "savedsearches.conf"
    assert list(read_conf(conf.read_text(encoding="utf-8"))) == [BUNDLED_TITLE, SMB_TITLE]
    other_id = "11111111-0000-4000-8000-000000000000"
    default = _variant(rules, "default.yml", title="'[default]'", rule_id=other_id)
    twin = _variant(rules, "twin.yml", description="The same title and id.")
    result = cli("build", str(rules), "-o", str(out), "-q", "--deploy", "-j", "1")
    assert result.code == 1
    assert result.stderr.splitlines() == [
        *(
            f"sigma-certutil: error: {twin}: elastic-rules: rule_id {BUNDLED_ID} is already used "
            f"by {rules / 'certutil.yml'} ({target}); Kibana would import only one of them"
            for target in ("eql", "esql", "lucene")
        ),
        f"sigma-certutil: error: {default}: splunk-savedsearches: title '[default]' cannot "
        "name a savedsearches.conf stanza",
        f"sigma-certutil: error: {twin}: splunk-savedsearches: stanza [{BUNDLED_TITLE}] is "
        f"already taken by {rules / 'certutil.yml'}; Splunk would merge the two searches",
    ]
    assert list(read_conf(conf.read_text(encoding="utf-8"))) == [BUNDLED_TITLE, SMB_TITLE]
    for target in ("eql", "esql", "lucene"):
        assert BUNDLED_ID in _ndjson_ids(out, target)
        assert other_id in _ndjson_ids(out, target)
    # Their query files and Sentinel rules are written: only the shared files refuse them.
    assert (out / "splunk" / "default.spl").exists() and (out / "splunk" / "twin.spl").exists()
    assert (out / "deploy" / "sentinel" / "twin.yaml").exists()
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert "deploy/savedsearches.conf" in manifest["deploy_files"]
    assert (out / ".sigma-certutil" / "state.json").exists()


def test_a_rule_over_a_sentinel_limit_has_no_sentinel_file(tmp_path: Path) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    long = _variant(
        rules, "long.yml", description="x" * 5001, rule_id="22222222-0000-4000-8000-000000000000"
    )
    (rules / "certutil.yml").unlink()
    result = build([rules], out, ["kusto", "splunk"], deploy=True, workers=1)
    assert result.errors == [
        f"{long}: sentinel-rule: Sentinel's description holds at most 5000 characters, this "
        "one 5002"
    ]
    assert sorted(p.name for p in (out / "deploy" / "sentinel").iterdir()) == ["smb.yaml"]
    assert "deploy/savedsearches.conf" in result.written
    assert BUNDLED_TITLE in (out / "deploy" / "savedsearches.conf").read_text(encoding="utf-8")


def _then_remove(rules: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every rule file is gone once the workers are done with it."""
    real = build_workers.convert_all

    def convert_all(*args: object, **kwargs: object) -> Iterator[object]:
        yield from real(*args, **kwargs)  # type: ignore[arg-type]
        for rule in rules.iterdir():
            rule.unlink()

    monkeypatch.setattr(build_workers, "convert_all", convert_all)


@pytest.mark.parametrize("workers", [1, 2])
def test_deploy_takes_the_rules_as_the_workers_read_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, workers: int
) -> None:
    rules, out, fresh = two_rules(tmp_path), tmp_path / "out", tmp_path / "fresh"
    for index in range(20):
        shutil.copy(SMB_RULE, rules / f"smb{index:02}.yml")
        rule_id = f"{index:08}-0000-4000-8000-000000000000"
        _variant(rules, f"c{index:02}.yml", title=f"C{index}", rule_id=rule_id)
    build([rules], fresh, deploy=True, allow_unsupported=True, workers=1)
    expected = {p.relative_to(fresh): p.read_bytes() for p in (fresh / "deploy").rglob("*.*")}
    # Converted now, and (the second time) kept from the last build: either way the deploy
    # files are made without the rule files.
    for again in (False, True):
        copy = tmp_path / "copy"
        shutil.copytree(rules, copy, dirs_exist_ok=True)
        with monkeypatch.context() as patch:
            _then_remove(rules, patch)
            result = build([rules], out, deploy=True, allow_unsupported=True, workers=workers)
        # The 20 copies of smb.yml: its title and id again in savedsearches.conf and 3 NDJSON.
        assert len(result.errors) == 80, result.errors[:3]
        assert all("already" in error for error in result.errors)
        got = {p.relative_to(out): p.read_bytes() for p in (out / "deploy").rglob("*.*")}
        assert got == expected
        assert (result.written == []) is again
        shutil.copytree(copy, rules, dirs_exist_ok=True)
        for rule in rules.iterdir():  # the same files, as the state saw them
            shutil.copystat(copy / rule.name, rule)


def test_a_deploy_folder_that_cannot_be_made_is_one_line_and_exit_2(tmp_path: Path) -> None:
    rules, out = two_rules(tmp_path), tmp_path / "out"
    out.mkdir()
    (out / "deploy").write_text("a file where the folder goes\n", encoding="utf-8")
    result = cli("build", str(rules), "-o", str(out), "-q", "--deploy", "-t", "kusto", "-j", "1")
    assert result.code == 2
    assert result.stderr == (
        f"sigma-certutil: error: {out / 'deploy' / 'sentinel'}: cannot create: Not a directory\n"
    )
    assert [p.name for p in (out / "kusto").iterdir()] == ["certutil.kql", "smb.kql"]
    assert _temporaries(out) == []


def _temporaries(folder: Path) -> list[Path]:
    return list(folder.rglob("*.tmp"))
