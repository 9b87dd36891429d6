"""Convert one rule to several targets, applying the pipeline steps they share only once.

Every target starts with the same Sysmon steps; lucene, eql and esql share the whole ECS
mapping, and lucene and esql the case-insensitive step after it too. pySigma applies a
target's whole pipeline inside its backend's ``convert_rule``, so five targets apply the common
steps five times. Here the targets' step lists form a tree: each step is applied once per rule
on the way down, the rule is copied where the targets part, and each backend converts a rule
whose steps are all applied, taking over what they tracked (pipeline state, applied items,
field mappings). The queries are those of each target's own conversion (a test compares them).

Steps see their own pipeline variables only, not those of every pipeline of the target nor
the backend's (``backend``, ``output_format``); the project's steps have none, and a build
with a user's pipeline that has some converts target by target instead (sigma_certutil.build).

This is the only module that relies on pySigma internals: ProcessingPipeline._clear_pipeline,
the tracking attributes ProcessingPipeline.apply resets (applied, applied_ids,
field_name_applied_ids, field_mappings, state), SigmaCondition.parse with its postprocess
argument, ConditionIdentifier's identifier and args, the _cond_ names add_condition gives its
detections, and the backend's last_processing_pipeline that convert_rule applies and hands to
ConversionState. check_pysigma_internals (run by every SharedConverter) raises
PySigmaInternalsError naming the one that changed; tests/test_conversion_shared.py tests it
and compares this module's results with sigma_certutil.conversion.single's.
"""

from __future__ import annotations

import inspect
import pickle
import re
from collections import defaultdict
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

from sigma.conditions import (
    ConditionFieldEqualsValueExpression,
    ConditionIdentifier,
    ConditionItem,
    ConditionValueExpression,
    SigmaCondition,
)
from sigma.conversion.base import Backend
from sigma.conversion.state import ConversionState
from sigma.exceptions import SigmaError
from sigma.processing.conditions import LogsourceCondition
from sigma.processing.pipeline import ProcessingItem, ProcessingPipeline
from sigma.processing.tracking import FieldMappingTracking
from sigma.processing.transformations import (
    AddConditionTransformation,
    ChangeLogsourceTransformation,
    NestedProcessingTransformation,
)
from sigma.rule import SigmaRule

from sigma_certutil.condition_parser import parse_condition
from sigma_certutil.conversion.single import one_query, refusal
from sigma_certutil.errors import ConversionError, PySigmaInternalsError
from sigma_certutil.processing.registry import target_pipeline, target_steps, user_pipeline
from sigma_certutil.targets import get_target

# What a pipeline tracks while it is applied to a rule: applied items (by position and by
# id), the items applied to each field name, field mappings and its state.
Tracking = tuple[list[bool], set[str], dict[str, set[str]], FieldMappingTracking, dict[str, Any]]


def _fresh() -> Tracking:
    return [], set(), defaultdict(set), FieldMappingTracking(), {}


def _take_over(pipeline: ProcessingPipeline, tracking: Tracking) -> None:
    (
        pipeline.applied,
        pipeline.applied_ids,
        pipeline.field_name_applied_ids,
        pipeline.field_mappings,
        pipeline.state,
    ) = tracking


class _Step(ProcessingPipeline):
    """One named pipeline of some targets, applied once for all of them.

    Most items apply to some log sources only (one item per Sysmon category). Whether an
    item whose rule conditions are all log-source conditions applies follows from the rule's
    log source, and that log source from the one the step started with, as long as only such
    items change it: a step with a change_logsource item on other conditions, or with a nest
    item (whose inner items may change it on any condition), checks every item. After the
    first rule of a log source, the step runs those items that applied then, and the others
    (conditions on the rule's content), and skips the condition checks of the rest, a fifth
    of the time the steps took."""

    sorted_by_logsource: bool
    # Per log source the step started with: the items to run.
    by_logsource: dict[tuple[str | None, str | None, str | None], frozenset[int]]
    by_logsource_item: list[bool]

    def resume(self, rule: SigmaRule, tracking: Tracking) -> Tracking:
        """Apply the items, continuing the tracking where the previous step left it."""
        _take_over(self, tracking)
        source = rule.logsource
        key = (source.category, source.product, source.service)
        known = self.by_logsource.get(key) if self.sorted_by_logsource else None
        matched = []
        # ProcessingPipeline.apply, but for resetting the tracking first.
        for index, item in enumerate(self.items):
            if known is not None and index not in known:
                self.applied.append(False)
                continue
            applied = item.apply(rule)
            self.applied.append(applied)
            if applied or not self.by_logsource_item[index]:
                matched.append(index)
            if applied and (identifier := item.identifier):
                self.applied_ids.add(identifier)
        if self.sorted_by_logsource and known is None:
            self.by_logsource[key] = frozenset(matched)
        return (
            self.applied,
            self.applied_ids,
            self.field_name_applied_ids,
            self.field_mappings,
            self.state,
        )


def _by_logsource(item: ProcessingItem) -> bool:
    """The item's rule conditions are all log-source conditions."""
    conditions = item.rule_conditions
    found = conditions.values() if isinstance(conditions, dict) else conditions
    return all(isinstance(condition, LogsourceCondition) for condition in found)


def _changes_logsource_on_content(item: ProcessingItem) -> bool:
    """The item may change the rule's log source on something other than the log source."""
    transformation = item.transformation
    if isinstance(transformation, NestedProcessingTransformation):
        return True
    return isinstance(transformation, ChangeLogsourceTransformation) and not _by_logsource(item)


def _step(pipeline: ProcessingPipeline) -> _Step:
    step = _own(pipeline, _Step)
    assert isinstance(step, _Step)
    step.sorted_by_logsource = not any(_changes_logsource_on_content(i) for i in step.items)
    step.by_logsource = {}
    step.by_logsource_item = [_by_logsource(item) for item in step.items]
    return step


class _Applied(ProcessingPipeline):
    """A target's whole pipeline, for a rule whose steps are applied already: ``apply`` takes
    over their tracking; postprocessing and finalizers run as they always do."""

    pending: Tracking

    def apply(self, rule: SigmaRule) -> SigmaRule:  # type: ignore[override]
        _take_over(self, self.pending)
        return rule


def _own(pipeline: ProcessingPipeline, kind: type[ProcessingPipeline]) -> ProcessingPipeline:
    """The pipeline's items in a pipeline of ``kind``, which they then report to."""
    pipeline._clear_pipeline()
    return kind(
        items=pipeline.items,
        postprocessing_items=pipeline.postprocessing_items if kind is _Applied else [],
        finalizers=pipeline.finalizers if kind is _Applied else [],
        vars=pipeline.vars,
        priority=pipeline.priority,
        name=pipeline.name,
    )


@lru_cache(maxsize=4096)
def _condition_tree(condition: str) -> bytes:
    """A condition string's parse tree, before it is bound to a rule's detections, pickled.
    The trees are pySigma's own (condition_parser.py makes the same tree); only the copies
    are made differently."""
    return pickle.dumps(parse_condition(condition), protocol=pickle.HIGHEST_PROTOCOL)


# The names pySigma's add_condition step gives the detections it adds: ten random letters.
_GENERATED = re.compile(r"\b_cond_[a-z]{10}\b")


def _rename(item: object, names: dict[str, str]) -> None:
    if isinstance(item, ConditionIdentifier) and item.identifier in names:
        item.args[0] = item.identifier = names[item.identifier]
    for argument in getattr(item, "args", ()):
        if isinstance(argument, ConditionItem):
            _rename(argument, names)


class _UnpickledCondition(SigmaCondition):
    """A rule condition whose every parse copies a cached parse tree by unpickling it.

    Defects answered (speed): SigmaCondition.parse deep-copies its cached tree each time a
    backend asks for the condition, five times per rule here, and unpickling costs a fifth
    of copy.deepcopy; and the names that add_condition steps give their detections are random,
    so every processed condition was a new string for pySigma's cache to parse again with
    pyparsing. The tree is cached per condition with those names in a fixed form, and they
    are put back in the copy. Errors stay pySigma's: a condition it cannot parse goes to
    SigmaCondition.parse.
    """

    def parse(
        self, postprocess: bool = True
    ) -> ConditionItem | ConditionFieldEqualsValueExpression | ConditionValueExpression | None:
        generated = {f"_cond_generated_{n}": name for n, name in enumerate(
            dict.fromkeys(_GENERATED.findall(self.condition))
        )}  # fmt: skip
        fixed = {name: placeholder for placeholder, name in generated.items()}
        try:
            tree = _condition_tree(_GENERATED.sub(lambda m: fixed[m.group()], self.condition))
        except SigmaError:
            return super().parse(postprocess)
        parsed: ConditionItem = pickle.loads(tree)
        if generated:
            _rename(parsed, generated)
        return parsed.postprocess(self.detections, source=self.source) if postprocess else parsed


# The tracking attributes of a pipeline (Tracking), with the types pySigma gives them.
_TRACKED: tuple[tuple[str, type], ...] = (
    ("applied", list),
    ("applied_ids", set),
    ("field_name_applied_ids", dict),
    ("field_mappings", FieldMappingTracking),
    ("state", dict),
)


def check_pysigma_internals() -> None:
    """PySigmaInternalsError, naming it, when a pySigma internal this module relies on is
    missing or no longer has the shape it had (the module docstring lists them)."""
    changed = _changed_internal()
    if changed is not None:
        from importlib.metadata import version

        raise PySigmaInternalsError(*changed, version("pysigma"))


def _parameters(function: object) -> set[str]:
    try:
        return set(inspect.signature(function).parameters)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return set()


def _changed_internal() -> tuple[str, str] | None:
    """The internal that changed and how, or None."""
    if not callable(getattr(ProcessingPipeline, "_clear_pipeline", None)):
        return "ProcessingPipeline._clear_pipeline", "is missing or not callable"
    fresh = ProcessingPipeline()
    fresh._clear_pipeline()
    for name, kind in _TRACKED:
        value = getattr(fresh, name, None)
        if not isinstance(value, kind):
            found = type(value).__name__
            return (
                f"ProcessingPipeline.{name}",
                f"is {found} on a new pipeline, not {kind.__name__}",
            )
    if "postprocess" not in _parameters(SigmaCondition.parse):
        return "SigmaCondition.parse", "takes no postprocess argument"
    if not isinstance(inspect.getattr_static(SigmaCondition, "parsed", None), property):
        return "SigmaCondition.parsed", "is not a property"
    if "processing_state" not in _parameters(ConversionState):
        return "ConversionState", "takes no processing_state"
    if "last_processing_pipeline" not in getattr(Backend, "__annotations__", {}):
        return "Backend.last_processing_pipeline", "is not declared"
    if not callable(getattr(Backend, "init_processing_pipeline", None)):
        return "Backend.init_processing_pipeline", "is missing or not callable"
    return _changed_condition_names()


def _identifiers(item: object) -> set[str]:
    if isinstance(item, ConditionIdentifier):
        return {item.identifier}
    return {
        n
        for a in getattr(item, "args", ())
        if isinstance(a, ConditionItem)
        for n in _identifiers(a)
    }


def _changed_condition_names() -> tuple[str, str] | None:
    """add_condition applied to a small rule: the detection it adds has a name _GENERATED
    matches, which the condition names, and _UnpickledCondition parses back to that name."""
    internal = "AddConditionTransformation.name"
    try:
        rule = SigmaRule.from_dict(
            {
                "title": "pySigma internals",
                "logsource": {"category": "test"},
                "detection": {"selection": {"field": "value"}, "condition": "selection"},
            }
        )
        transformation = AddConditionTransformation(conditions={"added": "value"})
        ProcessingPipeline(items=[ProcessingItem(transformation, identifier="check")]).apply(rule)
        added = [name for name in rule.detection.detections if name != "selection"]
        condition = rule.detection.parsed_condition[0].condition
        detections = rule.detection.parsed_condition[0].detections
    except Exception as error:  # any failure is the change this reports
        return internal, f"cannot be applied to a rule: {type(error).__name__}: {error}"
    if len(added) != 1 or not _GENERATED.fullmatch(added[0]):
        return internal, f"gave the detections {added}, not one named _cond_ and ten letters"
    if _GENERATED.findall(condition) != added:
        return internal, f"is not what the condition {condition!r} names"
    internal = "ConditionIdentifier"
    try:
        tree = _UnpickledCondition(condition, detections).parse(postprocess=False)
    except Exception as error:  # any failure is the change this reports
        problem = f"{type(error).__name__}: {error}"
        return internal, f"(identifier, args) cannot be renamed in a parse tree: {problem}"
    if _identifiers(tree) != {added[0], "selection"}:
        found = sorted(_identifiers(tree))
        return internal, f"(identifier, args) gave the identifiers {found} for {condition!r}"
    return None


class _Node:
    def __init__(self, step: _Step | None) -> None:
        self.step = step
        self.children: dict[str, _Node] = {}
        self.targets: list[str] = []  # the targets whose steps end here

    def below(self) -> list[str]:
        return [*self.targets, *(t for child in self.children.values() for t in child.below())]


class SharedConverter:
    """Converts rules to several targets, one backend per target built once."""

    def __init__(self, targets: Sequence[str], pipelines: Sequence[str | Path] = ()) -> None:
        """``pipelines``: the user's own pipeline files, joining each target's by priority."""
        check_pysigma_internals()
        self.targets = list(targets)
        self.root = _Node(None)
        self.backends = {}
        for target in self.targets:
            spec = get_target(target)
            node = self.root
            for name, pipeline in target_steps(spec, [user_pipeline(p) for p in pipelines]):
                if name not in node.children:
                    node.children[name] = _Node(_step(pipeline))
                node = node.children[name]
            node.targets.append(target)
            own = [user_pipeline(p) for p in pipelines]
            backend = spec.backend.load()(processing_pipeline=target_pipeline(spec, own))
            backend.init_processing_pipeline()
            backend.last_processing_pipeline = _own(backend.last_processing_pipeline, _Applied)
            self.backends[target] = backend

    def convert(self, rule: SigmaRule) -> dict[str, str | ConversionError]:
        """Each target's query, or the ConversionError that says why it has none. The rule is
        processed in place: hand over a rule that is not needed afterwards."""
        results: dict[str, str | ConversionError] = {}
        detection = rule.detection
        detection.parsed_condition = [
            _UnpickledCondition(c.condition, c.detections, c.source)
            for c in detection.parsed_condition
        ]
        self._descend(self.root, rule, _fresh(), results)
        return {target: results[target] for target in self.targets}

    def _descend(
        self,
        node: _Node,
        rule: SigmaRule,
        tracking: Tracking,
        results: dict[str, str | ConversionError],
    ) -> None:
        if node.step is not None:
            try:
                tracking = node.step.resume(rule, tracking)
            except (SigmaError, NotImplementedError) as error:
                for target in node.below():
                    results[target] = refusal(rule, target, error)
                return
        # Steps rewrite the rule: every child but the first takes a copy, made before anything
        # else happens to it. A backend leaves the rule as it is (it converts a condition tree
        # of its own), so the targets whose steps end here convert the rule itself, one after
        # the other, and the first child's steps go on with it.
        children = list(node.children.values())
        copies = []
        if len(children) > 1:
            copied = pickle.dumps((rule, tracking), protocol=pickle.HIGHEST_PROTOCOL)
            copies = [pickle.loads(copied) for _ in children[1:]]
        for target in node.targets:
            results[target] = self._finish(target, rule, tracking)
        owned = [(rule, tracking), *copies] if children else []
        for child, (own_rule, own_tracking) in zip(children, owned, strict=True):
            self._descend(child, own_rule, own_tracking, results)

    def _finish(self, target: str, rule: SigmaRule, tracking: Tracking) -> str | ConversionError:
        backend = self.backends[target]
        pipeline = backend.last_processing_pipeline
        assert isinstance(pipeline, _Applied)
        pipeline.pending = tracking
        try:
            return one_query(rule, target, backend.convert_rule(rule))
        except (SigmaError, NotImplementedError) as error:
            return refusal(rule, target, error)
        except ConversionError as error:
            return error
