"""limits.py: the defaults the README states, and the ``--limits`` text that raises them."""

from __future__ import annotations

import pytest

from sigma_certutil.limits import DEFAULT_LIMITS, Limits, parse_limits, size_text


def test_the_defaults() -> None:
    expected = Limits(
        rule_bytes=1 << 20,
        yaml_depth=100,
        alias_nodes=10_000,
        condition_bytes=64 << 10,
        condition_depth=64,
    )
    assert expected == DEFAULT_LIMITS


def test_a_spec_sets_only_the_limits_it_names() -> None:
    limits = parse_limits("rule_bytes=4MiB, condition_depth=128")
    assert limits == Limits(rule_bytes=4 << 20, condition_depth=128)
    assert parse_limits("condition_bytes=100k,yaml_depth=200").condition_bytes == 100_000
    assert parse_limits("rule_bytes=2 GiB").rule_bytes == 2 << 30
    assert parse_limits("") == DEFAULT_LIMITS


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("depth=5", "unknown limit 'depth' (known: rule_bytes, yaml_depth, alias_nodes, "
         "condition_bytes, condition_depth)"),
        ("rule_bytes", "limit rule_bytes: '' is not a number (such as 128 or 4MiB)"),
        ("rule_bytes=4TB", "limit rule_bytes: '4TB' is not a number (such as 128 or 4MiB)"),
        ("yaml_depth=-1", "limit yaml_depth: '-1' is not a number (such as 128 or 4MiB)"),
        ("yaml_depth=0", "limit yaml_depth must be a positive integer, not 0"),
    ],
)  # fmt: skip
def test_a_bad_spec_says_what_is_wrong(spec: str, message: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_limits(spec)
    assert str(caught.value) == message


def test_sizes_as_the_messages_write_them() -> None:
    assert [size_text(n) for n in (1 << 20, 64 << 10, 1500, 3 << 20)] == [
        "1 MiB", "64 KiB", "1500 bytes", "3 MiB",
    ]  # fmt: skip
