"""OUT/deploy/ (``build --deploy``): the files each target row's ``deploy`` names, made by
sigma_certutil.deploy from the built queries and what the worker that read each rule sent
back of it (the rule files are not read again here)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

from sigma_certutil.build.manifest import Output
from sigma_certutil.build.records import RuleRecord


def deploy_texts(
    outputs: Sequence[Output], records: Mapping[str, RuleRecord]
) -> tuple[dict[str, str], list[str]]:
    """Each deploy file's path under OUT and text, and the errors of the rules a format
    cannot hold (left out of its file)."""
    from sigma_certutil.deploy import Deployable, deploy_files

    items: list[tuple[str, Deployable]] = []
    errors: list[str] = []
    for output in outputs:
        record = records[output.source]
        query = record.queries[output.target].query
        if record.info is None or query is None:  # every record of a deploy build has both
            errors.append(f"{output.source}: internal error: no rule details for the deploy files")
            continue
        items.append(
            (Path(output.path).stem, Deployable(record.info, output.target, query.rstrip("\n")))
        )
    files, failed = deploy_files(items)
    return files, errors + [str(error) for error in failed]
