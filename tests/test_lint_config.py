"""lint/config.py: the config file, its errors (one line naming the file and line), and
which rules a check applies to."""

from __future__ import annotations

from pathlib import Path

import pytest

from sigma_certutil.lint.config import LintConfig, LintConfigError, find_config, load_config


def _load(tmp_path: Path, text: str) -> LintConfig:
    path = tmp_path / ".sigma-certutil-lint.yml"
    path.write_text(text, encoding="utf-8")
    return load_config(path)


def test_enable_disable_and_exempt(tmp_path: Path) -> None:
    config = _load(
        tmp_path,
        "enable: [number_as_string]\ndisable: [escaped_wildcard]\n"
        "exempt:\n  field_name: [rules/legacy/**, 0F5A1B2C-3D4E-4F60-8A9B-0C1D2E3F4A5B]\n",
    )
    assert "number_as_string" in config.enabled and "escaped_wildcard" not in config.enabled
    legacy = str(tmp_path / "rules" / "legacy" / "deep" / "r.yml")
    new = str(tmp_path / "rules" / "r.yml")
    assert not config.applies("field_name", legacy, None)
    assert config.applies("field_name", new, None)
    assert not config.applies("field_name", new, "0f5a1b2c-3d4e-4f60-8a9b-0c1d2e3f4a5b")
    assert config.applies("status_value", legacy, None)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("disable: [nope]\n",
         "x:1: unknown check 'nope' (sigma-certutil lint --list-checks names them)"),
        ("ignore: []\n", "x:1: unknown key 'ignore' (expected disable, enable, exempt)"),
        ("disable: field_name\n", "x:1: 'disable' must be a list of check ids"),
        ("exempt:\n  field_name: rules/**\n",
         "x:2: exempt.field_name must be a list of rule ids or path globs"),
        ("exempt: [field_name]\n", "x:1: 'exempt' must map check ids to lists"),
        ("- a\n", "x:1: expected a mapping with disable, enable, exempt"),
        ("disable: [a\n", "x: malformed YAML:"),
    ],
)  # fmt: skip
def test_bad_configs_name_file_and_line(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(LintConfigError) as raised:
        _load(tmp_path, text)
    path = tmp_path / ".sigma-certutil-lint.yml"
    assert str(raised.value).startswith(message.replace("x", str(path), 1))


def test_an_empty_config_keeps_the_defaults(tmp_path: Path) -> None:
    assert _load(tmp_path, "").enabled == LintConfig().enabled


def test_found_up_to_the_repository_root(tmp_path: Path) -> None:
    (tmp_path / "repo" / ".git").mkdir(parents=True)
    (tmp_path / "repo" / "rules" / "a").mkdir(parents=True)
    assert find_config(tmp_path / "repo" / "rules" / "a") is None
    (tmp_path / ".sigma-certutil-lint.yml").write_text("", encoding="utf-8")  # above the root
    assert find_config(tmp_path / "repo" / "rules" / "a") is None
    config = tmp_path / "repo" / ".sigma-certutil-lint.yml"
    config.write_text("", encoding="utf-8")
    assert find_config(tmp_path / "repo" / "rules" / "a") == config
