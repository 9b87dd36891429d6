"""The versions a build records in its manifest: this package, pySigma, the backends and the
pipelines. A build whose versions differ from its manifest's converts every rule again."""

from __future__ import annotations

import hashlib
import os
import re
import sys
from collections.abc import Sequence
from pathlib import Path

from sigma_certutil.processing.registry import pipeline_dir, pipeline_path
from sigma_certutil.targets import get_target


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "_", name).lower()


def installed_versions(packages: Sequence[str]) -> dict[str, str]:
    """Each package's installed version ("unknown" when it is not installed).

    Read from the ``<name>-<version>.dist-info`` folders on sys.path, which is what
    importlib.metadata reads, without its import cost (50 ms, a third of a rebuild); that is
    the fallback for any other kind of installation."""
    wanted = {_normal(package): package for package in packages}
    found: dict[str, str] = {}
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info"):
                project, _, release = name[: -len(".dist-info")].partition("-")
                package = wanted.get(_normal(project))
                if package is not None and release:
                    found.setdefault(package, release)
    missing = [package for package in packages if package not in found]
    if missing:
        from importlib.metadata import PackageNotFoundError, version

        for package in missing:
            try:
                found[package] = version(package)
            except PackageNotFoundError:
                found[package] = "unknown"
    return {package: found[package] for package in sorted(packages)}


def build_versions(targets: Sequence[str], pipelines: Sequence[str | Path] = ()) -> dict[str, str]:
    """This package's, pySigma's and each target backend's version, a digest of the bundled
    pipelines and one of the user's own."""
    digest = hashlib.sha256()
    folder = pipeline_dir()
    for name in sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".yml")):
        digest.update((folder / name).read_bytes())
    packages = {"sigma-certutil", "pysigma", *(get_target(t).backend.package for t in targets)}
    versions = {**installed_versions(sorted(packages)), "pipelines": digest.hexdigest()[:16]}
    if pipelines:
        own = hashlib.sha256(b"".join(pipeline_path(p).read_bytes() for p in pipelines))
        versions["own_pipelines"] = own.hexdigest()[:16]
    return versions
