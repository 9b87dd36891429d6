"""Sigma rules to correct Splunk, Elastic and Microsoft Defender XDR queries."""

from sigma_certutil.convert import convert, convert_all
from sigma_certutil.errors import (
    CertutilError,
    ConversionError,
    OutputError,
    RuleError,
    TargetError,
)
from sigma_certutil.explain import RuleCard, explain
from sigma_certutil.rules import load_bundled_rule, load_rule
from sigma_certutil.targets import TARGETS, Target

__all__ = [
    "TARGETS",
    "CertutilError",
    "ConversionError",
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
]
