"""A build or check as report cases (sigma_certutil/reports): one per rule and target.

A query the build made is a passed case; a rule a target refuses is a failure (skipped with
``--allow-unsupported``); a rule that does not load, or whose output cannot be written, is a
failure at its file and line. For ``check``, a query file that differs from what its rule
builds now is a failure of that rule and target; other drift (the manifest, a file no
manifest lists) is a failure with no rule file.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from sigma_certutil.build import BuildResult
from sigma_certutil.reports import Case, Status
from sigma_certutil.targets import TARGETS

_LINE = re.compile(r":(\d+): ")


def build_cases(
    command: str, result: BuildResult, files: Sequence[str], *, check: bool = False
) -> list[Case]:
    """The cases of a build (``check``: of a check) of the rule ``files``."""
    cases: list[Case] = []
    by_path = {}
    for output in result.outputs:
        by_path[output.path] = output
        if not (check and output.path in result.diffs):
            name = f"{output.source} [{output.target}]"
            cases.append(
                Case(command, name, Path(output.source), None, Status.PASSED, target=output.target)
            )
    for message in result.errors:
        cases.append(_attributed(command, message, files, Status.FAILED))
    for message in (*result.skipped, *result.not_rules):  # not_rules: YAML that is no rule
        cases.append(_attributed(command, message, files, Status.SKIPPED))
    for relative, diff in result.diffs.items():
        found = by_path.get(relative)
        first = diff.splitlines()[0] if diff else relative
        if found is not None:
            message = f"{relative} differs from what {found.source} builds now"
            name = f"{found.source} [{found.target}]"
            cases.append(
                Case(command, name, Path(found.source), None, Status.FAILED, message, found.target)
            )
        else:
            message = first if first.startswith(relative) else f"{relative}: {first}"
            cases.append(Case(command, relative, None, None, Status.FAILED, message))
    return cases


def _attributed(command: str, message: str, files: Sequence[str], status: Status) -> Case:
    """A build's error or skip line (``file:line: message``, ``file: target: message``) as a
    case of its rule file, line and target."""
    for source in sorted(files, key=len, reverse=True):
        if not message.startswith(source + ":"):
            continue
        rest = message[len(source) :]
        line = None
        found = _LINE.match(rest)
        if found:
            line = int(found.group(1)) or None
        target = next((t for t in TARGETS if rest.startswith(f": {t}: ")), None)
        name = f"{source} [{target}]" if target else source
        return Case(command, name, Path(source), line, status, message, target)
    return Case(command, message.split(": ", 1)[0], None, None, status, message)
