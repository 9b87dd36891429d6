"""The Windows channels in ECS: each field where Winlogbeat's security and powershell modules
put it (elastic/beats x-pack/winlogbeat/module/*/ingest/*.yml), the channel filter, the EQL
category and the indices. Expected values are the ingest pipelines' facts, by hand."""

from __future__ import annotations

import pytest

from sigma_certutil import convert
from sigma_certutil.errors import ConversionError
from sigma_certutil.fields import field_routes
from sigma_certutil.processing.windows_ecs import channel_indices, ecs_field, eql_category
from sigma_certutil.rules import parse_rule
from sigma_certutil.windows import channel_events


def _rule(logsource: str, selection: str) -> str:
    return (
        "title: t\nid: 3a1e4d2a-3b5f-4e6a-8d9c-0a1b2c3d4e99\nstatus: test\n"
        f"logsource: {{product: windows, {logsource}}}\n"
        f"detection:\n  selection: {selection}\n  condition: selection\nlevel: low\n"
    )


def _eql(logsource: str, selection: str) -> str:
    return convert(parse_rule(_rule(logsource, selection), "r.yml"), "eql")


def _events(channel: str, *ids: int) -> tuple:  # type: ignore[type-arg]
    return tuple(event for i in ids for event in channel_events(channel)[i])


@pytest.mark.parametrize(
    ("field", "ids", "expected"),
    [
        # "Rename Common Auth Fields": 4624 and 4648 move these and remove the raw field.
        ("IpAddress", (4624,), "source.ip"),
        ("ProcessName", (4624, 4648), "process.executable"),
        ("WorkstationName", (4625,), "source.domain"),
        # 4663 is not in that list: the raw field stays.
        ("ProcessName", (4663,), "winlog.event_data.ProcessName"),
        # A rule over both: each event holds one of them.
        ("ProcessName", (4624, 4663), ["process.executable", "winlog.event_data.ProcessName"]),
        # "Process Event 4688".
        ("NewProcessName", (4688,), "process.executable"),
        ("ParentProcessName", (4688,), "process.parent.executable"),
        # Copied, not moved: the raw field is kept.
        ("TargetUserName", (4624,), "winlog.event_data.TargetUserName"),
        ("CommandLine", (4688,), "winlog.event_data.CommandLine"),
        ("LogonType", (4624,), "winlog.event_data.LogonType"),
        # System fields.
        ("Provider_Name", (4624,), "winlog.provider_name"),
        ("Computer", (4624,), "winlog.computer_name"),
    ],
)
def test_security_fields(field: str, ids: tuple[int, ...], expected: object) -> None:
    assert ecs_field(field, "Security", _events("Security", *ids)) == expected


def test_powershell_script_block_text_is_moved() -> None:
    events = _events("Microsoft-Windows-PowerShell/Operational", 4104)
    assert (
        ecs_field("ScriptBlockText", "Microsoft-Windows-PowerShell/Operational", events)
        == "powershell.file.script_block_text"
    )
    assert ecs_field("Path", "Microsoft-Windows-PowerShell/Operational", events) == "file.path"


def test_defender_names_with_underscores_and_the_agents_renames() -> None:
    """The winlog input writes "Process Name" as Process_Name; the Agent's windows_defender
    pipeline moves it to process.executable, winlogbeat-* keeps it."""
    channel = "Microsoft-Windows-Windows Defender/Operational"
    events = _events(channel, 1121)
    assert ecs_field("ProcessName", channel, events) == [
        "process.executable",
        "winlog.event_data.Process_Name",
    ]
    assert ecs_field("Path", channel, events) == "winlog.event_data.Path"
    events = _events(channel, 5007)
    assert ecs_field("NewValue", channel, events) == "winlog.event_data.New_Value"


def test_user_data_fields_land_in_user_data() -> None:
    assert ecs_field("Channel", "System", _events("System", 104)) == "winlog.channel"
    assert ecs_field("BackupPath", "System", _events("System", 104)) == (
        "winlog.user_data.BackupPath"
    )


def test_wmi_activity_fields_are_user_data() -> None:
    # SigmaHQ regression_data win_wmi_activity_nteventlogfile_cleareventlog: 5858's fields
    # are under <UserData><Operation_ClientFailure>.
    query = _eql("service: wmi", "{EventID: 5858, Operation|contains: 'x'}")
    assert 'winlog.user_data.Operation:"*x*"' in query


def test_unnamed_data_is_the_param_fields() -> None:
    # Winlogbeat (winevent/maputil.go AddPairs) names the Nth unnamed <Data> paramN.
    query = _eql("service: application", "{Provider_Name: ScreenConnect, EventID: 201, Data: x}")
    assert 'winlog.event_data.param1:"x"' in query
    assert "winlog.event_data.Data" not in query


def test_unnamed_data_of_an_unknown_count_is_refused() -> None:
    # MsiInstaller 1034 writes more elements than its message names, as 1040 does, and no
    # source shows how many.
    with pytest.raises(ConversionError, match=r"how many elements Application 1034 writes"):
        _eql("service: application", "{Provider_Name: MsiInstaller, EventID: 1034, Data: x}")
    # A rule over 1034 and 1040: one unknown count refuses it.
    with pytest.raises(ConversionError, match=r"how many elements Application 1034 writes"):
        _eql("service: application", "{EventID: [1034, 1040], Data|contains: '://'}")


def test_unnamed_data_of_the_msi_transaction_events() -> None:
    # 1040 and 1042, the begin and end of a transaction: the package, the process id,
    # "(NULL)" four times and an empty element (windows_events.yml names the sources).
    query = _eql("service: application", "{EventID: [1040, 1042], Data|contains: '://'}")
    assert 'winlog.event_data.param7:"*://*"' in query
    assert "param8" not in query


def test_unnamed_data_is_an_or_over_every_element_the_event_writes() -> None:
    # SQL Server's 18456 message "Login failed for user '%.*ls'.%.*ls%.*ls" has three
    # inserts (MicrosoftDocs/sql-docs docs/relational-databases/errors-events/includes/
    # database-engine-events-and-errors-18000-18999.md): param1, param2 and param3.
    query = _eql("service: application", "{EventID: 18456, Data|contains: 'CLIENT: 10.'}")
    fields = [f"winlog.event_data.param{n}" for n in (1, 2, 3)]
    assert " or ".join(f'{name}:"*CLIENT: 10.*"' for name in fields) in query
    assert "param4" not in query


def test_each_value_of_all_is_found_in_any_element() -> None:
    """Windows Error Reporting 1001 names the program in P1 (%6) and the module in P4 (%9)
    (libyal/winevt-kb docs/sources/message-files/MessageFile-wer.dll.md): ``Data|contains|all``
    over both must not ask for both in one element."""
    query = _eql(
        "service: application",
        "{EventID: 1001, Data|contains|all: [MsMpEng.exe, mpengine.dll]}",
    )
    for value in ("MsMpEng.exe", "mpengine.dll"):
        either = " or ".join(f'winlog.event_data.param{n}:"*{value}*"' for n in range(1, 24))
        assert f"({either})" in query, query
    assert "param24" not in query
    assert 'param1:"*MsMpEng.exe*" and winlog.event_data.param1:"*mpengine.dll*"' not in query


def test_all_over_one_element_stays_one_field() -> None:
    # ScreenConnect 201 writes one element (evtx/Maps/Application_Screenconnect_201.map).
    query = _eql(
        "service: application",
        "{Provider_Name: ScreenConnect, EventID: 201, Data|contains|all: [a, b]}",
    )
    assert 'winlog.event_data.param1:"*a*" and winlog.event_data.param1:"*b*"' in query


def test_level_in_another_form_is_refused() -> None:
    with pytest.raises(ConversionError, match="rendered level name"):
        _eql("service: security", "{EventID: 4673, Level: 4}")


def test_keyword_masks_become_the_rendered_names() -> None:
    query = _eql("service: security", "{EventID: 4673, Keywords: '0x8010000000000000'}")
    assert 'winlog.keywords:"Audit Failure"' in query
    with pytest.raises(ConversionError, match=r"winlog\.keywords holds the rendered keyword"):
        _eql("service: security", "{EventID: 4673, Keywords: '0x1'}")


def test_removed_powershell_fields_are_refused() -> None:
    with pytest.raises(ConversionError, match=r"MessageNumber.*powershell\.sequence"):
        _eql("category: ps_script", "{MessageNumber: 1}")


@pytest.mark.parametrize(
    ("channel", "ids", "category"),
    [
        ("Security", (4624, 4625), "authentication"),
        ("Security", (4688,), "process"),
        ("Security", (4720, 4732), "iam"),
        ("Security", (4624, 4688), "any"),  # two categories
        ("Security", (5145,), "any"),  # not in the security module's table
        ("Microsoft-Windows-PowerShell/Operational", (4104,), "process"),
        ("System", (7045,), "any"),  # no module sets a category
    ],
)
def test_eql_category(channel: str, ids: tuple[int, ...], category: str) -> None:
    assert eql_category(channel, _events(channel, *ids)) == category


def test_indices_per_channel() -> None:
    assert channel_indices("Security") == ("winlogbeat-*", "logs-system.security-*")
    assert channel_indices("Microsoft-Windows-Bits-Client/Operational") == (
        "winlogbeat-*",
        "logs-winlog.winlog-*",
    )


def test_channel_filter_event_code_and_keyword_numbers() -> None:
    query = _eql("service: security", "{EventID: 4624, LogonType: 3}")
    assert query.startswith('authentication where winlog.channel:"Security" and ')
    assert 'event.code:"4624"' in query
    assert 'winlog.event_data.LogonType:"3"' in query  # a keyword: compared as text


def test_ip_values() -> None:
    query = _eql("service: security", "{EventID: 4624, IpAddress: '-'}")
    assert 'winlog.event_data.IpAddress:"-"' in query  # "-" is not moved to source.ip
    query = _eql("service: security", "{EventID: 4624, IpAddress: '10.1.2.3'}")
    assert 'cidrMatch(source.ip, "10.1.2.3/32")' in query  # an ip field: its one-address range
    with pytest.raises(ConversionError, match="an ip field, which takes no wildcard"):
        _eql("service: security", "{EventID: 4624, IpAddress|startswith: '10.'}")
    # No address contains "-": only the raw field, which keeps "-", can match it.
    query = _eql("service: security", "{EventID: 4625, IpAddress|contains: '-'}")
    assert 'winlog.event_data.IpAddress:"*-*"' in query


def test_keywords_are_refused_with_the_reason() -> None:
    rule = _rule("service: system", "['mimikatz']")
    with pytest.raises(ConversionError, match=r"keyword .* no Elastic Common Schema field"):
        convert(parse_rule(rule, "r.yml"), "lucene")


def test_fields_shows_each_channel_fields_route() -> None:
    rule = parse_rule(_rule("service: security", "{EventID: 4624, IpAddress: 10.0.0.1}"), "r.yml")
    routes = {route.field: route for route in field_routes(rule, "lucene")}
    assert routes["IpAddress"].target_fields == ("source.ip",)
    assert "ecs_channel_fields" in routes["IpAddress"].steps
    assert routes["EventID"].target_fields == ("event.code",)
