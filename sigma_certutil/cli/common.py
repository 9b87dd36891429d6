"""What every command shares: exit codes, target and rule arguments, error lines."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from sigma_certutil.errors import (
    CertutilError,
    InputError,
    NotARuleError,
    RuleError,
    UsageError,
)
from sigma_certutil.limits import DEFAULT_LIMITS, Limits
from sigma_certutil.targets import TARGETS, get_target

if TYPE_CHECKING:
    from sigma.rule import SigmaRule


# Commands import what they use (pySigma above all) when they run: `build` with nothing to
# convert, `targets` and `--help` start without it.

EXIT_OK = 0
EXIT_CONVERSION = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 3

PROG = "sigma-certutil"
BUNDLED = "bundled"


def chosen_targets(requested: Sequence[str] | None) -> list[str]:
    if not requested:
        return list(TARGETS)
    ids: list[str] = []
    for item in requested:
        parts = [part.strip() for part in item.split(",")]
        if not all(parts):
            known = ", ".join(TARGETS)
            raise UsageError(f"-t {item!r}: an empty target id (known: {known})")
        for target_id in parts:
            get_target(target_id)
            if target_id not in ids:
                ids.append(target_id)
    return ids


class FileDefect(Exception):
    """An unexpected error (a defect: exit 3) while one input file was read; names the file."""

    def __init__(self, source: str, error: BaseException) -> None:
        self.source = source
        self.error = error
        super().__init__(f"{source}: internal error: {type(error).__name__}: {error}")


def load_rules(
    paths: Sequence[str], errors: list[CertutilError], limits: Limits = DEFAULT_LIMITS
) -> list[tuple[str, SigmaRule]]:
    """Each rule that loads, with its path; the RuleError of each that does not goes into
    ``errors``. Anything else is a FileDefect naming the file."""
    from sigma_certutil.rules import load_bundled_rule, load_rule

    if not paths:
        return [(BUNDLED, load_bundled_rule())]
    rules = []
    found_in_folders = _in_folders(paths)
    for path in _listed(paths):
        try:
            rules.append((path, load_rule(path, limits=limits)))
        except NotARuleError as error:
            if path not in found_in_folders:
                errors.append(error)
            else:  # a folder's YAML file that is no rule (a config, a list) is not one to convert
                sys.stderr.write(f"{PROG}: note: {path}: skipped: {error.message}\n")
        except RuleError as error:
            errors.append(error)
        except Exception as error:
            raise FileDefect(path, error) from error
    return rules


def exit_code(errors: Sequence[CertutilError]) -> int:
    if any(isinstance(error, InputError) for error in errors):
        return EXIT_USAGE
    return EXIT_CONVERSION if errors else EXIT_OK


def print_error(error: BaseException | str) -> None:
    message = " ".join(str(error).split())
    sys.stderr.write(f"{PROG}: error: {message}\n")


def _listed(paths: Sequence[str]) -> list[str]:
    """The files as given, and in place of each folder its rule files (recursively, hidden
    folders left out), in order, each once."""
    from sigma_certutil.build.layout import rule_files

    listed: list[str] = []
    for path in paths:
        listed.extend(rule_files([path]) if os.path.isdir(path) else [path])
    return list(dict.fromkeys(listed))


def _in_folders(paths: Sequence[str]) -> set[str]:
    from sigma_certutil.build.layout import rule_files

    folders = [path for path in paths if os.path.isdir(path)]
    return set(rule_files(folders)) if folders else set()
