"""The wheel carries the pipelines and the bundled rule, and works from them alone."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

from helpers import ROOT


def test_wheel_contains_pipelines_rule_and_types(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(tmp_path),
         str(ROOT)],
        check=True, capture_output=True,
    )  # fmt: skip
    [wheel] = tmp_path.glob("sigma_certutil-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    pipelines = {p.name for p in (ROOT / "pipelines").glob("*.yml")}
    assert {f"sigma_certutil/pipelines/{name}" for name in pipelines} <= names
    assert "sigma_certutil/rules/net_connection_win_certutil_initiated_connection.yml" in names
    assert "sigma_certutil/py.typed" in names
    assert "sigma_certutil/data/sysmon_events.yml" in names
    assert "sigma_certutil/data/windows_events.yml" in names
    assert "sigma_certutil/verify/engines/LuceneQueryCheck.java" in names
    assert "sigma_certutil/verify/shapes/ecs_fields.yml" in names
    # Every module of the package (an ignore pattern such as "build/" once left one out).
    modules = {
        path.relative_to(ROOT).as_posix() for path in (ROOT / "sigma_certutil").rglob("*.py")
    }
    assert modules <= names, sorted(modules - names)

    # Installed from the wheel alone (no source tree on the path), the bundled rule converts.
    target = tmp_path / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(target)
    result = subprocess.run(
        [sys.executable, "-c", "import sigma_certutil as s; print(s.__file__); "
         "print(s.convert(s.load_bundled_rule(), 'eql'))"],
        capture_output=True, text=True, check=True, cwd=tmp_path, env={"PYTHONPATH": str(target)},
    )  # fmt: skip
    module_file, query = result.stdout.split("\n", 1)
    assert Path(module_file).is_relative_to(target)
    assert query.startswith("network where ")
