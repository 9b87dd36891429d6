"""Microsoft's Kusto analyzer for the tests; running KQL is sigma_certutil.verify.engines.kusto's.

``analyze_kql`` type-checks KQL with Kusto.Language (the analyzer behind Kusto Explorer and the
Defender portal), through ``kusto_analyze.js`` in one ``node`` process. It is not a Python
dependency: call ``require_engine(kusto_analyzer_unavailable())`` first (helpers), which
skips the test (or fails it under CI=true).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from sigma_certutil.verify.engines.kusto import (
    KqlRunError,
    duckdb_kql_unavailable,
    run_kql,
    xdr_table_columns,
)

__all__ = [
    "KqlRunError",
    "analyze_kql",
    "duckdb_kql_unavailable",
    "kusto_analyzer_unavailable",
    "run_kql",
    "xdr_table_columns",
]

ENGINES_DIR = Path(__file__).resolve().parent
ANALYZER_SCRIPT = ENGINES_DIR / "kusto_analyze.js"
ANALYZER_PACKAGE = ENGINES_DIR / "node_modules" / "@kusto" / "language-service-next"


def kusto_analyzer_unavailable() -> str | None:
    """Why ``analyze_kql`` cannot run here, or None when it can."""
    if shutil.which("node") is None:
        return "node is not on PATH (needed for the Kusto.Language analyzer)"
    if not (ANALYZER_PACKAGE / "package.json").is_file():
        return "@kusto/language-service-next is not installed: run npm ci --prefix tests/engines"
    return None


def analyze_kql(
    queries: list[str], tables: dict[str, dict[str, str]]
) -> list[list[dict[str, object]]]:
    """Kusto.Language diagnostics for each query, against a database of ``tables``.

    ``tables`` maps table name -> column name -> Kusto type. Each diagnostic is a dict with
    code (e.g. "KS107"), severity, message, start and length (offsets into the query).
    """
    payload = json.dumps({"tables": tables, "queries": queries})
    done = subprocess.run(
        ["node", str(ANALYZER_SCRIPT)],
        input=payload,
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"kusto_analyze.js exited {done.returncode}: {done.stderr.strip()}")
    result: list[list[dict[str, object]]] = json.loads(done.stdout)
    if len(result) != len(queries):
        raise RuntimeError(f"kusto_analyze.js answered {len(result)} of {len(queries)} queries")
    return result
