"""SigmaHQ's rules on each Windows channel beside Sysmon, through every target: the first
rule of each log source (by path) converts for Splunk and ECS and names only fields the
target's data has, and Defender XDR refuses it naming the channel."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import require_engine, shared_path
from sigma.rule import SigmaDetection, SigmaDetectionItem, SigmaRule

from sigma_certutil import convert, load_rule
from sigma_certutil.errors import ConversionError
from sigma_certutil.verify.shapes.ecs import ecs_fields
from sigma_certutil.windows import log_source

try:
    from engines.esql import esql_field_names

    UNAVAILABLE = None
except ImportError as error:  # esql-parser is installed with --no-deps by tests/run
    UNAVAILABLE = f"esql-parser is not installed: {error}"

pytestmark = [pytest.mark.shared, pytest.mark.engine]

METADATA = {"_id", "_index", "_version"}

# Rules a target refuses for a data reason each message names (see README, Windows event logs).
_REFUSED = (
    "no Elastic Common Schema",
    "keyword (a value with no field)",
    "split by the ECS",
    # winlog.event_data of a channel without a module is keyword: no IP range there.
    "an IP range is matched only on an ip field",
)
# The reason an ECS target gives for Sigma's Data on a classic event whose count of unnamed
# <Data> elements the catalog does not know (sigma_certutil/data/windows_events.yml `params`).
_UNNAMED = "unnamed <Data> elements) is stored by Winlogbeat"
# SigmaHQ rules (under rules/windows/builtin) refused for it, each for an event no source
# counts the elements of: MSExchange CmdletLogs 6 has no message here.
_UNNAMED_UNKNOWN = {
    "msexchange/win_exchange_transportagent_failed.yml",
}
# Rules on the Data of events whose count the catalog has (ESENT 216/325/326/327, SQL Server
# 18456/15457, Windows Error Reporting 1001, MsiInstaller 1040/1042): they must convert for
# every ECS target.
_UNNAMED_KNOWN = {
    "application/msiinstaller/win_msi_install_from_susp_locations.yml",
    "application/msiinstaller/win_msi_install_from_web.yml",
    "application/esent/win_esent_ntdsutil_abuse.yml",
    "application/esent/win_esent_ntdsutil_abuse_susp_location.yml",
    "application/mssqlserver/win_mssql_failed_logon_from_external_network.yml",
    "application/mssqlserver/win_mssql_xp_cmdshell_change.yml",
    "application/windows_error_reporting/win_application_msmpeng_crash_wer.yml",
}


def _first_rule_per_log_source() -> list[Path]:
    rules = shared_path("data", "sigmahq", "rules", "windows", "builtin")
    powershell = shared_path("data", "sigmahq", "rules", "windows", "powershell")
    first: dict[str, Path] = {}
    for path in sorted([*rules.rglob("*.yml"), *powershell.rglob("*.yml")]):
        logsource = yaml.safe_load(path.read_text(encoding="utf-8"))["logsource"]
        first.setdefault(str(logsource.get("service") or logsource.get("category")), path)
    return list(first.values())


def test_every_channel_log_source_converts_or_names_a_data_reason() -> None:
    require_engine(UNAVAILABLE)
    known = set(ecs_fields())
    converted = 0
    for path in _first_rule_per_log_source():
        rule = load_rule(path)
        source = log_source(rule.logsource)
        if source is None or source.is_sysmon:
            continue
        splunk = convert(rule, "splunk")
        assert splunk.startswith(f'source="XmlWinEventLog:{source.channel}"') or (
            splunk.startswith("source IN (")
        ), path
        for target in ("lucene", "eql", "esql"):
            try:
                query = convert(rule, target)
            except ConversionError as error:
                assert any(reason in error.reason for reason in _REFUSED), (path, error.reason)
                continue
            assert "winlog.channel" in query, (path, target)
            converted += 1
        with pytest.raises(ConversionError, match=f"the {source.channel} event log"):
            convert(rule, "kusto")
        # The ECS field names of the ES|QL query (backticks quote names with spaces).
        try:
            esql = convert(rule, "esql")
        except ConversionError:
            continue
        names = {name.strip("`") for name in esql_field_names(esql)} - METADATA
        assert names <= known, (path, names - known)
    assert converted > 90  # 3 targets x the channel log sources, less the refusals


def _names_data(rule: SigmaRule) -> bool:
    def walk(item: SigmaDetection | SigmaDetectionItem) -> bool:
        if isinstance(item, SigmaDetection):
            return any(walk(child) for child in item.detection_items)
        return item.field == "Data"

    return any(walk(detection) for detection in rule.detection.detections.values())


def test_only_events_of_an_unknown_element_count_refuse_data() -> None:
    """Every SigmaHQ rule on Sigma's Data of a channel beside Sysmon's converts for Lucene,
    EQL and ES|QL, or is one of the listed rules refused for its event's unknown count: a
    listed rule that converts, or an unlisted one refused, fails. The ES|QL queries of the
    rules that convert name only fields of the ECS field list."""
    require_engine(UNAVAILABLE)
    known = set(ecs_fields())
    builtin = shared_path("data", "sigmahq", "rules", "windows", "builtin")
    refused: set[str] = set()
    converted: dict[str, set[str]] = {}
    for path in sorted(builtin.rglob("*.yml")):
        rule = load_rule(path)
        source = log_source(rule.logsource)
        if source is None or source.is_sysmon or not _names_data(rule):
            continue
        name = path.relative_to(builtin).as_posix()
        for target in ("lucene", "eql", "esql"):
            try:
                query = convert(rule, target)
            except ConversionError as error:
                if _UNNAMED in error.reason:
                    refused.add(name)
                continue
            assert name not in _UNNAMED_KNOWN or "winlog.event_data.param1" in query, query
            converted.setdefault(name, set()).add(target)
            if target == "esql":
                names = {field.strip("`") for field in esql_field_names(query)} - METADATA
                assert names <= known, (name, names - known)
    assert refused == _UNNAMED_UNKNOWN
    every = {"lucene", "eql", "esql"}
    assert {name: converted.get(name) for name in _UNNAMED_KNOWN} == {
        name: every for name in _UNNAMED_KNOWN
    }
