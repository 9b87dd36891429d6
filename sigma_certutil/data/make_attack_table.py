"""Write sigma_certutil/data/attack.json, the compact MITRE ATT&CK table used offline.

    python -m sigma_certutil.data.make_attack_table SOURCE [-o sigma_certutil/data/attack.json]

SOURCE is MITRE's STIX 2.1 bundle (enterprise-attack.json from mitre-attack/attack-stix-data),
or, where that cannot be downloaded, the table pySigma 0.x derived from it and shipped as
sigma/data/mitre_attack.py (version, tactics, techniques and their tactics). The output keeps
tactic ids, short names and names, technique ids, names and tactics, the ATT&CK version and
MITRE's terms-of-use notice.
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
    args = parser.parse_args()
    text = args.source.read_text(encoding="utf-8")
    table = (
        from_stix(json.loads(text)) if args.source.suffix == ".json" else from_pysigma_table(text)
    )
    table = {"notice": NOTICE, "source": args.source_label or args.source.name, **table}
    args.output.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
