"""deploy/splunk.py: savedsearches.conf stanzas read back by a .conf reader and checked against
savedsearches.conf.spec (counttype/relation/quantity, alert.severity 1..6) and Splunk ES
annotations as contentctl writes them."""

from __future__ import annotations

import json
import re

import pytest
from deploy_checks import BUNDLED_TITLE, bundled, read_conf, rule_text

from sigma_certutil import convert, load_bundled_rule, parse_rule
from sigma_certutil.deploy import Deployable, splunk_savedsearch
from sigma_certutil.deploy.splunk import splunk_stanzas
from sigma_certutil.errors import DeployError

# Settings of savedsearches.conf.spec, and Splunk ES's correlation-search settings.
SPEC_SETTINGS = {
    "description",
    "search",
    "cron_schedule",
    "dispatch.earliest_time",
    "dispatch.latest_time",
    "enableSched",
    "disabled",
    "counttype",
    "relation",
    "quantity",
    "alert.track",
    "alert.severity",
}
ES_SETTINGS = {
    "action.correlationsearch.enabled",
    "action.correlationsearch.label",
    "action.correlationsearch.annotations",
}


def test_savedsearches_stanza_for_the_bundled_rule() -> None:
    item = bundled("splunk")
    stanzas = read_conf(splunk_savedsearch([item]))
    assert list(stanzas) == [BUNDLED_TITLE]
    stanza = stanzas[BUNDLED_TITLE]
    assert set(stanza) == SPEC_SETTINGS | ES_SETTINGS
    assert stanza["search"] == item.query == convert(load_bundled_rule(), "splunk")
    assert stanza["description"] == (load_bundled_rule().description or "").strip()
    assert len(stanza["cron_schedule"].split()) == 5
    for key in ("dispatch.earliest_time", "dispatch.latest_time"):
        assert re.fullmatch(r"now|-\d+[smhd](@[smhd])?", stanza[key])
    assert stanza["enableSched"] == "1"
    assert (stanza["counttype"], stanza["relation"], stanza["quantity"]) == (
        "number of events",
        "greater than",
        "0",
    )
    assert stanza["alert.track"] == "1"
    assert stanza["alert.severity"] == "4"  # high
    assert stanza["action.correlationsearch.label"] == BUNDLED_TITLE
    assert json.loads(stanza["action.correlationsearch.annotations"]) == {"mitre_attack": ["T1105"]}


def test_savedsearches_uses_conf_names_not_rest_parameters() -> None:
    """alert_type, alert_comparator and alert_threshold are the REST API's names for
    counttype, relation and quantity; savedsearches.conf.spec has no such settings."""
    text = splunk_savedsearch([bundled("splunk")])
    for rest_name in ("alert_type", "alert_comparator", "alert_threshold"):
        assert rest_name not in text


def test_savedsearches_multi_line_values_continue_with_a_backslash() -> None:
    rule = parse_rule(rule_text())
    query = 'source="x" EventCode=3\n| stats count by Image\n| where count > 1'
    item = Deployable(rule, "splunk", query)
    text = splunk_savedsearch([item])
    assert 'source="x" EventCode=3\\\n| stats count by Image\\\n| where count > 1\n' in text
    stanza = read_conf(text)[BUNDLED_TITLE]
    assert stanza["search"] == query
    assert "\n" in stanza["description"]
    # A line ending with a backslash keeps it literal: a space follows it.
    tricky = Deployable(rule, "splunk", "Image=C:\\\n| where x=\\")
    text = splunk_savedsearch([tricky])
    assert "search = Image=C:\\ \\\n| where x=\\ \n" in text
    assert read_conf(text)[BUNDLED_TITLE]["search"] == "Image=C:\\ \n| where x=\\"


def test_savedsearches_stanza_names() -> None:
    rule = parse_rule(rule_text().replace(BUNDLED_TITLE, '"Certutil [beta]\\nconnection"'))
    stanzas = read_conf(splunk_savedsearch([Deployable(rule, "splunk", "x")]))
    assert list(stanzas) == ["Certutil beta connection"]
    with pytest.raises(DeployError, match="already taken"):
        splunk_savedsearch([bundled("splunk"), bundled("splunk")])
    default = parse_rule(rule_text().replace(BUNDLED_TITLE, "'[default]'"))
    with pytest.raises(DeployError, match="cannot name"):
        splunk_savedsearch([Deployable(default, "splunk", "x")])


def test_savedsearches_stanzas_leave_out_the_rules_that_cannot_have_one() -> None:
    default = parse_rule(rule_text().replace(BUNDLED_TITLE, "default"))
    untitled = parse_rule(rule_text().replace(BUNDLED_TITLE, "'[ ]'"))
    items = [
        Deployable(default, "splunk", "x"),
        bundled("splunk"),
        Deployable(untitled, "splunk", "x"),
        bundled("splunk"),
    ]
    text, errors = splunk_stanzas(items)
    assert text == splunk_savedsearch([bundled("splunk")])
    assert [type(error) for error in errors] == [DeployError] * 3
    assert [error.reason for error in errors if isinstance(error, DeployError)] == [
        "title 'default' cannot name a savedsearches.conf stanza",
        "title '[ ]' cannot name a savedsearches.conf stanza",
        f"stanza [{BUNDLED_TITLE}] is already taken by <rule>; Splunk would merge the two searches",
    ]
    assert splunk_stanzas([]) == ("", [])
