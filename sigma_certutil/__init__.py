"""Sigma rules to correct Splunk, Elastic and Microsoft Defender XDR queries.

The names below load their modules (and pySigma) on first use, so that a command that needs
no conversion, such as a rebuild with nothing changed, starts without them.
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sigma_certutil.conversion import convert, convert_all
    from sigma_certutil.errors import (
        CertutilError,
        ConversionError,
        DeployError,
        InputError,
        OutputError,
        RuleError,
        TargetError,
    )
    from sigma_certutil.limits import Limits
    from sigma_certutil.rule_card import RuleCard, explain
    from sigma_certutil.rules import load_bundled_rule, load_rule, parse_rule
    from sigma_certutil.targets import TARGETS, Target

_MODULES = {
    "convert": "conversion",
    "convert_all": "conversion",
    "CertutilError": "errors",
    "ConversionError": "errors",
    "DeployError": "errors",
    "InputError": "errors",
    "OutputError": "errors",
    "RuleError": "errors",
    "TargetError": "errors",
    "RuleCard": "rule_card",
    "explain": "rule_card",
    "load_bundled_rule": "rules",
    "load_rule": "rules",
    "parse_rule": "rules",
    "Limits": "limits",
    "TARGETS": "targets",
    "Target": "targets",
}

__all__ = [
    "TARGETS",
    "CertutilError",
    "ConversionError",
    "DeployError",
    "InputError",
    "Limits",
    "OutputError",
    "RuleCard",
    "RuleError",
    "Target",
    "TargetError",
    "convert",
    "convert_all",
    "explain",
    "load_bundled_rule",
    "load_rule",
    "parse_rule",
]


def __getattr__(name: str) -> Any:
    module = _MODULES.get(name)
    if module is None:
        raise AttributeError(f"module 'sigma_certutil' has no attribute '{name}'")
    return getattr(import_module(f"sigma_certutil.{module}"), name)


def __dir__() -> list[str]:
    return sorted([*globals(), *__all__])
