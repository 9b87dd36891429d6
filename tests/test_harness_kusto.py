"""tests/engines/kusto.py: Microsoft's Kusto.Language analyzer, as the engine tests call it, on
hand-written queries."""

from __future__ import annotations

import pytest
from engines.kusto import analyze_kql, kusto_analyzer_unavailable, xdr_table_columns
from helpers import require_engine

pytestmark = pytest.mark.engine

TABLE = "DeviceNetworkEvents"
GOOD_QUERY = (
    'DeviceNetworkEvents\n| where InitiatingProcessFolderPath endswith "\\\\certutil.exe"'
    " and RemotePort in (80, 443)"
)


def _codes(queries: list[str]) -> list[list[object]]:
    require_engine(kusto_analyzer_unavailable())
    results = analyze_kql(queries, {TABLE: xdr_table_columns(TABLE)})
    return [[d["code"] for d in diagnostics] for diagnostics in results]


def test_analyzer_diagnostics() -> None:
    codes = _codes(
        [
            'DeviceNetworkEvents | where RemotePort in~ ("80", "443")',
            'DeviceNetworkEvents | where NoSuchColumn == "x"',
            "NoSuchTable | take 1",
            GOOD_QUERY,
        ]
    )
    assert codes == [["KS107"], ["KS142"], ["KS204"], []]


def test_analyzer_diagnostic_fields() -> None:
    require_engine(kusto_analyzer_unavailable())
    query = 'DeviceNetworkEvents | where RemotePort in~ ("80", "443")'
    [[diagnostic]] = analyze_kql([query], {TABLE: xdr_table_columns(TABLE)})
    assert diagnostic["severity"] == "Error"
    assert diagnostic["message"] == "A value of type string or dynamic expected."
    start, length = diagnostic["start"], diagnostic["length"]
    assert isinstance(start, int) and isinstance(length, int)
    assert query[start : start + length] == "RemotePort"  # the operand of the wrong type
