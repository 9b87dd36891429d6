"""Run Lucene query strings as Elasticsearch's ``query_string`` does, on typed JSON documents.

``LuceneQueryCheck.java`` (beside this file) is compiled once per process against the Lucene 8
jars of the Debian package ``liblucene8-java``; each :func:`run_lucene` call runs one ``java``
process that indexes the documents in memory and runs every query. Field types follow an
Elasticsearch mapping: ``keyword``, ``long``, ``lowercase_keyword`` (a keyword with a
lowercase normalizer) and ``ip`` (an address; a term is one address or a CIDR range, and
wildcards and regular expressions are refused, as Elasticsearch's ip type does:
https://www.elastic.co/guide/en/elasticsearch/reference/current/ip.html).
"""

from __future__ import annotations

import atexit
import base64
import functools
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sigma_certutil.stores import Store
    from sigma_certutil.verify.events import SysmonEvent

JAVA_SOURCE = Path(__file__).with_name("LuceneQueryCheck.java")
JAR_DIR = Path("/usr/share/java")
# misc holds InetAddressPoint, the ip field type.
JARS = ("core", "queryparser", "analyzers-common", "misc")
FIELD_TYPES = frozenset({"keyword", "long", "lowercase_keyword", "ip"})


class LuceneQueryError(Exception):
    """A query that Lucene could not parse or that failed the field checks."""

    def __init__(self, query: str, message: str) -> None:
        super().__init__(f"{query!r}: {message}")
        self.query = query
        self.message = message


def _lucene_jars() -> list[Path]:
    """The Lucene 8 jars needed, or an empty list when one is missing."""
    jars = []
    for name in JARS:
        found = sorted(JAR_DIR.glob(f"lucene8-{name}.jar")) or sorted(
            JAR_DIR.glob(f"lucene-{name}-8.*.jar")
        )
        if not found:
            return []
        jars.append(found[-1])
    return jars


INSTALL = "a JDK and Debian's liblucene8-java: apt-get install default-jdk-headless liblucene8-java"


def lucene_unavailable() -> str | None:
    """None when the harness can run, otherwise a one-line reason."""
    for tool in ("java", "javac"):
        if shutil.which(tool) is None:
            return f"{tool} is not on PATH (lucene needs {INSTALL})"
    if not _lucene_jars():
        return f"no Lucene 8 jars in {JAR_DIR} (lucene needs {INSTALL})"
    return None


@functools.lru_cache(maxsize=1)
def _classpath() -> str:
    """Compile LuceneQueryCheck into a temporary directory; return the classpath to run it."""
    reason = lucene_unavailable()
    if reason is not None:
        raise RuntimeError(reason)
    jars = os.pathsep.join(str(jar) for jar in _lucene_jars())
    classes = tempfile.mkdtemp(prefix="lucene-query-check-")
    atexit.register(shutil.rmtree, classes, ignore_errors=True)
    javac = ["javac", "-encoding", "UTF-8", "-cp", jars, "-d", classes, str(JAVA_SOURCE)]
    done = subprocess.run(javac, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"javac failed on {JAVA_SOURCE.name}:\n{done.stderr}")
    return os.pathsep.join([classes, jars])


def flatten(doc: Mapping[str, object]) -> dict[str, list[str]]:
    """Dotted field name -> values, as Elasticsearch indexes nested objects and arrays."""
    fields: dict[str, list[str]] = {}

    def add(name: str, value: object) -> None:
        if value is None:  # Elasticsearch does not index null
            return
        if isinstance(value, Mapping):
            for key, inner in value.items():
                add(f"{name}.{key}", inner)
        elif isinstance(value, list | tuple):
            for inner in value:
                add(name, inner)
        elif isinstance(value, bool):
            fields.setdefault(name, []).append("true" if value else "false")
        elif isinstance(value, int | float | str):
            fields.setdefault(name, []).append(str(value))
        else:
            raise TypeError(f"field {name!r}: cannot index a {type(value).__name__}")

    for key, value in doc.items():
        add(key, value)
    return fields


def _b64(text: str) -> str:
    return base64.b64encode(text.encode("utf-8")).decode("ascii")


def _request(
    queries: Sequence[str], docs: Sequence[Mapping[str, object]], field_types: Mapping[str, str]
) -> str:
    lines = []
    for name, kind in field_types.items():
        if kind not in FIELD_TYPES:
            raise ValueError(f"field {name!r}: type {kind!r} is not one of {sorted(FIELD_TYPES)}")
        lines.append(f"FIELD {_b64(name)} {kind}")
    for doc in docs:
        lines.append("DOC")
        for name, values in flatten(doc).items():
            if name not in field_types:
                raise ValueError(f"document field {name!r} is missing from field_types")
            lines.extend(f"VALUE {_b64(name)} {_b64(value)}" for value in values)
    lines.extend(f"QUERY {_b64(query)}" for query in queries)
    return "\n".join(lines) + "\n"


def run_lucene(
    queries: Sequence[str], docs: Sequence[Mapping[str, object]], field_types: Mapping[str, str]
) -> list[set[int]]:
    """For each query, the indices of the documents it matches.

    Documents are nested dicts as Elasticsearch stores them (flattened here to dotted names;
    lists are multi-valued fields); every field they use must be in ``field_types``. Raises
    LuceneQueryError for the first query that does not parse or names an unknown field.
    """
    if not queries:
        return []
    request = _request(queries, docs, field_types)
    command = ["java", "-XX:TieredStopAtLevel=1", "-cp", _classpath(), "LuceneQueryCheck"]
    done = subprocess.run(
        command, input=request, capture_output=True, text=True, encoding="utf-8", check=False
    )
    answers = done.stdout.splitlines()
    if done.returncode != 0 or len(answers) != len(queries):
        raise RuntimeError(f"LuceneQueryCheck failed (exit {done.returncode}): {done.stderr}")
    results = []
    for query, answer in zip(queries, answers, strict=True):
        kind, _, rest = answer.partition(" ")
        if kind == "ERROR":
            raise LuceneQueryError(query, base64.b64decode(rest).decode("utf-8"))
        results.append({int(index) for index in rest.split()})
    return results


def unavailable() -> str | None:
    """None when the engine can run here, otherwise why not."""
    return lucene_unavailable()


def index_types(store: Store, docs: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """The store's field types, and keyword for any other field a document holds
    (Elasticsearch's dynamic mapping of strings)."""
    types = dict(store.types()().items())
    for doc in docs:
        for name in flatten(doc):
            types.setdefault(name, "keyword")
    return types


def run(query: str, events: Sequence[SysmonEvent], store: Store) -> set[int]:
    """Indices of the events the query matches, stored as the store keeps them."""
    shape = store.shape()
    docs = [shape(event) for event in events]
    [hits] = run_lucene([query], docs, index_types(store, docs))
    return hits
