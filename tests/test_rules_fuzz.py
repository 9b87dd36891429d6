"""Mutated golden rules (flipped bytes, lines deleted or repeated, values swapped for other
types, YAML tags, aliases, deep nesting): only CertutilError subclasses leave load_rule and
convert_all, and ``convert`` never exits 3. Bounded for CI: a fixed number of examples, each
with a deadline."""

from __future__ import annotations

import contextlib
import tempfile
from pathlib import Path

from helpers import cli, golden_rules
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigma_certutil import CertutilError, convert_all, load_rule
from sigma_certutil.targets import TARGETS

RULES = [path.read_bytes() for path in golden_rules()]
VALUES = [
    "true", "~", "1.5", "-7", "0x1Z", "[]", "{}", "[a, [b, [c]]]", "{a: {b: c}}", "''", "'x'",
    "2024-13-45", "!!float x", "!!int 0x1Z", "!!timestamp x", "!!bool maybe", "!!binary x",
    "!!set {a}", "!!omap [a]", "!!python/object:os.system x", "!foo x", "&a [x, x]", "*a",
    "&s [*s]", "|\n  block", ">-\n  folded", "{", "[", "'", "\"\\x\"", "\t", "\x00", "@x",
    "selection and", "not (", "1 of them", "all of selection*", "(((selection)))",
]  # fmt: skip
FLIPS = [*b":-[]{}&*!|>'\"#\n \t%@`?,()\xff\xc30a"]
TAGS = ["!!str ", "!!int ", "!!float ", "!!map ", "!!seq ", "!!null ", "!!merge ", "! ", "!x "]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """One golden rule with one to three mutations."""
    text = draw(st.sampled_from(RULES))
    for _ in range(draw(st.integers(1, 3))):
        lines = text.split(b"\n")
        at = draw(st.integers(0, len(lines) - 1))
        kind = draw(st.sampled_from(["flip", "delete", "repeat", "value", "tag", "deep", "not"]))
        if kind == "flip" and text:
            offset = draw(st.integers(0, len(text) - 1))
            byte = draw(st.sampled_from(FLIPS) | st.integers(0, 255))
            text = text[:offset] + bytes([byte]) + text[offset + 1 :]
            continue
        line = lines[at]
        key, colon, value = line.partition(b":")
        if kind == "delete":
            lines[at : at + 1] = []
        elif kind == "repeat":
            lines[at:at] = [line] * draw(st.integers(1, 3))
        elif kind in ("value", "tag", "deep") and colon:
            if kind == "value":
                new = draw(st.sampled_from(VALUES))
            elif kind == "tag":
                new = draw(st.sampled_from(TAGS)) + value.strip().decode("utf-8", "replace")
            else:
                depth = draw(st.integers(1, 120) | st.integers(120, 5000))
                opener, closer = draw(st.sampled_from([("[", "]"), ("{a: ", "}")]))
                new = opener * depth + "x" + closer * depth
            lines[at] = key + b": " + new.encode("utf-8")
        elif kind == "not":
            depth = draw(st.integers(1, 40) | st.integers(40, 300))
            lines[at] = line.replace(b"condition: ", b"condition: " + b"not (" * depth, 1)
            lines[at] += b")" * draw(st.sampled_from([depth, 0, depth + 1]))
        text = b"\n".join(lines)
    return text


FUZZ = settings(
    max_examples=200,
    deadline=5000,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    database=None,
)


def _file(folder: str, data: bytes) -> Path:
    path = Path(folder) / "mutated.yml"
    path.write_bytes(data)
    return path


@FUZZ
@given(mutated())
def test_only_certutil_errors_leave_load_rule_and_convert_all(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = _file(folder, data)
        try:
            rule = load_rule(path)
        except CertutilError:
            return
        with contextlib.suppress(CertutilError):
            convert_all(rule)


@settings(FUZZ, max_examples=100)
@given(mutated(), st.sampled_from(list(TARGETS)))
def test_convert_never_exits_3(data: bytes, target: str) -> None:
    with tempfile.TemporaryDirectory() as folder:
        result = cli("convert", "-t", target, str(_file(folder, data)))
    assert result.code in (0, 1, 2), result.stderr
    assert result.stderr.count("\n") <= 1
