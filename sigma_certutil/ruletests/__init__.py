"""``sigma-certutil test``: each rule's test events through every target's engine, beside the
Sigma reference, judged against what the rule's tests say must match.

``discovery`` finds a rule's tests (SigmaHQ's ``regression_data/<rule path>/info.yml``, or
``<stem>.match.json`` and ``<stem>.nomatch.json`` beside the rule), ``judge`` gives the
verdicts of one rule as report cases, ``run`` tests rule files. Needs what ``verify`` needs:
``pip install 'sigma-certutil[verify]'``.
"""

from __future__ import annotations

from sigma_certutil.ruletests.discovery import EventSet, Finder, RuleEvents
from sigma_certutil.ruletests.judge import REFERENCE
from sigma_certutil.ruletests.run import RuleTestRun, run_rule_tests

__all__ = ["REFERENCE", "EventSet", "Finder", "RuleEvents", "RuleTestRun", "run_rule_tests"]
