"""OUT/deploy/ (``build --deploy``): the files each target row's ``deploy`` names, made by
sigma_certutil.deploy from the built queries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sigma_certutil.build.manifest import Output
from sigma_certutil.build.records import RuleRecord

if TYPE_CHECKING:
    from sigma.rule import SigmaRule


def deploy_texts(
    out_dir: Path, outputs: Sequence[Output], records: Mapping[str, RuleRecord]
) -> tuple[dict[str, str], list[str]]:
    """Each deploy file's path under OUT and text, and the errors of the rules a format
    cannot hold."""
    from sigma_certutil.deploy import Deployable, deploy_files
    from sigma_certutil.rules import load_rule

    rules: dict[str, SigmaRule] = {}
    items: list[tuple[str, Deployable]] = []
    for output in outputs:
        if output.source not in rules:
            rules[output.source] = load_rule(output.source)
        query = records[output.source].queries[output.target].query
        if query is None:
            query = (out_dir / output.path).read_text(encoding="utf-8")
        item = Deployable(rules[output.source], output.target, query.rstrip("\n"))
        items.append((Path(output.path).stem, item))
    files, errors = deploy_files(items)
    return files, [str(error) for error in errors]
