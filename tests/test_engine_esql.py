"""ES|QL output parsed with Elasticsearch's grammar; every field it names exists in ECS."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import golden_rules, require_engine

from sigma_certutil import convert, load_rule
from sigma_certutil.verify.shapes.ecs import ecs_fields
from sigma_certutil.windows import log_source

pytestmark = pytest.mark.engine

try:
    from engines.esql import EsqlSyntaxError, esql_field_names

    UNAVAILABLE = None
except ImportError as error:  # esql-parser is installed with --no-deps by tests/run
    UNAVAILABLE = f"esql-parser is not installed: {error}"

METADATA = {"_id", "_index", "_version"}


@pytest.mark.parametrize("rule", golden_rules(), ids=lambda p: p.stem)
def test_parses_and_names_only_ecs_fields(rule: Path) -> None:
    require_engine(UNAVAILABLE)
    query = convert(load_rule(rule), "esql")
    names = {name.strip("`") for name in esql_field_names(query)}
    assert names, "the parser found no field names"
    assert names - METADATA <= set(ecs_fields()), names - METADATA - set(ecs_fields())
    source = log_source(load_rule(rule).logsource)
    assert source is not None
    assert query.startswith(f"from winlogbeat-*, {STREAMS[source.channel]} metadata ")


# Where the Elastic Agent writes each channel: the Windows integration's data streams
# (elastic/integrations packages/windows/data_stream/*), the System integration's
# (packages/system/data_stream/{security,system,application}).
STREAMS = {
    "Microsoft-Windows-Sysmon/Operational": "logs-windows.sysmon_operational-*",
    "Security": "logs-system.security-*",
    "System": "logs-system.system-*",
    "Microsoft-Windows-PowerShell/Operational": "logs-windows.powershell_operational-*",
    "Windows PowerShell": "logs-windows.powershell-*",
    "Microsoft-Windows-Windows Defender/Operational": "logs-windows.windows_defender-*",
}


def test_parser_rejects_broken_queries() -> None:
    require_engine(UNAVAILABLE)
    with pytest.raises(EsqlSyntaxError):
        esql_field_names("from x | where destination.port in (80, ")
