"""The exceptions this package raises: one base class, one subclass per kind of failure.

Each carries its parts as attributes (``source``, ``line``, ``target``, ``reason``); ``str()``
is the one-line message the command line prints. No code reads an error by splitting it.
"""

from __future__ import annotations

from pathlib import Path


class CertutilError(Exception):
    """Base class. ``str(error)`` is the one-line message the command line prints."""


class InputError(CertutilError):
    """An input file could not be read or is not what it must be (exit code 2)."""

    what = "<input>"

    def __init__(self, message: str, source: str | Path | None = None, line: int | None = None):
        self.message = message
        self.source = str(source) if source is not None else None
        self.line = line
        where = self.source or self.what
        if line is not None:
            where = f"{where}:{line}"
        super().__init__(f"{where}: {message}")

    def __reduce__(self) -> tuple[type[InputError], tuple[str, str | None, int | None]]:
        # Raised in build workers and sent back to the main process.
        return (type(self), (self.message, self.source, self.line))


class RuleError(InputError):
    """A rule could not be read: missing file, malformed YAML, not a valid Sigma rule."""

    what = "<rule>"


class NotARuleError(RuleError):
    """A YAML file that is not a Sigma detection rule at all (empty, not a mapping, none of
    title, logsource and detection, or a correlation rule or filter): a folder's build and
    lint skip it (with ``--strict`` it is an error)."""


class PipelineError(InputError):
    """A user's pipeline file could not be read or is not a valid pySigma pipeline."""

    what = "<pipeline>"


class EventsError(InputError):
    """An events file for ``verify`` could not be read or holds no usable events."""

    what = "<events>"


class RuleTestError(InputError):
    """A rule's test (SigmaHQ's ``info.yml``, or the events files beside the rule) could not
    be read or does not say what must match."""

    what = "<test>"


class ManifestError(InputError):
    """A build's manifest is missing, unreadable or not one this package writes."""

    what = "<manifest>"


class CorpusError(InputError):
    """A corpus folder for the rule card could not be read."""

    what = "<corpus>"


class TargetError(CertutilError):
    """An unknown target id, or a target a format does not take."""


class UsageError(CertutilError):
    """Options that do not go together (exit code 2)."""


class ConversionError(CertutilError):
    """A valid rule that a target cannot express (unsupported log source, field or modifier)."""

    def __init__(self, source: str, target: str, reason: str) -> None:
        self.source = source
        self.target = target
        self.reason = reason
        super().__init__(f"{source}: {target}: {reason}")

    def __reduce__(self) -> tuple[type[ConversionError], tuple[str, str, str]]:
        # Raised in build workers and sent back to the main process.
        return (type(self), (self.source, self.target, self.reason))


class DeployError(CertutilError):
    """Converted rules that a deployable format cannot hold (a stanza name taken twice, a
    field over the product's limit)."""

    def __init__(self, source: str, format_id: str, reason: str) -> None:
        self.source = source
        self.format = format_id
        self.reason = reason
        super().__init__(f"{source}: {format_id}: {reason}")

    def __reduce__(self) -> tuple[type[DeployError], tuple[str, str, str]]:
        return (type(self), (self.source, self.format, self.reason))


class OutputError(CertutilError):
    """An output file could not be written."""


class PySigmaInternalsError(CertutilError):
    """The installed pySigma lacks, or has changed, an internal that the shared-step converter
    (sigma_certutil.conversion.shared) relies on: ``internal`` names it, ``problem`` says what
    is wrong, ``version`` is the installed pySigma's."""

    def __init__(self, internal: str, problem: str, version: str) -> None:
        self.internal = internal
        self.problem = problem
        self.version = version
        super().__init__(
            f"pySigma {version}: {internal} {problem}; sigma_certutil.conversion.shared relies"
            " on it (install a pySigma release that pyproject.toml admits)"
        )

    def __reduce__(self) -> tuple[type[PySigmaInternalsError], tuple[str, str, str]]:
        # Raised in build workers and sent back to the main process.
        return (type(self), (self.internal, self.problem, self.version))


class MissingDependencyError(CertutilError):
    """Software a command needs is not installed (exit code 2): ``missing`` names it,
    ``needed_by`` says what needs it, ``install`` how to install it."""

    def __init__(self, missing: str, needed_by: str, install: str) -> None:
        self.missing = missing
        self.needed_by = needed_by
        self.install = install
        super().__init__(f"{missing} is not installed; {needed_by} needs it: {install}")

    def __reduce__(self) -> tuple[type[MissingDependencyError], tuple[str, str, str]]:
        return (type(self), (self.missing, self.needed_by, self.install))
