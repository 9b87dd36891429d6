"""lint/catalog.py: every pySigma check named is one of pySigma 1.5's validators, and none
of those that download MITRE's data is run."""

from __future__ import annotations

from sigma.validators.core import validators

from sigma_certutil.lint.catalog import CHECKS


def test_pysigma_checks_are_pysigmas_validators() -> None:
    theirs = {check.id for check in CHECKS.values() if not check.own}
    assert theirs <= set(validators), sorted(theirs - set(validators))


def test_the_validators_that_fetch_data_are_not_pysigmas_here() -> None:
    # tags.py: ATTACKTagValidator and D3FENDTagValidator read sigma.data.mitre_attack and
    # mitre_d3fend, which download MITRE's bundles.
    assert CHECKS["attacktag"].own
    assert "d3_fendtag" not in CHECKS


def test_every_validator_is_run_or_replaced_or_left_out_for_a_reason() -> None:
    left_out = {"d3_fendtag", "fieldname_logsource", "tlpv1_tag", "tlpv2_tag"}
    replaced = {"attacktag", "identifier_existence", "identifier_uniqueness"}
    replaced |= {"dangling_detection", "dangling_condition"}
    assert set(validators) - left_out - replaced == {
        check.id for check in CHECKS.values() if not check.own
    }
