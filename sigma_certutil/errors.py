"""The exceptions this package raises: one base class, one subclass per kind of failure."""

from __future__ import annotations

from pathlib import Path


class CertutilError(Exception):
    """Base class. ``str(error)`` is the one-line message the command line prints."""


class RuleError(CertutilError):
    """A rule could not be read: missing file, malformed YAML, not a valid Sigma rule."""

    def __init__(self, message: str, source: str | Path | None = None, line: int | None = None):
        self.message = message
        self.source = str(source) if source is not None else None
        self.line = line
        where = self.source or "<rule>"
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")


class TargetError(CertutilError):
    """An unknown target id."""


class ConversionError(CertutilError):
    """A valid rule that a target cannot express (unsupported log source, field or modifier)."""


class OutputError(CertutilError):
    """An output file could not be written."""
