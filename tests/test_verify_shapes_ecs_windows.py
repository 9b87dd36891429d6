"""verify/shapes/ecs_windows.py against the Winlogbeat modules' golden files: each raw event
of tests/fixtures/windows_events.yml whose source is a golden file (elastic/beats
x-pack/winlogbeat/module/{security,powershell}/test/testdata/ingest/*.golden.json) must
become what the golden ECS document holds, field by field, and keep under
winlog.event_data exactly what the golden document keeps there. The expected values are
the golden files', never the shaper's; for the classic Application events of several
unnamed <Data>, which no golden file holds, they are written from elastic/beats
winlogbeat/sys/winevent/maputil.go AddPairs (the Nth element is paramN, empty ones left out)."""

from __future__ import annotations

from typing import Any

import pytest
from engines.cases import windows_fixtures
from helpers import TESTS

from sigma_certutil.verify.shapes.ecs import to_ecs

FIXTURES = windows_fixtures(TESTS / "fixtures" / "windows_events.yml")
GOLDEN = sorted(name for name, fixture in FIXTURES.items() if fixture.golden)


def _get(doc: dict[str, Any], dotted: str) -> Any:
    node: Any = doc
    for part in dotted.split("."):
        if not isinstance(node, dict) or part not in node:
            return "<absent>"
        node = node[part]
    return node


def test_every_family_has_a_golden_event() -> None:
    assert {FIXTURES[name].family for name in GOLDEN} >= {
        "security",
        "powershell",
        "powershell_classic",
    }


@pytest.mark.parametrize("name", GOLDEN)
def test_the_shaper_writes_what_the_golden_document_holds(name: str) -> None:
    fixture = FIXTURES[name]
    doc = to_ecs(fixture.event)
    assert fixture.golden is not None
    wrong = {
        field: (_get(doc, field), expected)
        for field, expected in fixture.golden.items()
        if _get(doc, field) != expected
    }
    assert not wrong, wrong
    if fixture.has_golden_event_data:
        kept = doc.get("winlog", {}).get("event_data")
        assert kept == fixture.golden_event_data


def test_the_channel_provider_and_code_of_every_event() -> None:
    for fixture in FIXTURES.values():
        doc = to_ecs(fixture.event)
        assert doc["winlog"]["channel"] == fixture.event.channel
        assert doc["event"]["code"] == str(fixture.event.event_id)
        assert doc["winlog"]["provider_name"] == fixture.event.provider


def test_a_channel_without_a_module_keeps_its_event_data_as_text() -> None:
    """No Winlogbeat module reads System or Defender: every non-empty field stays under
    winlog.event_data, as text, under its own name."""
    doc = to_ecs(FIXTURES["system/service_installed_driver"].event)
    assert doc["winlog"]["event_data"] == {
        "ServiceName": "Intel(R) PRO/1000 NDIS 6 Adapter Driver",
        "ImagePath": r"system32\DRIVERS\e1g6032e.sys",
        "ServiceType": "kernel mode driver",
        "StartType": "demand start",
    }
    assert "module" not in doc["event"]
    # A name with spaces is written with underscores, as the winlog input's documents show
    # (elastic/integrations packages/windows/data_stream/windows_defender/_dev/test/pipeline/
    # test-events-windows-defender-events.json: "Threat_Name", "Process_Name").
    defender = to_ecs(FIXTURES["defender/malware_detected"].event)
    assert defender["winlog"]["event_data"]["Threat_Name"] == "HackTool:Win32/Mimikatz.D"
    assert defender["winlog"]["event_data"]["Process_Name"] == r"C:\Windows\explorer.exe"
    assert "Threat Name" not in defender["winlog"]["event_data"]


def test_security_addresses_and_share_events() -> None:
    """security.yml: an IPv4-mapped address loses "::ffff:", a "-" process name is moved
    all the same ("Rename Common Auth Fields" tests only for null); 5140/5145 are in none of
    its scripts' lists, so their addresses and subject stay under winlog.event_data."""
    logon = to_ecs(FIXTURES["security/network_logon_from_remote"].event)
    assert logon["source"] == {"ip": "10.0.0.12", "port": 49205, "domain": "WIN81"}
    assert logon["winlog"]["logon"]["type"] == "Network"
    share = to_ecs(FIXTURES["security/share_accessed_admin"].event)
    assert "source" not in share
    assert share["winlog"]["event_data"]["IpAddress"] == "10.0.0.100"
    assert logon["process"] == {"executable": "-", "name": "-", "pid": 0}
    assert "user" not in share
    assert share["winlog"]["event_data"]["SubjectUserName"] == "dadmin"


@pytest.mark.engine
def test_the_documents_index_and_run_on_the_ecs_engines() -> None:
    """Every shaped document goes into the engines' typed index (its fields are in the ECS
    types or are winlog.event_data keywords), and hand-written queries on the ECS fields
    the pipelines write find the events that hold them."""
    from helpers import require_engine

    from sigma_certutil.stores import ECS
    from sigma_certutil.verify.engines.eql import ecs_schema, run_eql
    from sigma_certutil.verify.engines.lucene import index_types, lucene_unavailable, run_lucene
    from sigma_certutil.verify.shapes.ecs import ecs_fields

    events = [fixture.event for fixture in FIXTURES.values()]
    docs = [to_ecs(event) for event in events]
    eql_hits = run_eql(
        'authentication where winlog.logon.type == "Network" and source.ip == "10.0.0.12"',
        ecs_schema(ecs_fields()),
        docs,
    )
    assert {events[i].name for i in eql_hits} == {"network_logon_from_remote"}
    process_hits = run_eql(
        'process where powershell.file.script_block_text : "*DownloadString*"',
        ecs_schema(ecs_fields()),
        docs,
    )
    assert {events[i].name for i in process_hits} == {"script_block_download_cradle"}
    require_engine(lucene_unavailable())
    queries = [
        'winlog.channel:"Windows PowerShell" AND powershell.engine.version:2.0',
        "service.name:updsvc AND event.code:4697",
        "winlog.event_data.Threat_Name:*Mimikatz*",
    ]
    hits = run_lucene(queries, docs, index_types(ECS, docs))
    assert [{events[i].name for i in found} for found in hits] == [
        {"engine_started_version_2"},
        {"service_installed_from_temp"},
        {"malware_detected"},
    ]


def test_user_data_lands_under_winlog_user_data() -> None:
    """Winlogbeat writes <UserData> under winlog.user_data with the element's name as
    xml_name (x-pack/winlogbeat/module/security/test/testdata/ingest/1102.golden.json:
    "user_data": {"xml_name": "LogFileCleared", "SubjectUserName": ...})."""
    from sigma_certutil.verify.events import WindowsEvent

    event = WindowsEvent(
        "cleared",
        {"SubjectUserName": "vagrant", "SubjectDomainName": "VAGRANT"},
        1102,
        channel="Security",
        user_data="LogFileCleared",
    )
    doc = to_ecs(event)
    assert doc["winlog"]["user_data"] == {
        "xml_name": "LogFileCleared",
        "SubjectUserName": "vagrant",
        "SubjectDomainName": "VAGRANT",
    }
    assert "event_data" not in doc["winlog"]


def test_the_elastic_agent_documents_lack_event_module() -> None:
    """The integrations' pipeline tests (elastic/integrations packages/windows/data_stream/
    powershell_operational/_dev/test/pipeline/test-events.json-expected.json: the 4104 of
    .\\patata.ps1; packages/system/data_stream/security/_dev/test/pipeline/
    test-4698-scheduled-task-created.json-expected.json) write no event.module, and keep
    the same renames and event_data."""
    from sigma_certutil.verify.shapes.ecs_agent import to_ecs_agent

    script = to_ecs_agent(FIXTURES["powershell/script_block"].event)
    assert "module" not in script["event"]
    assert script["event"]["category"] == "process"
    assert script["powershell"]["file"]["script_block_text"] == ".\\patata.ps1"
    assert (script["powershell"]["sequence"], script["powershell"]["total"]) == (1, 1)
    task = to_ecs_agent(FIXTURES["security/scheduled_task_created"].event)
    assert "module" not in task["event"]
    assert task["event"]["action"] == "scheduled-task-created"
    assert task["event"]["category"] == ["iam", "configuration"]
    assert "TaskContent" in task["winlog"]["event_data"]
    assert task["user"]["name"] == "Administrator"


def test_unnamed_data_is_param_n() -> None:
    # elastic/beats winlogbeat/sys/winevent/maputil.go AddPairs: an unnamed <Data> is paramN.
    doc = to_ecs(FIXTURES["application/screenconnect_command"].event)
    assert doc["winlog"]["event_data"] == {"param1": "Executed command of length 6: whoami"}
    assert doc["winlog"]["provider_name"] == "ScreenConnect"


def test_user_data_events_are_under_user_data() -> None:
    doc = to_ecs(FIXTURES["wmi/wmi_client_failure_clear_log"].event)
    assert doc["winlog"]["user_data"]["xml_name"] == "Operation_ClientFailure"
    assert doc["winlog"]["user_data"]["ClientProcessId"] == "25920"
    assert "event_data" not in doc["winlog"]
