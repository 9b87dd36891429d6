"""versions.py: the installed versions a build manifest records."""

from __future__ import annotations


def test_installed_versions_agree_with_importlib_metadata() -> None:
    """The versions a manifest records, read from dist-info names, are the ones importlib
    reports; a package that is not installed is "unknown"."""
    from importlib.metadata import version

    from sigma_certutil.targets import TARGETS
    from sigma_certutil.versions import installed_versions

    backends = {target.backend.package for target in TARGETS.values()}
    packages = ["sigma-certutil", "pySigma", *sorted(backends)]
    found = installed_versions([*packages, "no-such-package-anywhere"])
    assert {p: found[p] for p in packages} == {p: version(p) for p in packages}
    assert found["no-such-package-anywhere"] == "unknown"
