"""The one table that says what each target is: language, backend, pipelines and data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType

from sigma.backends.elasticsearch.elasticsearch_esql import ESQLBackend
from sigma.backends.splunk.splunk import SplunkBackend
from sigma.conversion.base import Backend

from sigma_certutil.backends import (
    CertutilEqlBackend,
    CertutilKustoBackend,
    CertutilLuceneBackend,
)


@dataclass(frozen=True)
class Target:
    """A query language over one product's stored data."""

    id: str
    language: str
    extension: str
    backend: type[Backend]
    # Pipeline files under pipelines/ (and named Python steps), applied after
    # pysigma-pipeline-sysmon, by priority.
    pipelines: tuple[str, ...]
    data: str
    case_sensitivity: str


# The ECS mapping and the steps its data needs, shared by the three Elastic languages.
_ECS_STEPS = ("sysmon.yml", "ecs_registry_data", "ecs_user", "ecs.yml", "elastic_regex")
_ECS_DATA = (
    "Elastic Common Schema as the Winlogbeat sysmon module and the Elastic Agent "
    "windows.sysmon_operational data stream write it "
    "(winlogbeat-*, logs-windows.sysmon_operational-*)"
)

TARGETS: Mapping[str, Target] = MappingProxyType(
    {
        target.id: target
        for target in (
            Target(
                id="splunk",
                language="Splunk SPL",
                extension="spl",
                backend=SplunkBackend,
                pipelines=("sysmon.yml", "splunk_addon.yml"),
                data=(
                    "Splunk Add-on for Sysmon: "
                    'source="XmlWinEventLog:Microsoft-Windows-Sysmon/Operational", '
                    "EventCode, raw Sysmon field names"
                ),
                case_sensitivity="case-insensitive (Splunk field-value matching)",
            ),
            Target(
                id="lucene",
                language="Elasticsearch Lucene query string",
                extension="lucene",
                backend=CertutilLuceneBackend,
                pipelines=(*_ECS_STEPS, "elastic_caseless.yml"),
                data=_ECS_DATA,
                case_sensitivity=(
                    "case-insensitive: strings become [aA] regular expressions on keyword fields"
                ),
            ),
            Target(
                id="eql",
                language="Elastic EQL",
                extension="eql",
                backend=CertutilEqlBackend,
                pipelines=_ECS_STEPS,
                data=_ECS_DATA,
                case_sensitivity="case-insensitive (the ':' operator)",
            ),
            Target(
                id="esql",
                language="Elasticsearch ES|QL",
                extension="esql",
                backend=ESQLBackend,
                pipelines=(*_ECS_STEPS, "elastic_caseless.yml"),
                data=_ECS_DATA,
                case_sensitivity=(
                    "case-insensitive: strings become [aA] regular expressions (RLIKE)"
                ),
            ),
            Target(
                id="kusto",
                language="Kusto KQL (Microsoft Defender XDR advanced hunting)",
                extension="kql",
                backend=CertutilKustoBackend,
                pipelines=("sysmon.yml", "xdr_registry_data", "xdr_user", "defender_xdr.yml"),
                data=(
                    "Microsoft Defender XDR advanced hunting tables (DeviceProcessEvents, "
                    "DeviceNetworkEvents, DeviceFileEvents, DeviceRegistryEvents, "
                    "DeviceImageLoadEvents, DeviceEvents)"
                ),
                case_sensitivity="case-insensitive (=~, in~, endswith, contains)",
            ),
        )
    }
)
