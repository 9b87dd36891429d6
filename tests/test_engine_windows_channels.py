"""Rules on the Windows channels beside Sysmon's (Security, PowerShell, the classic PowerShell
channel, System, Windows Defender), run through each executable target's engine over the
raw events of tests/fixtures/windows_events.yml stored as each target's store keeps them,
beside the Sigma reference on the raw fields.

The events each rule must match are written here, decided from the rule and the raw events
(never from a pipeline); every event of every channel is in the pool, so a query that
forgets its channel or event id matches too much. Defender XDR keeps no table of these
channels: a rule on them is refused with a reason naming the channel, except where a table
documents the same fact (Security 4688 and DeviceProcessEvents).
"""

from __future__ import annotations

import pytest
from engines.cases import windows_fixtures
from engines.spl_model import spl_search
from helpers import TESTS, require_engine

from sigma_certutil import convert, load_rule
from sigma_certutil.errors import ConversionError
from sigma_certutil.verify import Verdict, verify
from sigma_certutil.verify.engines import unavailable
from sigma_certutil.verify.engines.eql import ecs_schema, run_eql
from sigma_certutil.verify.reference import reference_matches
from sigma_certutil.verify.shapes.ecs import ecs_fields
from sigma_certutil.verify.shapes.ecs_agent import to_ecs_agent
from sigma_certutil.verify.shapes.splunk import to_splunk

RULES_DIR = TESTS / "rules" / "windows_channels"
FIXTURES = windows_fixtures(TESTS / "fixtures" / "windows_events.yml")
EVENTS = [fixture.event for fixture in FIXTURES.values()]

# Rule -> the events it must match (by name), and the channel it reads.
EXPECTED: dict[str, tuple[set[str], str]] = {
    "security_network_logon_administrator": ({"network_logon_from_remote"}, "Security"),
    "security_rundll32_from_public": ({"process_created_rundll32"}, "Security"),
    "security_service_installed_from_temp": ({"service_installed_from_temp"}, "Security"),
    "security_scheduled_task_public": ({"scheduled_task_created"}, "Security"),
    "security_admin_share_access": ({"share_accessed_admin"}, "Security"),
    "security_executable_on_c_share": ({"share_file_checked"}, "Security"),
    "ps_script_download_cradle": (
        {"script_block_download_cradle"},
        "Microsoft-Windows-PowerShell/Operational",
    ),
    "ps_module_cmd": ({"module_pipeline"}, "Microsoft-Windows-PowerShell/Operational"),
    # "(Out-Null)" lies across the parentheses of "CommandInvocation(Out-Null): ..." (the
    # split keeps Out-Null as the related_command) and of the ParameterBinding line.
    "ps_module_command_in_parentheses": (
        {"module_pipeline"},
        "Microsoft-Windows-PowerShell/Operational",
    ),
    "ps_module_symbolic_link": (
        {"module_pipeline"},
        "Microsoft-Windows-PowerShell/Operational",
    ),
    "ps_classic_start_version_2": ({"engine_started_version_2"}, "Windows PowerShell"),
    "system_psexec_service_installed": ({"service_installed_psexec"}, "System"),
    "windefend_hacktool_detected": (
        {"malware_detected"},
        "Microsoft-Windows-Windows Defender/Operational",
    ),
    "taskscheduler_task_process_from_public": (
        {"task_process_from_public"},
        "Microsoft-Windows-TaskScheduler/Operational",
    ),
    "bits_script_download": (
        {"bits_job_script_download"},
        "Microsoft-Windows-Bits-Client/Operational",
    ),
    "application_screenconnect_whoami": ({"screenconnect_command"}, "Application"),
    "application_mssql_xp_cmdshell": ({"mssql_audit_xp_cmdshell"}, "Application"),
    # ESENT's nine or five elements: ntds.dit is in the fifth (325, 326) or the fourth and
    # fifth (216); SRUDB.dat is another database.
    "application_esent_ntds_database": (
        {
            "esent_ntds_copy_created_on_desktop",
            "esent_ntds_created_in_place",
            "esent_ntds_location_changed",
            "esent_ntds_snapshot_attached",
        },
        "Application",
    ),
    # Created (325) under a user's Desktop; not in C:\Windows\NTDS, nor attached (326).
    "application_esent_ntds_created_in_user_folder": (
        {"esent_ntds_copy_created_on_desktop"},
        "Application",
    ),
    # The client is the third element; 10.0.2.17 is private.
    "application_mssql_login_failed_from_outside": (
        {"mssql_login_failed_from_outside"},
        "Application",
    ),
    # 15457 of xp_cmdshell; the 33205 audit record naming xp_cmdshell is another event.
    "application_mssql_xp_cmdshell_option": ({"mssql_xp_cmdshell_option_changed"}, "Application"),
    # MsMpEng.exe in P1 (the sixth element), mpengine.dll in P4 (the ninth): no element holds
    # both; the crash in ntdll.dll names MsMpEng.exe only.
    "application_wer_msmpeng_mpengine_crash": ({"wer_msmpeng_crash_in_mpengine"}, "Application"),
    # The package is the first of 1040's seven elements.
    "application_msi_transaction_from_url": ({"msi_transaction_from_web"}, "Application"),
    "ps_classic_provider_start_encoded": ({"provider_started_encoded"}, "Windows PowerShell"),
    "security_network_logon_not_port_zero": ({"network_logon_from_remote"}, "Security"),
    "wmi_client_failure_operation": (
        {"wmi_client_failure_clear_log"},
        "Microsoft-Windows-WMI-Activity/Operational",
    ),
}
RULES = sorted(EXPECTED)


def _known(reason: str) -> pytest.MarkDecorator:
    """A case that fails for a known reason, named; strict, so that a fix shows."""
    return pytest.mark.xfail(strict=True, reason=reason)


# Fields Winlogbeat does not keep as the rule reads them: an ECS target must refuse the rule
# naming the field (powershell_operational.yml removes Payload after splitting it into
# powershell.command.invocation_details; powershell.yml removes the classic channel's
# param1..3 after its kv), or express it exactly and agree.
ECS_MAY_REFUSE = {
    "ps_module_cmd": "Payload",
    "ps_module_symbolic_link": "Payload",
    "ps_classic_start_version_2": "Data",
    "ps_classic_provider_start_encoded": "Data",
}
# Rules whose facts a Defender XDR table documents (DeviceProcessEvents: process created).
XDR_DOCUMENTED = {"security_rundll32_from_public"}

# The eql package compares a field as one value: it cannot find a value among an array of
# objects, as Elasticsearch does (invocation_details holds one object per line).
EQL_ARRAYS = _known("the eql package does not search arrays of objects (Elasticsearch does)")
ECS_RULES = [pytest.param(rule) for rule in RULES]
EQL_MARKS = {
    "ps_module_symbolic_link": [EQL_ARRAYS],
    "ps_module_command_in_parentheses": [EQL_ARRAYS],
}
EQL_RULES = [pytest.param(rule, marks=EQL_MARKS.get(rule, [])) for rule in RULES]


def _rule(name: str):  # type: ignore[no-untyped-def]
    return load_rule(RULES_DIR / f"{name}.yml")


def test_every_rule_has_its_file_and_every_event_a_distinct_name() -> None:
    assert sorted(p.stem for p in RULES_DIR.glob("*.yml")) == RULES
    assert len({event.name for event in EVENTS}) == len(EVENTS)
    assert {name for names, _ in EXPECTED.values() for name in names} <= {
        event.name for event in EVENTS
    }


@pytest.mark.parametrize("rule", RULES)
def test_the_reference_matches_what_the_rule_means(rule: str) -> None:
    """The reference adds the log source's channel (and, for ps_*, its event id): events of
    other channels with the same fields do not match."""
    hits = reference_matches(_rule(rule), EVENTS)
    assert {EVENTS[i].name for i in hits} == EXPECTED[rule][0]


@pytest.mark.engine
@pytest.mark.parametrize(
    ("rule", "target"),
    [pytest.param(p.values[0], "lucene", marks=p.marks) for p in ECS_RULES]
    + [pytest.param(p.values[0], "eql", marks=p.marks) for p in EQL_RULES],
)
def test_ecs_engines(rule: str, target: str) -> None:
    require_engine(unavailable(target))
    [checked] = verify([_rule(rule)], EVENTS, [target])
    [result] = checked.results
    if rule in ECS_MAY_REFUSE and result.status is Verdict.NOT_CONVERTED:
        assert ECS_MAY_REFUSE[rule] in result.detail, result.detail
        return
    assert result.status is Verdict.AGREES, (result.status, result.detail, result.matched)
    assert set(result.matched) == EXPECTED[rule][0]


@pytest.mark.engine
@pytest.mark.parametrize("rule", EQL_RULES)
def test_eql_on_the_elastic_agent_documents(rule: str) -> None:
    """The same query finds the same events in the Elastic Agent's documents (no
    event.module there): a query must not rest on what only Winlogbeat writes."""
    require_engine(unavailable("eql"))
    try:
        query = convert(_rule(rule), "eql")
    except ConversionError as error:
        assert rule in ECS_MAY_REFUSE, error.reason
        assert ECS_MAY_REFUSE[rule] in error.reason, error.reason
        return
    docs = [to_ecs_agent(event) for event in EVENTS]
    hits = run_eql(query, ecs_schema(ecs_fields()), docs)
    assert {EVENTS[i].name for i in hits} == EXPECTED[rule][0], query


@pytest.mark.engine
@pytest.mark.parametrize("rule", RULES)
def test_splunk_model(rule: str) -> None:
    query = convert(_rule(rule), "splunk")
    assert f'source="XmlWinEventLog:{EXPECTED[rule][1]}"' in query, query
    matched = spl_search(query, [to_splunk(event) for event in EVENTS])
    assert {EVENTS[i].name for i in matched} == EXPECTED[rule][0], query


@pytest.mark.engine
@pytest.mark.parametrize("rule", RULES)
def test_kusto_refuses_the_channels_xdr_does_not_hold(rule: str) -> None:
    require_engine(unavailable("kusto"))
    [checked] = verify([_rule(rule)], EVENTS, ["kusto"])
    [result] = checked.results
    if rule in XDR_DOCUMENTED and result.status is not Verdict.NOT_CONVERTED:
        assert result.status is Verdict.AGREES, (result.status, result.detail)
        assert set(result.matched) == EXPECTED[rule][0]
        return
    assert result.status is Verdict.NOT_CONVERTED
    assert EXPECTED[rule][1] in result.detail, result.detail


def test_a_refused_rule_names_the_target_in_the_api() -> None:
    """Whatever the mappings, an ECS refusal is a ConversionError, never a silent query."""
    for rule in RULES:
        for target in ("eql", "lucene", "esql", "splunk", "kusto"):
            try:
                query = convert(_rule(rule), target)
            except ConversionError as error:
                assert error.target == target
                continue
            assert query.strip()
