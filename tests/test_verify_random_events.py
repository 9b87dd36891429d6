"""verify over event files of random JSON shapes: the command line never exits 3 (an internal
error), the API raises nothing but CertutilError subclasses, and no engine fails on what the
events hold. The eql and kusto engines only, to stay fast."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path
from typing import Any

import pytest
from helpers import cli, require_engine
from hypothesis import given, settings
from hypothesis import strategies as st

from sigma_certutil import CertutilError, load_bundled_rule
from sigma_certutil.verify import Verdict, load_events, verify
from sigma_certutil.verify.engines import unavailable

TARGETS = ["eql", "kusto"]
# An event the bundled rule matches, which the random fields then change.
CERTUTIL = {
    "Image": r"C:\Windows\System32\certutil.exe",
    "Initiated": "true",
    "DestinationPort": 80,
}
FIELDS = [
    *CERTUTIL, "SourcePort", "ProcessId", "DestinationIp", "SourceIp", "Protocol", "User",
    "DestinationHostname", "CommandLine", "Hashes", "EventID", "eventid", "a.b", "", "#text",
]  # fmt: skip

text = st.text(st.characters(exclude_categories=()), max_size=12)  # lone surrogates too
scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and the infinities too
    text,
    st.sampled_from(["true", "TRUE", "80", "0x50", "-", r"C:\x\certutil.exe", "tcp"]),
)
values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
    max_leaves=6,
)
names = st.one_of(st.sampled_from(FIELDS), text)
fields = st.dictionaries(names, values, max_size=6)


def _mostly(draw: st.DrawFn, usual: st.SearchStrategy[Any], odd: st.SearchStrategy[Any]) -> Any:
    """Nine times in ten what is usual, else what is odd: files of valid events are the many."""
    return draw(odd if draw(st.integers(0, 9)) == 5 else usual)


@st.composite
def event_ids(draw: st.DrawFn) -> Any:
    return _mostly(draw, st.sampled_from([3, "3", 1, 22, {"#text": "3"}]), values)


@st.composite
def flat_events(draw: st.DrawFn) -> dict[str, Any]:
    event: dict[str, Any] = {**CERTUTIL, **draw(fields), "EventID": draw(event_ids())}
    if draw(st.integers(0, 19)) == 5:
        del event["EventID"]
    return event


@st.composite
def regression_events(draw: st.DrawFn) -> dict[str, Any]:
    system = _mostly(draw, st.builds(lambda eid: {"EventID": eid}, event_ids()), values)
    data = _mostly(draw, st.builds(lambda more: {**CERTUTIL, **more}, fields), values)
    return {"Event": {"System": system, "EventData": data}}


@st.composite
def top_values(draw: st.DrawFn) -> Any:
    return _mostly(draw, st.one_of(flat_events(), regression_events()), values)


@st.composite
def event_files(draw: st.DrawFn) -> bytes:
    """One document, a list, JSON lines or documents back to back; now and then bytes."""
    if draw(st.integers(0, 19)) == 5:
        return draw(st.binary(max_size=40))
    documents = draw(st.lists(top_values(), min_size=1, max_size=4))
    layout = draw(st.sampled_from(["lines", "list", "back to back"]))
    if layout == "list":
        written = json.dumps(documents)
    else:
        separator = "\n" if layout == "lines" else ""
        written = separator.join(json.dumps(document) for document in documents)
    return written.encode("utf-8", "surrogatepass")


@pytest.mark.engine
@settings(max_examples=100, deadline=None, database=None)
@given(content=event_files())
def test_random_event_files(content: bytes) -> None:
    for target in TARGETS:
        require_engine(unavailable(target))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "events.json"
        path.write_bytes(content)
        result = cli("verify", "--events", str(path), "-t", ",".join(TARGETS))
        assert result.code in (0, 1, 2), result.stderr
        errors = [line for line in result.stderr.splitlines() if " error: " in line]
        assert len(errors) == (result.code == 2), result.stderr
        try:
            report = verify([load_bundled_rule()], load_events(path), TARGETS)
        except CertutilError as error:
            assert result.code == 2
            assert errors == [f"sigma-certutil: error: {error}"]
            return
    [checked] = report
    assert [r.target for r in checked.results] == TARGETS
    failed = [r for r in checked.results if r.status is Verdict.ENGINE_ERROR]
    assert not failed, failed
    # A disagreement is a verdict, not a failure: Defender XDR takes a connection without
    # Initiated as outbound, for one.
    assert result.code == (1 if checked.disagrees else 0), result.stdout
