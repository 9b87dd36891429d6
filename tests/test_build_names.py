"""Output names: stable while a rule file stays where it is, whatever other rule files are
added or removed; never a name Windows reserves, never starting with '-'; two names that
differ only in case are two names taken."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import pytest
from helpers import BUNDLED_RULE, TEST_RULES

from sigma_certutil.build import build, safe_stem
from sigma_certutil.build.layout import stems

SMB_RULE = TEST_RULES / "net_connection_inbound_smb_to_user_binary.yml"


def _hex(path: Path) -> str:
    return hashlib.sha256(str(path).encode()).hexdigest()[:8]


def _names(out: Path, target: str = "eql") -> list[str]:
    return sorted(p.name for p in (out / target).iterdir())


def test_adding_a_rule_of_the_same_name_renames_nothing(tmp_path: Path) -> None:
    rules, out = tmp_path / "rules", tmp_path / "out"
    (rules / "a").mkdir(parents=True)
    (rules / "b").mkdir()
    shutil.copy(BUNDLED_RULE, rules / "b" / "x.yml")
    build([rules], out, ["eql"], workers=1)
    query = (out / "eql" / "x.eql").read_bytes()
    shutil.copy(SMB_RULE, rules / "a" / "x.yml")  # sorts first
    added = build([rules], out, ["eql"], workers=1)
    suffixed = f"x-{_hex(rules / 'a' / 'x.yml')}.eql"
    assert _names(out) == sorted(["x.eql", suffixed])
    assert (out / "eql" / "x.eql").read_bytes() == query
    assert sorted(added.written) == [f"eql/{suffixed}", "manifest.json"]
    (rules / "b" / "x.yml").unlink()
    removed = build([rules], out, ["eql"], workers=1)
    assert _names(out) == [suffixed]  # its name stays too
    assert removed.removed == ["eql/x.eql"]
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert [o["path"] for o in manifest["outputs"]] == [f"eql/{suffixed}"]


def test_a_fresh_build_names_as_before(tmp_path: Path) -> None:
    """Without a manifest, the first of two files of one name (in sorted order) has it plain,
    as every build did before names were kept."""
    files = ["rules/a/x.yml", "rules/b/x.yml", "rules/c/y.yml"]
    assert stems(files) == {
        "rules/a/x.yml": "x",
        "rules/b/x.yml": f"x-{_hex(Path('rules/b/x.yml'))}",
        "rules/c/y.yml": "y",
    }


def test_names_the_last_build_gave_are_kept_only_when_this_scheme_gives_them() -> None:
    files = ["a/x.yml", "b/x.yml", "c/y.yml"]
    kept = stems(files, {"b/x.yml": "x"})
    assert kept["b/x.yml"] == "x" and kept["a/x.yml"] == f"x-{_hex(Path('a/x.yml'))}"
    # A manifest naming a file otherwise (edited by hand, or another file's name) is ignored.
    assert stems(files, {"c/y.yml": "../y", "a/x.yml": "y"}) == stems(files)


def test_names_differing_only_in_case_are_one_name() -> None:
    found = stems(sorted(["a/X.yml", "b/x.yml", "c/Readme.yml", "c/README.yml"]))
    assert len({name.lower() for name in found.values()}) == 4
    assert found["a/X.yml"] == "X" and found["c/README.yml"] == "README"


@pytest.mark.parametrize(
    ("name", "stem"),
    [
        ("CON.yml", "_CON"),
        ("nul.yml", "_nul"),
        ("com1.yml", "_com1"),
        ("Lpt9.yml", "_Lpt9"),
        ("aux.tar.yml", "_aux.tar"),
        ("prn.yaml", "_prn"),
        ("-rf.yml", "_-rf"),
        ("--help.yml", "_--help"),
        ("..-x.yml", "_-x"),
        ("com10.yml", "com10"),
        ("console.yml", "console"),
        ("lpt0.yml", "lpt0"),
        ("a-.yml", "a-"),
    ],
)
def test_windows_reserved_names_and_a_leading_dash_get_an_underscore(name: str, stem: str) -> None:
    assert safe_stem(Path("rules") / name) == stem


def test_a_reserved_name_is_built_under_its_safe_name(tmp_path: Path) -> None:
    rules, out = tmp_path / "rules", tmp_path / "out"
    rules.mkdir()
    shutil.copy(BUNDLED_RULE, rules / "CON.yml")
    shutil.copy(SMB_RULE, rules / "-n.yml")
    build([rules], out, ["eql"], workers=1)
    assert _names(out) == ["_-n.eql", "_CON.eql"]
