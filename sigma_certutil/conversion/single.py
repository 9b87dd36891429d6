"""Convert a Sigma rule to one target's query, with the target's whole pipeline."""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sigma.exceptions import SigmaError
from sigma.processing.pipeline import ProcessingPipeline
from sigma.rule import SigmaRule

from sigma_certutil.errors import ConversionError
from sigma_certutil.processing.registry import target_pipeline
from sigma_certutil.targets import TARGETS, get_target


def rule_origin(rule: SigmaRule) -> str:
    """The rule's file, for messages; '<rule>' when it was given as text."""
    return str(rule.source.path) if rule.source is not None else "<rule>"


_WHILE_CONVERTING = re.compile(r" \(while converting rule [^\n]*\)$")


def refusal(rule: SigmaRule, target: str, error: Exception) -> ConversionError:
    """The error for a rule the target cannot express, naming the rule and the target."""
    if isinstance(error, NotImplementedError):
        # pySigma appends " (while converting rule <absolute path>)": the error names the
        # rule already, and the path would make the message depend on where it is read from.
        reason = _WHILE_CONVERTING.sub("", str(error))
        return ConversionError(rule_origin(rule), target, f"not supported: {reason}")
    message = str(error.args[0]) if error.args else type(error).__name__
    return ConversionError(rule_origin(rule), target, message)


def one_query(rule: SigmaRule, target: str, queries: Sequence[object]) -> str:
    """The one query a rule gives (ConversionError for none or several)."""
    if len(queries) != 1:
        raise ConversionError(
            rule_origin(rule), target, f"the backend produced {len(queries)} queries, expected one"
        )
    return str(queries[0])


@dataclass(frozen=True)
class Conversion:
    """A query, the pipeline that produced it and the processed copy of the rule (whose
    detection items record the steps applied to them)."""

    query: str
    pipeline: ProcessingPipeline
    processed: SigmaRule


class Converter:
    """Converts rules for one target with one backend and its pipelines built once, as
    sigma-cli does for a whole run: for many rules, most of the time saved. Each rule is
    converted on a copy and a fresh pipeline combination, so conversions do not affect each
    other."""

    def __init__(self, target: str, pipelines: Sequence[ProcessingPipeline] = ()) -> None:
        self.spec = get_target(target)
        self.backend = self.spec.backend.load()(
            processing_pipeline=target_pipeline(self.spec, pipelines)
        )

    def run(self, rule: SigmaRule, *, owned: bool = False) -> Conversion:
        """Convert a copy of the rule (the rule itself when the caller hands it over with
        ``owned``); ConversionError when the target cannot express it."""
        backend = self.backend
        # Processing pipelines rewrite the rule they are applied to.
        working = rule if owned else copy.deepcopy(rule)
        try:
            queries = backend.convert_rule(working)
        except (SigmaError, NotImplementedError) as error:
            raise refusal(rule, self.spec.id, error) from error
        return Conversion(
            one_query(rule, self.spec.id, queries), backend.last_processing_pipeline, working
        )

    def convert(self, rule: SigmaRule, *, owned: bool = False) -> str:
        return self.run(rule, owned=owned).query


def run_conversion(
    rule: SigmaRule, target: str, pipelines: Sequence[ProcessingPipeline] = ()
) -> Conversion:
    """Convert a copy of the rule for one target; ConversionError when it cannot. Extra
    ``pipelines`` (user_pipeline) join the target's by priority."""
    return Converter(target, pipelines).run(rule)


def convert(rule: SigmaRule, target: str, pipelines: Sequence[ProcessingPipeline] = ()) -> str:
    """The query for one target. The rule itself is left unchanged. Only CertutilError leaves:
    whatever else pySigma raises on a rule is a ConversionError naming the rule and target."""
    from sigma_certutil.conditions import recursion_room, rule_condition_depth
    from sigma_certutil.errors import CertutilError

    try:
        with recursion_room(rule_condition_depth(rule)):
            return run_conversion(rule, target, pipelines).query
    except CertutilError:
        raise
    except Exception as error:
        reason = f"pySigma could not convert it: {type(error).__name__}: {error}"
        raise ConversionError(rule_origin(rule), target, reason) from error


def convert_all(rule: SigmaRule, targets: Iterable[str] | None = None) -> dict[str, str]:
    """The query for each target (every target when none are named), in the order given."""
    return {target: convert(rule, target) for target in (targets or TARGETS)}
