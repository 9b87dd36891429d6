"""fields.py: where each field of a rule lands in a target, and which step put it there."""

from __future__ import annotations

from helpers import TEST_RULES

from sigma_certutil import load_rule
from sigma_certutil.fields import FieldRoute, field_routes

CMD_BY_SYSTEM = TEST_RULES / "proc_creation_cmd_by_system_or_service_account.yml"


def _route(target: str, field: str) -> FieldRoute:
    [route] = [r for r in field_routes(load_rule(CMD_BY_SYSTEM), target) if r.field == field]
    return route


def test_user_is_reported_as_the_two_fields_it_is_split_into() -> None:
    # The Winlogbeat ingest splits User ("DOMAIN\name") into user.domain and user.name;
    # Defender XDR keeps AccountDomain and AccountName for a new process.
    assert _route("eql", "User") == FieldRoute(
        "User", ("user.domain", "user.name"), ("ecs_user_split",)
    )
    assert _route("kusto", "User") == FieldRoute(
        "User", ("AccountDomain", "AccountName"), ("xdr_user_split_process",)
    )


def test_a_field_kept_as_it_is_names_no_step() -> None:
    assert _route("splunk", "User") == FieldRoute("User", ("User",), ())
