"""JUnit XML: the layout pytest's ``--junitxml`` writes, which Jenkins' JUnit plugin, GitLab's
``artifacts:reports:junit`` and GitHub's test-report actions read.

One ``<testcase>`` per case: ``classname`` the rule file (relative to the repository root),
``name`` the target (or the lint check); a failure is ``<failure message=...>`` with the
message as its text, an error ``<error message=...>``, a rule without test events or a target
that cannot execute here ``<skipped message=...>``. Only the elements and attributes of the
schema Jenkins' xunit plugin validates against (jenkinsci/xunit-plugin
``src/main/resources/org/jenkinsci/plugins/xunit/types/model/xsd/junit-10.xsd``: no ``file``
or ``line`` on a test case, no ``skipped`` count on ``<testsuites>``), as pytest's default
``xunit2`` writer does (pytest-dev/pytest ``src/_pytest/junitxml.py``).
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path

from sigma_certutil.reports.cases import Case, Status, relative_path

# XML 1.0 allows only these characters (https://www.w3.org/TR/xml/#charsets): any other, a
# control character in an engine's message say, would make the file unreadable.
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")

_ELEMENT = {Status.FAILED: "failure", Status.ERROR: "error", Status.SKIPPED: "skipped"}


def _text(value: str) -> str:
    return _NOT_XML.sub("\ufffd", value)


def junit_xml(command: str, cases: Sequence[Case], root: Path) -> str:
    """The report as text: in ``<testsuites>`` named after ``command``, one ``<testsuite>``
    per command the cases come from (``build --test`` reports its build and its tests)."""
    suites = ET.Element("testsuites", {"name": f"sigma-certutil {command}", **_totals(cases)})
    del suites.attrib["skipped"]
    commands = list(dict.fromkeys(case.command for case in cases)) or [command]
    for name in commands:
        own = [case for case in cases if case.command == name]
        suite = ET.SubElement(
            suites, "testsuite", {"name": f"sigma-certutil {name}", **_totals(own)}
        )
        for case in own:
            place = relative_path(case.source, root) if case.source is not None else name
            attributes = {"classname": _text(place), "name": _text(_case_name(case))}
            element = ET.SubElement(suite, "testcase", attributes)
            tag = _ELEMENT.get(case.status)
            if tag is not None:
                outcome = ET.SubElement(element, tag, {"message": _text(case.message)})
                if case.status is not Status.SKIPPED:
                    outcome.text = _text(case.message)
    ET.indent(suites)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(suites, "unicode") + "\n"


def _totals(cases: Sequence[Case]) -> dict[str, str]:
    counts = {status: sum(case.status is status for case in cases) for status in Status}
    return {
        "tests": str(len(cases)),
        "failures": str(counts[Status.FAILED]),
        "errors": str(counts[Status.ERROR]),
        "skipped": str(counts[Status.SKIPPED]),
    }


def _case_name(case: Case) -> str:
    return case.target or case.check or case.name
