"""rule_lines.py: the entry of a rule document that pySigma's error comes from, found by
building the rule again from parts of the document."""

from __future__ import annotations

from typing import Any

import pytest
import yaml
from helpers import BUNDLED_RULE
from sigma.exceptions import SigmaIdentifierError
from sigma.rule import SigmaRule

from sigma_certutil.rule_lines import PYSIGMA_FAILURES, culprit, failure_text, node_line

RULE = BUNDLED_RULE.read_text(encoding="utf-8")


def _culprit(document: dict[str, Any]) -> tuple[int, ...]:
    with pytest.raises(PYSIGMA_FAILURES) as caught:
        SigmaRule.from_dict(document)
    return culprit(document, caught.value, None)


def test_the_culprit_of_a_top_level_value() -> None:
    document = yaml.safe_load(RULE)
    document["id"] = True
    assert _culprit(document) == (list(document).index("id"),)


def test_the_culprit_inside_the_detection_keeps_its_condition() -> None:
    document = yaml.safe_load(RULE)
    document["detection"]["selection"][1.5] = "x"
    detection = list(document).index("detection")
    assert _culprit(document) == (detection, 0, 3)  # selection, its fourth key


def test_the_culprit_in_a_list() -> None:
    document = yaml.safe_load(RULE)
    document["detection"]["selection"]["DestinationPort"][2] = {"a": 1}
    assert _culprit(document) == (list(document).index("detection"), 0, 2, 2)


def test_a_missing_key_has_no_culprit() -> None:
    document = yaml.safe_load(RULE)
    del document["title"]
    assert _culprit(document) == ()


def test_the_line_of_positions() -> None:
    root = yaml.compose(RULE)
    assert root is not None
    assert node_line(root, (1,)) == 2  # id
    assert node_line(root, (10, 0, 2, 1)) == 24  # DestinationPort's second port
    assert node_line(root, (10, 0, 2, 1, 5)) == 24  # deeper than the nodes: the deepest
    assert node_line(root, ()) is None


def test_failure_texts() -> None:
    assert failure_text(SigmaIdentifierError("must be an UUID")) == "must be an UUID"
    assert failure_text(AttributeError("'bool' object has no attribute 'replace'")) == (
        "pySigma could not read it: AttributeError: 'bool' object has no attribute 'replace'"
    )
