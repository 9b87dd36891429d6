"""SigmaHQ's regression corpus through every target, beside the stock pySigma pipelines.

    python tests/regression.py [--shared DIR] [--limit N] [--all-channels] [--json]

For each Windows Sysmon rule (with --all-channels, each Windows rule of any channel: Security,
TaskScheduler, WMI-Activity, ...) in DIR/data/sigmahq/regression_data (a rule id, real events and
the number of them the rule must match), every target's query is run on its engine over the
same events, stored the way that target's ingest stores them (tests/engines/shapes.py):
eql (Elastic's eql) and lucene (Apache Lucene 8) on ECS documents; splunk on the Sysmon
add-on's fields through the search model (tests/engines/spl_model.py, not Splunk); kusto
with duckdb-kql on the Defender XDR rows of the same activity (tests/engines/xdr_shapes.py),
in the table the query names on its first line (an event recorded in another table, or not
at all, does not match; a rule none of whose events XDR records is counted apart). The same
is done with the stock pySigma pipelines (sysmon + splunk_windows; sysmon + ecs_windows;
sysmon + microsoft_xdr).
A target "fires" on a rule when its query matches at least one of the rule's events; whether
it matched exactly the info file's match_count is reported beside it (several JSON exports
hold more matching events than the count, which was taken from the .evtx). Rules whose log
source is not Sysmon (some info files name the Sysmon provider for Security-log rules) are
left out and counted.
Run from the project root; Lucene needs Debian's liblucene8-java and a JDK, kusto duckdb-kql.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

TESTS = Path(__file__).resolve().parent
sys.path.insert(0, str(TESTS))

from engines.spl_model import spl_search  # noqa: E402
from helpers import SHARED  # noqa: E402

from sigma_certutil import TARGETS as CATALOG  # noqa: E402
from sigma_certutil import CertutilError, ConversionError, convert, load_rule  # noqa: E402
from sigma_certutil.verify.engines import run_target, unavailable  # noqa: E402
from sigma_certutil.verify.engines.lucene import LuceneQueryError  # noqa: E402
from sigma_certutil.verify.events import SysmonEvent, load_events  # noqa: E402
from sigma_certutil.verify.shapes.splunk import to_splunk  # noqa: E402
from sigma_certutil.verify.shapes.xdr import to_xdr_row  # noqa: E402

# The targets whose rows name an engine, and splunk through the SPL model (tests/engines/).
EXECUTABLE = [target.id for target in CATALOG.values() if target.engine is not None]
TARGETS = ("splunk", *EXECUTABLE)


class NotRecordedError(Exception):
    """Defender XDR records none of a rule's events."""


@dataclass
class Regression:
    rule: Path
    name: str
    events: list[SysmonEvent]
    expected: int | None  # None: the info file gives no count; any match fires


@dataclass
class Outcome:
    fired: int = 0
    count_differs: int = 0
    causes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def fail(self, cause: str, rule: str) -> None:
        self.causes[cause] += 1
        self.examples.setdefault(cause, rule)


def _rule_index(shared: Path) -> dict[str, Path]:
    index = {}
    for folder in ("rules", "rules-emerging-threats", "rules-threat-hunting"):
        for path in (shared / "data" / "sigmahq" / folder).rglob("*.yml"):
            found = re.search(r"^id:\s*(\S+)", path.read_text(encoding="utf-8"), re.M)
            if found:
                index[found.group(1)] = path
    return index


def regressions(shared: Path) -> list[Regression]:
    index = _rule_index(shared)
    base = shared / "data" / "sigmahq" / "regression_data" / "rules" / "windows"
    found = []
    for info_path in sorted(base.rglob("info.yml")):
        info = yaml.safe_load(info_path.read_text(encoding="utf-8"))
        tests = [
            t
            for t in info["regression_tests_info"]
            if t.get("provider") == "Microsoft-Windows-Sysmon"
        ]
        rule_id = info["rule_metadata"][0]["id"]
        if not tests or rule_id not in index:
            continue
        events = [e for path in sorted(info_path.parent.glob("*.json")) for e in load_events(path)]
        found.append(
            Regression(index[rule_id], info_path.parent.name, events, tests[0].get("match_count"))
        )
    return found


def _stock_query(rule: Path, target: str) -> str:
    from sigma.backends.elasticsearch.elasticsearch_eql import EqlBackend
    from sigma.backends.elasticsearch.elasticsearch_lucene import LuceneBackend
    from sigma.backends.kusto.kusto import KustoBackend
    from sigma.backends.splunk.splunk import SplunkBackend
    from sigma.pipelines.elasticsearch.windows import ecs_windows
    from sigma.pipelines.microsoftxdr.microsoftxdr import microsoft_xdr_pipeline
    from sigma.pipelines.splunk.splunk import splunk_windows_pipeline
    from sigma.pipelines.sysmon.sysmon import sysmon_pipeline
    from sigma.rule import SigmaRule

    backends: dict[str, Callable[[], Any]] = {
        # pySigma-backend-splunk leaves splunk_windows_pipeline unannotated.
        "splunk": lambda: SplunkBackend(
            sysmon_pipeline() + splunk_windows_pipeline()  # type: ignore[no-untyped-call]
        ),
        "lucene": lambda: LuceneBackend(sysmon_pipeline() + ecs_windows()),
        "eql": lambda: EqlBackend(sysmon_pipeline() + ecs_windows()),
        "kusto": lambda: KustoBackend(sysmon_pipeline() + microsoft_xdr_pipeline()),
    }
    queries = backends[target]().convert_rule(SigmaRule.from_yaml(rule.read_text(encoding="utf-8")))
    if len(queries) != 1:
        raise ValueError(f"{len(queries)} queries")
    return str(queries[0])


def _matches(target: str, query: str, events: list[SysmonEvent]) -> int:
    """How many events the query matches on the target's engine (the same engines as
    sigma-certutil verify; the Splunk search model for splunk)."""
    if target == "splunk":
        return len(spl_search(query, [to_splunk(e) for e in events]))
    if target == "kusto" and all(to_xdr_row(e) is None for e in events):
        raise NotRecordedError
    return len(run_target(target, query, events))


def _cause(error: BaseException) -> str:
    text = " ".join((error.reason if isinstance(error, ConversionError) else str(error)).split())
    text = re.sub(r"'[^']*'", "'…'", text)
    return f"{type(error).__name__}: {text[:110]}"


def _is_sysmon_rule(path: Path) -> bool:
    from sigma.pipelines.sysmon.sysmon import sysmon_generic_logsource_eventid_mapping

    logsource = load_rule(path).logsource
    return (
        logsource.category in sysmon_generic_logsource_eventid_mapping
        or logsource.service == "sysmon"
    )


def run(shared: Path, limit: int | None, all_channels: bool = False) -> dict[str, Any]:
    every = regressions(shared)
    cases = [case for case in every if all_channels or _is_sysmon_rule(case.rule)][:limit]
    outcomes: dict[str, dict[str, Outcome]] = defaultdict(lambda: defaultdict(Outcome))
    started = time.perf_counter()
    for case in cases:
        for target in TARGETS:
            for side, make in (
                ("project", lambda r, t: convert(load_rule(r), t)),
                ("stock", _stock_query),
            ):
                outcome = outcomes[target][side]
                try:
                    query = make(case.rule, target)
                except (CertutilError, Exception) as error:
                    outcome.fail("conversion: " + _cause(error), case.name)
                    continue
                try:
                    count = _matches(target, query, case.events)
                except NotRecordedError:
                    outcome.fail("XDR does not record this event", case.name)
                    continue
                except LuceneQueryError as error:
                    outcome.fail(
                        "engine rejects query: " + _cause(error).split(": ", 2)[-1][:80], case.name
                    )
                    continue
                except Exception as error:
                    outcome.fail("engine: " + _cause(error), case.name)
                    continue
                if count > 0:
                    outcome.fired += 1
                    if case.expected is not None and count != case.expected:
                        outcome.count_differs += 1
                else:
                    outcome.fail("matched none of the rule's events", case.name)
    return {
        "rules": len(cases),
        "left_out_not_sysmon": len(every)
        - len([c for c in every if all_channels or _is_sysmon_rule(c.rule)]),
        "seconds": round(time.perf_counter() - started, 1),
        "targets": {
            target: {
                side: {
                    "fired": o.fired,
                    "count_differs": o.count_differs,
                    "causes": dict(o.causes.most_common()),
                    "examples": o.examples,
                }
                for side, o in sides.items()
            }
            for target, sides in outcomes.items()
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--shared", type=Path, default=SHARED, help=f"the shared data folder (default: {SHARED})"
    )
    parser.add_argument("--limit", type=int)
    parser.add_argument(
        "--all-channels",
        action="store_true",
        help="also the rules on other channels (Security, TaskScheduler, WMI-Activity, ...)",
    )
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    for target in EXECUTABLE:
        if reason := unavailable(target):
            print(f"{target}: {reason}", file=sys.stderr)
            return 2
    report = run(args.shared, args.limit, args.all_channels)
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    kind = "Windows" if args.all_channels else "Sysmon"
    print(
        f"{report['rules']} {kind} regression rules ({report['left_out_not_sysmon']} left out: "
        f"not a Sysmon log source), {report['seconds']} s"
    )
    for target, sides in report["targets"].items():
        for side in ("project", "stock"):
            data = sides[side]
            print(
                f"{target:7} {side:8} fires on {data['fired']}/{report['rules']}"
                f" (count differs from match_count on {data['count_differs']})"
            )
            for cause, count in data["causes"].items():
                print(f"{'':17}{count:4}  {cause}  (e.g. {data['examples'][cause]})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
