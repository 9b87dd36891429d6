"""`build` and `check`: a rule folder to query files and a manifest, and the drift check."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from sigma_certutil.cli.common import EXIT_CONVERSION, EXIT_OK, PROG, chosen_targets, print_error
from sigma_certutil.errors import ConversionError, PipelineError, UsageError
from sigma_certutil.limits import Limits

if TYPE_CHECKING:
    from sigma_certutil.build import BuildResult
    from sigma_certutil.reports import Case
    from sigma_certutil.ruletests.run import Queries


def _run_build(
    sources: Sequence[str],
    out: str,
    targets: Sequence[str] | None,
    pipelines: Sequence[str],
    *,
    allow_unsupported: bool,
    check: bool,
    deploy: bool,
    jobs: int | None,
    quiet: bool,
    limits: Limits,
    exclude: Sequence[str] = (),
    strict: bool = False,
    args: argparse.Namespace,
    test: bool = False,
) -> int:
    from sigma_certutil.build import build, terminal_progress

    if test and check:
        raise UsageError("--test runs the tests of the queries a build writes: not with --check")
    if test:
        from sigma_certutil.verify.reference import reference_unavailable

        missing = reference_unavailable()  # before the build: its tests could not run
        if missing is not None:
            raise missing
    progress = None if quiet or not sys.stderr.isatty() else terminal_progress
    target_ids = chosen_targets(targets)
    result = build(
        sources,
        out,
        target_ids,
        pipelines,
        allow_unsupported=allow_unsupported,
        check=check,
        deploy=deploy,
        workers=jobs,
        progress=progress,
        limits=limits,
        exclude=exclude,
        strict=strict,
    )
    for note in result.not_rules:
        sys.stderr.write(f"{PROG}: note: {note}; skipped\n")
    for diff in result.diffs.values():
        sys.stdout.write(diff)
    for error in result.errors:
        print_error(error)
    if not quiet:
        sys.stderr.write(
            f"{result.query_count} queries: {len(result.written)} written, "
            f"{result.unchanged} unchanged, {len(result.removed)} removed, "
            f"{len(result.skipped)} skipped, {len(result.errors)} errors"
            + (f", {len(result.not_rules)} files not rules" if result.not_rules else "")
            + (f", {len(result.diffs)} differ" if check else "")
            + "\n"
        )
    code = EXIT_CONVERSION if result.failed or result.diffs else EXIT_OK
    if not (test or args.junit or args.sarif or args.format != "text"):
        return code  # a plain build lists no rule file again
    from sigma_certutil.build import rule_files
    from sigma_certutil.build.cases import build_cases
    from sigma_certutil.cli.reports import emit_reports

    command = "check" if check else "build"
    cases: list[Case] = build_cases(command, result, rule_files(sources, exclude), check=check)
    if test:
        from sigma_certutil.cli.test import rule_test_outcome, write_run
        from sigma_certutil.ruletests import run_rule_tests

        built = _built_queries(out, result, target_ids)
        run = run_rule_tests(
            list(built),
            target_ids,
            allow_unsupported=allow_unsupported,
            require_tests=args.require_tests,
            limits=limits,
            built=built.get,
        )
        write_run(run, quiet=quiet)
        cases.extend(run.cases)
        code = max(code, rule_test_outcome(run))
    emit_reports(args, command, cases)
    return code


def _built_queries(out: str, result: BuildResult, targets: list[str]) -> dict[str, Queries]:
    """Each rule the build converted, with the query files it wrote for it (read back: what
    is tested is what is committed) and its refusals, in the order of ``targets``."""
    from sigma_certutil.build import Manifest

    found: dict[str, dict[str, str | ConversionError]] = {}
    for output in result.outputs:
        text = (Path(out) / output.path).read_text(encoding="utf-8")
        found.setdefault(output.source, {})[output.target] = text.removesuffix("\n")
    for refusal in Manifest.read(out).refused:
        error = ConversionError(refusal.source, refusal.target, refusal.message)
        found.setdefault(refusal.source, {})[refusal.target] = error
    return {
        source: {t: queries[t] for t in targets if t in queries}
        for source, queries in sorted(found.items())
    }


def _named_pipeline(path: str) -> None:
    """Load a pipeline a manifest names; its error names the file and never quotes it (a
    manifest could name any file)."""
    from sigma_certutil.processing.registry import user_pipeline

    try:
        user_pipeline(path)
    except Exception as error:
        message = "the manifest names a pipeline that does not load (build with it to see why)"
        raise PipelineError(message, path) from error


def interrupted_note(args: argparse.Namespace) -> str:
    """What an interrupted build or check leaves in OUT."""
    if (args.command == "build" and args.check) or (args.command == "check" and not args.update):
        return "nothing was written"
    # Each file is written whole and renamed; the last manifest stays until the new one is.
    return "each file in OUT is whole, and the next build brings OUT up to date"


def build_command(args: argparse.Namespace) -> int:
    return _run_build(
        args.sources,
        args.output,
        args.targets,
        args.pipelines,
        allow_unsupported=args.allow_unsupported,
        check=args.check,
        deploy=args.deploy,
        jobs=args.jobs,
        quiet=args.quiet,
        limits=args.limits,
        exclude=args.exclude,
        strict=args.strict,
        args=args,
        test=args.test,
    )


def check_command(args: argparse.Namespace) -> int:
    from sigma_certutil.build import Manifest

    manifest = Manifest.read(args.output)
    manifest.check_inputs(args.output)
    options = manifest.options
    for pipeline in options.pipelines:
        _named_pipeline(pipeline)
    return _run_build(
        options.sources,
        args.output,
        options.targets,
        options.pipelines,
        allow_unsupported=options.allow_unsupported,
        check=not args.update,
        deploy=options.deploy,
        jobs=None,
        quiet=args.quiet,
        limits=options.limits,  # the ones the manifest records
        exclude=options.exclude,
        strict=options.strict,
        args=args,
    )
