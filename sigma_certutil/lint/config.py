"""The lint config file: which checks run, and which rules each check leaves alone.

```yaml
# .sigma-certutil-lint.yml, at the repository root (or --config FILE)
disable: [escaped_wildcard]            # checks that do not run
enable: [wildcards_instead_of_modifiers]  # checks that are off by default
exempt:                                 # per check: rule ids or path globs it skips
  field_name:
    - 5f4e3b1c-8a6d-4c1e-9f0a-2b7d6e8c9a10
    - rules/legacy/**
```

Globs are matched (``fnmatch``: ``*`` also crosses ``/``) against the rule's path relative
to the config file's folder, and against the path as given.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path, PurePosixPath
from typing import Any

from sigma_certutil.errors import InputError
from sigma_certutil.files import read_input
from sigma_certutil.lint.catalog import CHECKS
from sigma_certutil.strict_yaml import YamlProblem, key_lines, load_documents

CONFIG_NAME = ".sigma-certutil-lint.yml"
_CONFIG_BYTES = 1 << 20
_KEYS = ("disable", "enable", "exempt")


class LintConfigError(InputError):
    """A lint config file that cannot be read or says something that is not a check."""

    what = "<lint config>"


@dataclass(frozen=True)
class LintConfig:
    enabled: frozenset[str] = frozenset(c.id for c in CHECKS.values() if c.default)
    exempt: dict[str, tuple[str, ...]] = field(default_factory=dict)
    root: Path = Path()  # the folder exempt globs are relative to
    source: str | None = None

    def applies(self, check: str, path: str, rule_id: str | None) -> bool:
        """Whether ``check`` runs on the rule at ``path`` (whose id is ``rule_id``)."""
        if check not in self.enabled:
            return False
        patterns = self.exempt.get(check, ())
        if not patterns:
            return True
        names = {PurePosixPath(Path(path)).as_posix(), _relative(path, self.root)}
        for pattern in patterns:
            if rule_id is not None and pattern.lower() == rule_id.lower():
                return False
            if any(fnmatchcase(name, pattern) for name in names if name):
                return False
        return True


def _relative(path: str, root: Path) -> str:
    try:
        return Path(os.path.relpath(Path(path).resolve(), root.resolve())).as_posix()
    except ValueError:  # another drive
        return ""


def find_config(start: Path) -> Path | None:
    """``.sigma-certutil-lint.yml`` in ``start`` or the nearest folder above it, looking no
    higher than the folder that holds ``.git``."""
    folder = start.resolve()
    for candidate in (folder, *folder.parents):
        path = candidate / CONFIG_NAME
        if path.is_file():
            return path
        if (candidate / ".git").exists():
            return None
    return None


def load_config(path: Path) -> LintConfig:
    raw = read_input(path, LintConfigError, _CONFIG_BYTES, "config_bytes")
    try:
        text = raw.decode("utf-8")
        documents = load_documents(text)
    except UnicodeDecodeError as error:
        raise LintConfigError("not a text file (invalid UTF-8)", path) from error
    except YamlProblem as error:
        raise LintConfigError(error.problem, path, error.line) from error
    except Exception as error:  # yaml.YAMLError
        raise LintConfigError(f"malformed YAML: {error}".splitlines()[0], path) from error
    if not documents:
        return LintConfig(root=path.parent, source=str(path))
    document, lines = documents[0].value, key_lines(documents[0].node)
    if not isinstance(document, dict):
        raise LintConfigError(f"expected a mapping with {', '.join(_KEYS)}", path, 1)
    for key in document:
        if key not in _KEYS:
            message = f"unknown key '{key}' (expected {', '.join(_KEYS)})"
            raise LintConfigError(message, path, lines.get((key,)))
    enabled = {c.id for c in CHECKS.values() if c.default}
    enabled |= set(_checks(document, "enable", path, lines))
    enabled -= set(_checks(document, "disable", path, lines))
    exempt = document.get("exempt") or {}
    if not isinstance(exempt, dict):
        raise LintConfigError("'exempt' must map check ids to lists", path, lines.get(("exempt",)))
    patterns: dict[str, tuple[str, ...]] = {}
    for check, listed in exempt.items():
        line = lines.get(("exempt", str(check)))
        _known(str(check), path, line)
        if not isinstance(listed, list) or not all(isinstance(item, str) for item in listed):
            message = f"exempt.{check} must be a list of rule ids or path globs"
            raise LintConfigError(message, path, line)
        patterns[str(check)] = tuple(listed)
    return LintConfig(frozenset(enabled), patterns, path.parent, str(path))


def _checks(document: dict[str, Any], key: str, path: Path, lines: dict[Any, int]) -> list[str]:
    value = document.get(key) or []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise LintConfigError(f"'{key}' must be a list of check ids", path, lines.get((key,)))
    for index, item in enumerate(value):
        _known(item, path, lines.get((key, index)))
    return value


def _known(check: str, path: Path, line: int | None) -> None:
    if check not in CHECKS:
        raise LintConfigError(
            f"unknown check '{check}' (sigma-certutil lint --list-checks names them)", path, line
        )
