"""SigmaHQ's rules on each Windows channel beside Sysmon, through every target: the first
rule of each log source (by path) converts for Splunk and ECS and names only fields the
target's data has, and Defender XDR refuses it naming the channel."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from helpers import require_engine, shared_path

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
    "unnamed <Data> elements) is stored by Winlogbeat",
)


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
