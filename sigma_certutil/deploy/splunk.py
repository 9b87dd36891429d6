"""Splunk savedsearches.conf: one scheduled search per rule, disabled, as Splunk Enterprise
Security correlation searches with their ATT&CK annotations."""

from __future__ import annotations

import json
from collections.abc import Sequence
from types import MappingProxyType

from sigma_certutil.deploy.deployable import Deployable, check_targets, internal_error
from sigma_certutil.errors import CertutilError, DeployError

FORMAT = "splunk-savedsearches"

# savedsearches.conf.spec: alert.severity "Valid values are: 1-debug, 2-info, 3-warn,
# 4-error, 5-severe, 6-fatal"; Splunk Web labels 1..5 Info, Low, Medium, High, Critical
# (Kibana's SIEM migration maps Splunk 1 and 2 to low, 3 medium, 4 high, 5 critical).
SPLUNK_SEVERITY = MappingProxyType(
    {"informational": 1, "low": 2, "medium": 3, "high": 4, "critical": 5}
)
# Hourly over the hour that ended ten minutes ago (an hour window, ten minutes for ingest).
SPLUNK_SCHEDULE = MappingProxyType(
    {
        "cron_schedule": "0 * * * *",
        "dispatch.earliest_time": "-70m@m",
        "dispatch.latest_time": "-10m@m",
    }
)


def _stanza_name(title: str) -> str:
    """A stanza name: one line, without the brackets that delimit it (as pySigma's Splunk
    backend strips them)."""
    return " ".join(title.translate({ord("["): " ", ord("]"): " "}).split())


def _conf_value(text: str) -> str:
    """A value on one line, or continued on the next lines by a trailing backslash (as
    Splunk's contentctl writes multi-line searches). A line that itself ends with a backslash
    gets a space, so that the backslash stays literal."""
    lines = text.strip().replace("\r\n", "\n").replace("\r", "\n").split("\n")
    lines = [line + " " if line.endswith("\\") else line for line in lines]
    return "\\\n".join(lines)


def _splunk_stanza(item: Deployable, name: str) -> str:
    attack = item.attack
    settings: list[tuple[str, str]] = [
        ("description", _conf_value(item.description)),
        ("search", _conf_value(item.query)),
        *SPLUNK_SCHEDULE.items(),
        ("enableSched", "1"),
        # Deployed switched off, as the Kibana and Sentinel files are: enable after review.
        ("disabled", "1"),
        ("counttype", "number of events"),
        ("relation", "greater than"),
        ("quantity", "0"),
        ("alert.track", "1"),
        ("alert.severity", str(SPLUNK_SEVERITY[item.level])),
        # Splunk Enterprise Security correlation search, annotated as ESCU's are.
        ("action.correlationsearch.enabled", "1"),
        ("action.correlationsearch.label", name),
    ]
    if attack.techniques:
        annotations = json.dumps({"mitre_attack": list(attack.techniques)})
        settings.append(("action.correlationsearch.annotations", annotations))
    lines = [f"# Sigma rule {item.rule_id}", f"[{name}]"]
    lines += [f"{key} = {value}" for key, value in settings]
    return "\n".join(lines) + "\n"


def splunk_savedsearch(items: Sequence[Deployable]) -> str:
    """savedsearches.conf text: one stanza per rule, named after its title. DeployError for
    the first rule that cannot have one (``splunk_stanzas`` leaves it out instead)."""
    check_targets(items, FORMAT)
    text, errors = splunk_stanzas(items)
    if errors:
        raise errors[0]
    return text


def splunk_stanzas(items: Sequence[Deployable]) -> tuple[str, list[CertutilError]]:
    """savedsearches.conf text of the rules that can have a stanza, and the error of each
    other one: a title that cannot name a stanza, or names one an earlier rule took."""
    stanzas: list[str] = []
    errors: list[CertutilError] = []
    seen: dict[str, Deployable] = {}
    for item in items:
        try:
            name = _stanza_name(item.info.title)
            if not name or name.lower() == "default":
                raise DeployError(
                    item.info.origin,
                    FORMAT,
                    f"title {item.info.title!r} cannot name a savedsearches.conf stanza",
                )
            # Splunk compares stanza names as they are written.
            if name in seen:
                raise DeployError(
                    item.info.origin,
                    FORMAT,
                    f"stanza [{name}] is already taken by "
                    f"{seen[name].info.origin}; Splunk would merge the two searches",
                )
            check_targets([item], FORMAT)
            stanza = _splunk_stanza(item, name)
        except CertutilError as error:
            errors.append(error)
            continue
        except Exception as error:  # one rule's defect leaves the others in the file
            errors.append(internal_error(item, FORMAT, error))
            continue
        seen[name] = item
        stanzas.append(stanza)
    return "\n".join(stanzas), errors
