"""deploy/deployable.py: a converted query with its rule and target; each format takes only its
own targets."""

from __future__ import annotations

import pytest
from deploy_checks import bundled

from sigma_certutil import load_bundled_rule
from sigma_certutil.deploy import (
    Deployable,
    elastic_rules_ndjson,
    sentinel_rule_yaml,
    splunk_savedsearch,
)
from sigma_certutil.errors import TargetError


def test_targets_are_checked() -> None:
    with pytest.raises(TargetError, match="unknown target"):
        Deployable(load_bundled_rule(), "qradar", "x")
    with pytest.raises(TargetError, match="not 'eql'"):
        splunk_savedsearch([bundled("eql")])
    with pytest.raises(TargetError, match="not 'splunk'"):
        elastic_rules_ndjson([bundled("splunk")])
    with pytest.raises(TargetError, match="not 'esql'"):
        sentinel_rule_yaml(bundled("esql"))
