"""The data stores: what they say about where the events are is what the queries, the
deployed rules and the engines use, and their shapers and field types resolve."""

from __future__ import annotations

import pytest

from sigma_certutil import convert, load_bundled_rule
from sigma_certutil.deploy import Deployable, elastic_rule
from sigma_certutil.processing.windows_ecs import all_indices
from sigma_certutil.stores import DEFENDER_XDR, ECS, SPLUNK_ADDON, Store
from sigma_certutil.targets import TARGETS


def test_every_target_reads_a_known_store() -> None:
    assert {target.store for target in TARGETS.values()} <= {SPLUNK_ADDON, ECS, DEFENDER_XDR}


@pytest.mark.parametrize("store", [SPLUNK_ADDON, ECS, DEFENDER_XDR], ids=lambda s: s.id)
def test_shapers_and_field_types_resolve(store: Store) -> None:
    assert callable(store.shape())
    if store.field_types:
        assert callable(store.types())


def test_ecs_index_patterns_are_the_ones_queries_and_rules_name() -> None:
    rule = load_bundled_rule()
    for target in TARGETS.values():
        if target.store is not ECS:
            continue
        query = convert(rule, target.id)
        body = elastic_rule(Deployable(rule, target.id, query))
        if query.startswith("from "):  # ES|QL names the indices of the rule's channel itself
            assert query.split("\n", 1)[0].split(" metadata")[0] == (
                "from winlogbeat-*, logs-windows.sysmon_operational-*"
            )
            assert "index" not in body
        else:  # the rule's channel's, here Sysmon's
            assert body["index"] == ["winlogbeat-*", "logs-windows.sysmon_operational-*"]


def test_ecs_indices_are_every_channels() -> None:
    assert ECS.indices == all_indices()
    assert "logs-system.security-*" in ECS.indices


def test_xdr_tables_are_defender_tables_with_columns() -> None:
    columns = DEFENDER_XDR.types()
    for table in DEFENDER_XDR.tables:
        assert columns(table), table


def test_summary_names_where_the_events_are() -> None:
    assert ECS.summary.endswith(", ".join(ECS.indices) + ")")
    assert "(winlogbeat-*, logs-windows.sysmon_operational-*, " in ECS.summary
    assert SPLUNK_ADDON.summary == SPLUNK_ADDON.description
