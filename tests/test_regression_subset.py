"""A representative subset of SigmaHQ's regression corpus: the first two Sysmon rules of each
category folder, through every executable target, must fire on their own real events.
The whole corpus, beside the stock pipelines, is tests/regression.py."""

from __future__ import annotations

from collections import defaultdict

import pytest
from helpers import SHARED, require_engine, shared_path
from regression import Regression, _is_sysmon_rule, _matches, regressions

from sigma_certutil import ConversionError, convert, load_rule
from sigma_certutil.verify.engines import unavailable

pytestmark = [pytest.mark.engine, pytest.mark.shared]

TARGETS = ("splunk", "lucene", "eql", "kusto")
# Refusals documented in the target's pipeline file, with the field or category they name: a
# target that refuses a rule says so instead of emitting a query that cannot match.
REFUSED = {
    ("image_load_side_load_vcruntime140", "kusto"): "Signed",
    ("proc_access_win_susp_dbgcore_dbghelp_load", "kusto"): "CallTrace",
    ("proc_access_win_werfaultsecure_msmpeng_access", "kusto"): "GrantedAccess",
    ("sysmon_config_modification", "kusto"): "not mapped to a Defender XDR table",
}
REGRESSION_DATA = ("data", "sigmahq", "regression_data")


def _subset() -> list[Regression]:
    if not SHARED.joinpath(*REGRESSION_DATA).is_dir():
        return []
    by_folder: dict[str, list[Regression]] = defaultdict(list)
    for case in regressions(SHARED):
        if _is_sysmon_rule(case.rule):
            by_folder[case.rule.parent.name].append(case)
    return [case for cases in by_folder.values() for case in cases[:2]]


SUBSET = _subset()


# Without the regression data one placeholder case stands for the subset: it skips naming the
# folder (and fails under CI=true).
@pytest.mark.parametrize(
    "case", SUBSET or [None], ids=[case.name for case in SUBSET] or ["no-regression-data"]
)
def test_fires_on_its_own_events(case: Regression | None) -> None:
    shared_path(*REGRESSION_DATA)
    assert case is not None, "the regression data holds no Sysmon rule"
    for target in TARGETS:
        if target != "splunk":
            require_engine(unavailable(target))
        if (case.name, target) in REFUSED:
            with pytest.raises(ConversionError, match=REFUSED[case.name, target]):
                convert(load_rule(case.rule), target)
            continue
        query = convert(load_rule(case.rule), target)
        assert _matches(target, query, case.events) > 0, f"{target}: {query}"
