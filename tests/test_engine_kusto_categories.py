"""Sysmon log-source categories beyond network_connection, converted for Defender XDR.

For each category the Defender XDR pipeline supports, a small rule of this suite's own is
converted to KQL, analysed by Microsoft's Kusto.Language against the real table's schema (zero
diagnostics), and run with duckdb-kql on rows shaped as that table stores the activity
(tests/fixtures/xdr_category_rows.yml): exactly the expected rows must match. Fields that the
table has no column for must fail the rule with a message naming them.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import dataclass
from typing import Any

import pytest
import yaml
from engines.kusto import (
    analyze_kql,
    duckdb_kql_unavailable,
    kusto_analyzer_unavailable,
    run_kql,
    xdr_table_columns,
)
from helpers import TESTS, require_engine

from sigma_certutil import ConversionError, convert, parse_rule

ROWS: dict[str, list[dict[str, Any]]] = yaml.safe_load(
    (TESTS / "fixtures" / "xdr_category_rows.yml").read_text(encoding="utf-8")
)


@dataclass(frozen=True)
class Category:
    name: str
    table: str
    detection: str

    def rule_text(self) -> str:
        return sigma_rule(self.name, self.detection)


def sigma_rule(category: str, detection: str) -> str:
    """A Sigma rule of this suite for ``category`` with the given detection block."""
    body = textwrap.indent(textwrap.dedent(detection).strip(), "    ")
    return (
        f"title: Suite rule for {category}\n"
        "id: 6f1d2c3b-4a5e-4f60-8b71-9c0d1e2f3a4b\n"
        "status: test\n"
        "description: Written for tests/test_engine_kusto_categories.py.\n"
        "author: sigma_certutil tests\n"
        "date: 2026-11-30\n"
        "logsource:\n"
        f"    category: {category}\n"
        "    product: windows\n"
        "detection:\n"
        f"{body}\n"
        "level: low\n"
    )


CATEGORIES = [
    Category(
        "process_creation",
        "DeviceProcessEvents",
        r"""
        selection_img:
            - Image|endswith: '\rundll32.exe'
            - OriginalFileName: 'RUNDLL32.EXE'
        selection_cli:
            CommandLine|contains: 'javascript:'
        selection_parent:
            ParentImage|endswith: '\mshta.exe'
        filter_system:
            IntegrityLevel: 'System'
        condition: all of selection_* and not filter_system
        """,
    ),
    Category(
        "image_load",
        "DeviceImageLoadEvents",
        r"""
        selection:
            Image|endswith: '\notepad.exe'
            ImageLoaded|startswith: 'C:\Users\'
            ImageLoaded|endswith: '.dll'
        condition: selection
        """,
    ),
    Category(
        "file_event",
        "DeviceFileEvents",
        r"""
        selection:
            Image|endswith:
                - '\winword.exe'
                - '\excel.exe'
            TargetFilename|contains: '\Start Menu\Programs\Startup\'
            TargetFilename|endswith: '.lnk'
        condition: selection
        """,
    ),
    Category(
        "file_delete",
        "DeviceFileEvents",
        r"""
        selection:
            Image|endswith: '\cmd.exe'
            TargetFilename|endswith: '\ConsoleHost_history.txt'
        condition: selection
        """,
    ),
    Category(
        "registry_set",
        "DeviceRegistryEvents",
        r"""
        selection:
            TargetObject|contains: '\CurrentVersion\Run\'
            Details|contains: '\AppData\Local\Temp\'
        condition: selection
        """,
    ),
    Category(
        "registry_add",
        "DeviceRegistryEvents",
        r"""
        selection:
            EventType: CreateKey
            TargetObject|startswith: 'HKU\'
            TargetObject|endswith: '\Classes\ms-settings\Shell\Open\command'
        condition: selection
        """,
    ),
    Category(
        "registry_delete",
        "DeviceRegistryEvents",
        r"""
        selection:
            Image|endswith: '\reg.exe'
            TargetObject|contains: '\Windows Defender\Exclusions\Paths\'
        condition: selection
        """,
    ),
    Category(
        "registry_rename",
        "DeviceRegistryEvents",
        r"""
        selection:
            TargetObject|endswith: '\Services\WinDefend'
            NewName|startswith: 'HKLM\SYSTEM\CurrentControlSet\Services\'
        condition: selection
        """,
    ),
    Category(
        "registry_event",
        "DeviceRegistryEvents",
        r"""
        selection:
            EventType: DeleteValue
            TargetObject|endswith: '\Windows Defender\Features\TamperProtection'
        condition: selection
        """,
    ),
    Category(
        "dns_query",
        "DeviceEvents",
        r"""
        selection:
            QueryName|endswith:
                - '.duckdns.org'
                - '.no-ip.biz'
        condition: selection
        """,
    ),
    Category(
        "pipe_created",
        "DeviceEvents",
        r"""
        selection:
            PipeName|startswith: '\postex_'
        filter_svchost:
            Image|endswith: '\svchost.exe'
        condition: selection and not filter_svchost
        """,
    ),
    Category(
        "create_remote_thread",
        "DeviceEvents",
        r"""
        selection:
            SourceImage|endswith: '\rundll32.exe'
            SourceProcessId|gt: 4
            TargetImage|endswith:
                - '\lsass.exe'
                - '\winlogon.exe'
        condition: selection
        """,
    ),
    Category(
        "process_access",
        "DeviceEvents",
        r"""
        selection:
            TargetImage|endswith: '\lsass.exe'
            SourceImage|contains: '\AppData\Local\Temp\'
        condition: selection
        """,
    ),
    Category(
        "driver_load",
        "DeviceEvents",
        r"""
        selection:
            ImageLoaded|endswith:
                - '\RTCore64.sys'
                - '\gdrv.sys'
        condition: selection
        """,
    ),
]
BY_ID = [pytest.param(category, id=category.name) for category in CATEGORIES]


def _query(category: Category) -> str:
    return convert(parse_rule(category.rule_text()), "kusto")


def _table_row(columns: dict[str, str], row: dict[str, Any], report_id: int) -> dict[str, Any]:
    """A fixture row as the table holds it: JSON text in string columns given as mappings
    (AdditionalFields), empty strings for string columns the row leaves out (Kusto strings are
    never null), and ReportId to tell the rows apart."""
    stored: dict[str, Any] = {name: "" for name, kind in columns.items() if kind == "string"}
    for name, value in row.items():
        stored[name] = json.dumps(value) if isinstance(value, dict | list) else value
    stored["ReportId"] = report_id
    return stored


def test_fixture_has_rows_for_every_category() -> None:
    assert set(ROWS) == {category.name for category in CATEGORIES}
    for name, rows in ROWS.items():
        assert {row["match"] for row in rows} == {True, False}, name
        assert len({row["name"] for row in rows}) == len(rows), name


@pytest.mark.parametrize("category", BY_ID)
def test_query_reads_the_category_table(category: Category) -> None:
    assert _query(category).splitlines()[0] == category.table


@pytest.mark.engine
@pytest.mark.parametrize("category", BY_ID)
def test_query_has_zero_diagnostics(category: Category) -> None:
    require_engine(kusto_analyzer_unavailable())
    query = _query(category)
    [diagnostics] = analyze_kql([query], {category.table: xdr_table_columns(category.table)})
    assert diagnostics == [], f"{query}\n{diagnostics}"


@pytest.mark.engine
@pytest.mark.parametrize("category", BY_ID)
def test_query_matches_exactly_the_expected_rows(category: Category) -> None:
    require_engine(duckdb_kql_unavailable())
    query = _query(category)
    columns = xdr_table_columns(category.table)
    cases = ROWS[category.name]
    rows = [_table_row(columns, case["row"], i) for i, case in enumerate(cases)]
    hits = run_kql(query, category.table, columns, rows)
    matched = {cases[int(str(hit["ReportId"]))]["name"] for hit in hits}
    assert matched == {case["name"] for case in cases if case["match"]}, query


@pytest.mark.engine
def test_user_is_split_into_the_account_columns() -> None:
    """Sysmon's DOMAIN\\name lands in XDR's Account* (the new process) or
    InitiatingProcessAccount* (the acting process) columns."""
    require_engine(duckdb_kql_unavailable())
    from sigma_certutil.verify.events import SysmonEvent
    from sigma_certutil.verify.shapes.xdr import to_xdr_row

    detection = (
        "selection:\n    Image|endswith: '\\cmd.exe'\n    User: 'NT AUTHORITY\\SYSTEM'\n"
        "condition: selection"
    )
    query = convert(parse_rule(sigma_rule("process_creation", detection)), "kusto")
    assert 'AccountDomain =~ "NT AUTHORITY" and AccountName =~ "SYSTEM"' in query
    events = [
        SysmonEvent(
            "system", {"Image": r"C:\Windows\System32\cmd.exe", "User": r"NT AUTHORITY\SYSTEM"}, 1
        ),
        SysmonEvent("bob", {"Image": r"C:\Windows\System32\cmd.exe", "User": r"CORP\bob"}, 1),
    ]
    rows = []
    for index, event in enumerate(events):
        shaped = to_xdr_row(event)
        assert shaped is not None
        rows.append({**shaped[1], "ReportId": index})
    columns = xdr_table_columns("DeviceProcessEvents")
    hits = run_kql(query, "DeviceProcessEvents", columns, rows)
    assert [events[int(str(hit["ReportId"]))].name for hit in hits] == ["system"]


@pytest.mark.parametrize(
    ("category", "field", "value"),
    [
        ("process_creation", "Hashes", "SHA256=0123"),
        ("process_creation", "LogonId", "0x3e7"),
        ("process_creation", "CurrentDirectory", "C:\\"),
        ("process_creation", "ParentProcessGuid", "{00000000-0000-0000-0000-000000000000}"),
        ("image_load", "Signed", "false"),
        ("image_load", "Description", "Windows DbgHelp"),
        ("file_event", "CreationUtcTime", "2024-01-01 00:00:00.000"),
        ("file_delete", "Archived", "true"),
        ("dns_query", "User", r"CORP\bob"),
        ("registry_event", "ProcessGuid", "{00000000-0000-0000-0000-000000000000}"),
        ("dns_query", "Image", r"C:\Windows\System32\WindowsPowerShell\v1.0\powershell.exe"),
        ("dns_query", "QueryResults", "::ffff:10.0.0.1;"),
        ("pipe_created", "EventType", "CreatePipe"),
        ("create_remote_thread", "StartFunction", "LoadLibraryA"),
        ("process_access", "GrantedAccess", "0x1010"),
        ("process_access", "CallTrace", "UNKNOWN"),
        ("driver_load", "Signature", "Micro-Star Int'l Co. Ltd."),
    ],
)
def test_field_without_column_fails_naming_it(category: str, field: str, value: str) -> None:
    rule = parse_rule(
        sigma_rule(category, f"selection:\n    {field}: {value!r}\ncondition: selection")
    )
    with pytest.raises(ConversionError) as caught:
        convert(rule, "kusto")
    assert field in str(caught.value)


@pytest.mark.parametrize(
    ("category", "detection", "named"),
    [
        # Sysmon writes DWORDs as "DWORD (0x00000001)", XDR as "1": a whole value is converted
        # (test_registry_dword_becomes_decimal), a partial one is refused, not left to miss.
        ("registry_set", "Details|contains: 'DWORD (0x0000'", "DWORD"),
        ("registry_set", "TargetObject|startswith: 'HKCR\\CLSID\\'", "HKCR"),
        ("registry_event", "EventType: CreateValue", "EventType"),
        ("file_change", "TargetFilename|endswith: '.exe'", "file_change"),
        ("process_termination", "Image|endswith: '\\cmd.exe'", "not mapped"),
    ],
)
def test_values_and_categories_without_a_form_fail(
    category: str, detection: str, named: str
) -> None:
    rule = parse_rule(sigma_rule(category, f"selection:\n    {detection}\ncondition: selection"))
    with pytest.raises(ConversionError) as caught:
        convert(rule, "kusto")
    assert named in str(caught.value)


def test_registry_dword_becomes_decimal() -> None:
    rule = parse_rule(
        sigma_rule(
            "registry_set", "selection:\n    Details: 'DWORD (0x0000002a)'\ncondition: selection"
        )
    )
    assert 'RegistryValueData =~ "42"' in convert(rule, "kusto")


def test_keyword_without_field_fails() -> None:
    rule = parse_rule(
        sigma_rule("process_creation", "keywords:\n    - mimikatz\ncondition: keywords")
    )
    with pytest.raises(ConversionError) as caught:
        convert(rule, "kusto")
    assert "keyword" in str(caught.value)
