"""Deployable rule files from converted queries, offline: a Splunk savedsearches.conf, a Kibana
detection-rule import NDJSON and Azure-Sentinel analytics rule YAML, one module per format.

Each format's fields follow the product's own reference (cited where they are set). ATT&CK
names come from the bundled table (sigma_certutil/attack.py); tags the table does not know
(revoked or mistyped ids) are left out of every format. Which targets write which format, and
where, is each target row's ``deploy``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from sigma_certutil.deploy import kibana, sentinel, splunk
from sigma_certutil.deploy.deployable import Deployable, RuleInfo, targets_of
from sigma_certutil.deploy.kibana import elastic_rule, elastic_rules_ndjson
from sigma_certutil.deploy.sentinel import SENTINEL_TACTICS, sentinel_rule, sentinel_rule_yaml
from sigma_certutil.deploy.splunk import splunk_savedsearch
from sigma_certutil.errors import CertutilError, DeployError
from sigma_certutil.targets import get_target

__all__ = [
    "FORMATS",
    "SENTINEL_TACTICS",
    "DeployFormat",
    "Deployable",
    "RuleInfo",
    "deploy_files",
    "elastic_rule",
    "elastic_rules_ndjson",
    "sentinel_rule",
    "sentinel_rule_yaml",
    "splunk_savedsearch",
    "targets_of",
]


# A format's file of the items it can hold, and the error of each other one.
Written = tuple[str, list[CertutilError]]


@dataclass(frozen=True)
class DeployFormat:
    """A deployable file format: its id (what a target row's ``deploy`` names), file
    extension, the function writing a file from items (DeployError when one cannot go into
    it), the one writing it from those that can and reporting the others (``each``), and
    whether a file holds one item only (``one_rule_per_file``)."""

    id: str
    extension: str
    write: Callable[[Sequence[Deployable]], str]
    each: Callable[[Sequence[Deployable]], Written]
    one_rule_per_file: bool = False

    @property
    def targets(self) -> frozenset[str]:
        """The targets whose rows list this format."""
        return frozenset(targets_of(self.id))


FORMATS: Mapping[str, DeployFormat] = MappingProxyType(
    {
        spec.id: spec
        for spec in (
            DeployFormat(splunk.FORMAT, "conf", splunk.splunk_savedsearch, splunk.splunk_stanzas),
            DeployFormat(
                kibana.FORMAT, "ndjson", kibana.elastic_rules_ndjson, kibana.elastic_rules_lines
            ),
            DeployFormat(
                sentinel.FORMAT, "yaml", sentinel.sentinel_file, sentinel.sentinel_files, True
            ),
        )
    }
)


def deploy_files(
    items: Sequence[tuple[str, Deployable]],
) -> tuple[dict[str, str], list[CertutilError]]:
    """Every deployable file of the converted queries (``(output stem, item)``, in build
    order), by path under OUT, and the errors: of each rule a format cannot hold (left out
    of its file; the file is written for the others), and of the files two targets' rows
    both name (not written)."""
    groups: dict[str, tuple[str, list[Deployable]]] = {}
    owners: dict[str, set[str]] = {}
    for stem, item in items:
        for entry in get_target(item.target).deploy:
            path = entry.path.format(stem=stem, target=item.target)
            owners.setdefault(path, set()).add(item.target)
            groups.setdefault(path, (entry.format, []))[1].append(item)
    files: dict[str, str] = {}
    errors: list[CertutilError] = []
    for path, (format_id, members) in sorted(groups.items()):
        if len(owners[path]) > 1:
            both = " and ".join(sorted(owners[path]))
            reason = f"targets {both} both write this file; give each its own path"
            errors.append(DeployError(path, format_id, reason))
            continue
        spec = FORMATS[format_id]
        text, failed = spec.each(members)
        errors.extend(failed)
        if not (spec.one_rule_per_file and failed):
            files[path] = text
    return files, errors
