"""The one table that says what each target is: language, backend, pipelines and data."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from types import MappingProxyType
from typing import TYPE_CHECKING, cast

from sigma_certutil.errors import TargetError

if TYPE_CHECKING:
    from sigma.conversion.base import Backend


@dataclass(frozen=True)
class Target:
    """A query language over one product's stored data."""

    id: str
    language: str
    extension: str
    # The pySigma backend class, "module:Class", imported when a conversion needs it.
    backend_class: str
    # Pipeline files under pipelines/ (and named Python steps), applied after
    # pysigma-pipeline-sysmon, by priority.
    pipelines: tuple[str, ...]
    data: str
    case_sensitivity: str

    @property
    def backend(self) -> type[Backend]:
        module, _, name = self.backend_class.partition(":")
        return cast("type[Backend]", getattr(import_module(module), name))


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
                backend_class="sigma_certutil.backends:CertutilSplunkBackend",
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
                backend_class="sigma_certutil.backends:CertutilLuceneBackend",
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
                backend_class="sigma_certutil.backends:CertutilEqlBackend",
                pipelines=_ECS_STEPS,
                data=_ECS_DATA,
                case_sensitivity="case-insensitive (the ':' operator)",
            ),
            Target(
                id="esql",
                language="Elasticsearch ES|QL",
                extension="esql",
                backend_class="sigma_certutil.backends:CertutilEsqlBackend",
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
                backend_class="sigma_certutil.backends:CertutilKustoBackend",
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


def get_target(target_id: str) -> Target:
    try:
        return TARGETS[target_id]
    except KeyError:
        known = ", ".join(TARGETS)
        raise TargetError(f"unknown target '{target_id}' (known: {known})") from None
