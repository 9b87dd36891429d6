"""`build` and `check`: a rule folder to query files and a manifest, and the drift check."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from sigma_certutil.cli.common import EXIT_CONVERSION, EXIT_OK, PROG, chosen_targets, print_error
from sigma_certutil.errors import PipelineError
from sigma_certutil.limits import Limits


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
) -> int:
    from sigma_certutil.build import build, terminal_progress

    progress = None if quiet or not sys.stderr.isatty() else terminal_progress
    result = build(
        sources,
        out,
        chosen_targets(targets),
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
    return EXIT_CONVERSION if result.failed or result.diffs else EXIT_OK


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
    )
