"""The one table of targets. A row says everything about a target; every other module reads it.

Adding a target is one row here (and a store in stores.py, a step in the processing registry
or a backend correction when the target needs a new one), plus its golden files. README,
"Adding a target", walks through it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from importlib import import_module
from types import MappingProxyType
from typing import TYPE_CHECKING, cast

from sigma_certutil.errors import TargetError
from sigma_certutil.stores import DEFENDER_XDR, ECS, SPLUNK_ADDON, Store

if TYPE_CHECKING:
    from sigma.conversion.base import Backend as PySigmaBackend


@dataclass(frozen=True)
class Backend:
    """The pySigma backend class ("module:Class", imported when a conversion needs it) and
    the distribution that provides its base, whose version a build's manifest records."""

    cls: str
    package: str

    def load(self) -> type[PySigmaBackend]:
        module, _, name = self.cls.partition(":")
        return cast("type[PySigmaBackend]", getattr(import_module(module), name))


@dataclass(frozen=True)
class DeployFile:
    """A deployable file a build writes with ``--deploy``: a format of sigma_certutil.deploy
    and its path under OUT ("{stem}" for one file per rule), with the format's options."""

    format: str
    path: str
    options: tuple[tuple[str, str], ...] = ()

    def option(self, name: str) -> str:
        return dict(self.options).get(name, "")


@dataclass(frozen=True)
class Engine:
    """What runs the target's queries in ``verify`` and the tests: a module of
    sigma_certutil.verify.engines with ``unavailable()`` and ``run(query, events, store)``."""

    name: str
    module: str


@dataclass(frozen=True)
class Target:
    """A query language over one product's stored data."""

    id: str
    language: str
    extension: str
    backend: Backend
    store: Store
    # Processing steps (names in sigma_certutil.processing.registry.STEPS), in the order
    # they apply: by priority, which a test checks.
    steps: tuple[str, ...]
    case_sensitivity: str
    deploy: tuple[DeployFile, ...] = ()
    engine: Engine | None = None
    # Why no engine can run the queries here, when there is none.
    not_executed: str = ""

    @property
    def data(self) -> str:
        """What the queries assume about the data."""
        return self.store.summary


# Every target reads Windows event logs: pySigma's Sysmon step, the strict field check, and
# the log sources of the catalog (sigma_certutil/windows.py) only.
_SYSMON = ("pysigma_sysmon", "sysmon_rule", "windows_logsource")
# The ECS mapping and the steps its data needs, shared by the three Elastic languages.
_ECS = (
    *_SYSMON,
    "ecs_windows_channels",
    "ecs_registry_data",
    "ecs_user",
    "ecs",
    "ecs_index",
    "elastic_regex",
)
_ELASTIC = "pysigma-backend-elasticsearch"

TARGETS: Mapping[str, Target] = MappingProxyType(
    {
        target.id: target
        for target in (
            Target(
                id="splunk",
                language="Splunk SPL",
                extension="spl",
                backend=Backend(
                    "sigma_certutil.conversion.backends:CertutilSplunkBackend",
                    "pysigma-backend-splunk",
                ),
                store=SPLUNK_ADDON,
                steps=(*_SYSMON, "splunk_windows_channels", "splunk_addon"),
                case_sensitivity="case-insensitive (Splunk field-value matching)",
                deploy=(DeployFile("splunk-savedsearches", "deploy/savedsearches.conf"),),
                not_executed="no Splunk engine can run here",
            ),
            Target(
                id="lucene",
                language="Elasticsearch Lucene query string",
                extension="lucene",
                backend=Backend(
                    "sigma_certutil.conversion.backends:CertutilLuceneBackend", _ELASTIC
                ),
                store=ECS,
                steps=(*_ECS, "elastic_caseless"),
                case_sensitivity=(
                    "case-insensitive: strings become [aA] regular expressions on keyword fields"
                ),
                deploy=(
                    DeployFile(
                        "elastic-rules",
                        "deploy/elastic-{target}.ndjson",
                        (("type", "query"), ("language", "lucene")),
                    ),
                ),
                engine=Engine("Apache Lucene 8", "sigma_certutil.verify.engines.lucene"),
            ),
            Target(
                id="eql",
                language="Elastic EQL",
                extension="eql",
                backend=Backend("sigma_certutil.conversion.backends:CertutilEqlBackend", _ELASTIC),
                store=ECS,
                steps=_ECS,
                case_sensitivity="case-insensitive (the ':' operator)",
                deploy=(
                    DeployFile(
                        "elastic-rules",
                        "deploy/elastic-{target}.ndjson",
                        (("type", "eql"), ("language", "eql")),
                    ),
                ),
                engine=Engine("Elastic eql", "sigma_certutil.verify.engines.eql"),
            ),
            Target(
                id="esql",
                language="Elasticsearch ES|QL",
                extension="esql",
                backend=Backend("sigma_certutil.conversion.backends:CertutilEsqlBackend", _ELASTIC),
                store=ECS,
                steps=(*_ECS, "elastic_caseless"),
                case_sensitivity=(
                    "case-insensitive: strings become [aA] regular expressions (RLIKE)"
                ),
                # "index is not supported for ES|QL rules": the FROM command names them.
                deploy=(
                    DeployFile(
                        "elastic-rules",
                        "deploy/elastic-{target}.ndjson",
                        (("type", "esql"), ("language", "esql"), ("index", "in query")),
                    ),
                ),
                not_executed="no ES|QL engine",
            ),
            Target(
                id="kusto",
                language="Kusto KQL (Microsoft Defender XDR advanced hunting)",
                extension="kql",
                backend=Backend(
                    "sigma_certutil.conversion.backends:CertutilKustoBackend",
                    "pysigma-backend-kusto",
                ),
                store=DEFENDER_XDR,
                steps=(
                    *_SYSMON,
                    "xdr_windows_channels",
                    "xdr_registry_data",
                    "xdr_user",
                    "defender_xdr",
                ),
                case_sensitivity="case-insensitive (=~, in~, endswith, contains)",
                deploy=(DeployFile("sentinel-rule", "deploy/sentinel/{stem}.yaml"),),
                engine=Engine("duckdb-kql", "sigma_certutil.verify.engines.kusto"),
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
