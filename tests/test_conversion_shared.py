"""The shared-step converter (sigma_certutil.conversion.shared) gives every target the query,
or the refusal, of the target's own conversion (sigma_certutil.conversion.single): on every
golden rule, with users' pipelines that change the log source or add conditions, on rules of
several log sources in a row; a build with a pipeline that defines variables converts target
by target. The pySigma internals the shared converter relies on are checked, and the pySigma
releases pyproject.toml admits include the installed one.

Expected values come from the single-target Converter only.
"""

from __future__ import annotations

import importlib.metadata
import pickle
import re
import shutil
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest
from helpers import ROOT, built_queries, golden_rules
from packaging.requirements import Requirement
from packaging.version import Version
from sigma.conditions import ConditionIdentifier, SigmaCondition
from sigma.conversion.base import Backend
from sigma.conversion.state import ConversionState
from sigma.processing.pipeline import ProcessingPipeline
from sigma.processing.transformations import AddConditionTransformation

import sigma_certutil.conversion.shared as shared
from sigma_certutil.build import build
from sigma_certutil.conversion.shared import SharedConverter, check_pysigma_internals
from sigma_certutil.conversion.single import Converter
from sigma_certutil.errors import ConversionError, PySigmaInternalsError
from sigma_certutil.processing.registry import user_pipeline
from sigma_certutil.rules import load_rule
from sigma_certutil.targets import TARGETS

GOLDEN_RULES = golden_rules()
_BY_NAME = {rule_file.name: rule_file for rule_file in GOLDEN_RULES}
# The names pySigma's add_condition gives the detections it adds: random, so set aside.
GENERATED = re.compile(r"\b_cond_[a-z]{10}\b")

# A query, or a refusal as ("refused", target, reason).
Result = str | tuple[str, str, str]


def _comparable(result: str | ConversionError) -> Result:
    if isinstance(result, ConversionError):
        return ("refused", result.target, GENERATED.sub("_cond_", result.reason))
    return GENERATED.sub("_cond_", result)


def _alone(rule_file: Path, pipelines: Sequence[Path] = ()) -> dict[str, Result]:
    """Each target's own conversion of a freshly loaded rule, each with new converters and
    pipelines."""
    found: dict[str, Result] = {}
    for target in TARGETS:
        converter = Converter(target, [user_pipeline(p) for p in pipelines])
        try:
            found[target] = _comparable(converter.convert(load_rule(rule_file)))
        except ConversionError as error:
            assert error.source == str(rule_file)
            found[target] = _comparable(error)
    return found


def _together(converter: SharedConverter, rule_file: Path) -> dict[str, Result]:
    results = converter.convert(load_rule(rule_file))
    assert list(results) == list(TARGETS)
    for result in results.values():
        assert not isinstance(result, ConversionError) or result.source == str(rule_file)
    return {target: _comparable(result) for target, result in results.items()}


def _pipeline_file(folder: Path, name: str, text: str) -> Path:
    path = folder / f"{name}.yml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def every_target() -> SharedConverter:
    """One converter for the whole module's golden rules, as a build uses one."""
    return SharedConverter(list(TARGETS))


# The golden rules -------------------------------------------------------------------------


def test_the_golden_rules_include_queries_and_refusals() -> None:
    kinds = {isinstance(r, tuple) for f in GOLDEN_RULES for r in _alone(f).values()}
    assert kinds == {True, False}
    assert len({load_rule(f).logsource.category for f in GOLDEN_RULES}) > 5


@pytest.mark.parametrize("rule_file", GOLDEN_RULES, ids=lambda p: p.stem)
def test_golden_rule_converts_as_each_target_alone(
    every_target: SharedConverter, rule_file: Path
) -> None:
    assert _together(every_target, rule_file) == _alone(rule_file)


def test_refusals_carry_the_target_and_the_reason_of_the_own_conversion(
    every_target: SharedConverter,
) -> None:
    rule_file = _BY_NAME["process_access_lsass_read.yml"]
    with pytest.raises(ConversionError) as alone:
        Converter("kusto").convert(load_rule(rule_file))
    together = every_target.convert(load_rule(rule_file))["kusto"]
    assert isinstance(together, ConversionError)
    assert (together.source, together.target, together.reason) == (
        alone.value.source,
        alone.value.target,
        alone.value.reason,
    )
    assert str(together) == str(alone.value)


def test_rules_of_several_log_sources_in_a_row_convert_as_fresh_conversions() -> None:
    """The skip cache of each step is kept from rule to rule: A, B, A, C, B, A."""
    network = _BY_NAME["net_connection_win_certutil_initiated_connection.yml"]
    registry = _BY_NAME["registry_set_run_key_to_appdata.yml"]
    process = _BY_NAME["proc_creation_certutil_urlcache_download.yml"]
    other_network = _BY_NAME["net_connection_high_source_port_range.yml"]
    expected = {f: _alone(f) for f in (network, registry, process, other_network)}
    converter = SharedConverter(list(TARGETS))
    for rule_file in (network, registry, network, process, other_network, registry, network):
        assert _together(converter, rule_file) == expected[rule_file], rule_file.name


def test_the_same_rule_twice_converts_the_same(every_target: SharedConverter) -> None:
    rule_file = _BY_NAME["net_connection_lolbin_to_paste_sites.yml"]
    first = _together(every_target, rule_file)
    assert _together(every_target, rule_file) == first == _alone(rule_file)


# Users' pipelines that change the log source ----------------------------------------------

# Among the shared Sysmon steps (after pySigma's at 10, before the field check at 12), on the
# log source: remote threads become process accesses, whose new items then apply; DNS queries
# become network connections, which the field check then refuses for every target.
ON_LOGSOURCE = r"""
name: remote threads as process access
priority: 11
transformations:
  - id: dns_as_network
    type: change_logsource
    category: network_connection
    product: windows
    service: sysmon
    rule_conditions:
      - type: logsource
        category: dns_query
  - id: thread_as_access
    type: change_logsource
    category: process_access
    product: windows
    service: sysmon
    rule_conditions:
      - type: logsource
        category: create_remote_thread
  - id: access_marker
    type: add_condition
    conditions:
      GrantedAccess: '0x1F0FFF'
    rule_conditions:
      - type: logsource
        category: process_access
"""

# Before every step, on the log source: pySigma's Sysmon step sees the new log source.
BEFORE_SYSMON = r"""
name: remote threads as process access, first
priority: 5
transformations:
  - id: thread_as_access
    type: change_logsource
    category: process_access
    product: windows
    rule_conditions:
      - type: logsource
        category: create_remote_thread
"""

# After the Sysmon steps, on the rule's content: only one of the network rules moves, and the
# item after it applies to the moved rule only.
ON_CONTENT = r"""
name: low ports elsewhere
priority: 16
transformations:
  - id: low_ports_elsewhere
    type: change_logsource
    category: network_connection
    product: windows
    service: lowport
    rule_conditions:
      - type: contains_field
        field: SourcePort
  - id: lowport_marker
    type: add_condition
    conditions:
      DestinationPort: 31337
    rule_conditions:
      - type: logsource
        service: lowport
"""

# The same, the change nested in an item on the rule's content.
NESTED_ON_CONTENT = r"""
name: low ports elsewhere, nested
priority: 16
transformations:
  - id: low_ports_elsewhere
    type: nest
    rule_conditions:
      - type: contains_field
        field: SourcePort
    items:
      - id: to_lowport
        type: change_logsource
        category: network_connection
        product: windows
        service: lowport
  - id: lowport_marker
    type: add_condition
    conditions:
      DestinationPort: 31337
    rule_conditions:
      - type: logsource
        service: lowport
"""

# A step of its own, after the project's, whose item applies to the rules ON_CONTENT moved.
LATER_STEP = r"""
name: low ports marked last
priority: 40
transformations:
  - id: lowport_marker_last
    type: add_condition
    conditions:
      SourcePort: 1
    rule_conditions:
      - type: logsource
        service: lowport
"""

THREAD_RULE = "create_remote_thread_powershell_into_explorer.yml"
LOW_PORT_RULE = "net_connection_high_source_port_range.yml"
# The pipelines, and a rule whose conversion they change.
LOGSOURCE_CHANGES: dict[str, tuple[tuple[str, ...], str]] = {
    "on_logsource": ((ON_LOGSOURCE,), THREAD_RULE),
    "before_sysmon": ((BEFORE_SYSMON,), THREAD_RULE),
    "on_content": ((ON_CONTENT,), LOW_PORT_RULE),
    "nested_on_content": ((NESTED_ON_CONTENT,), LOW_PORT_RULE),
    "on_content_for_a_later_step": ((ON_CONTENT, LATER_STEP), LOW_PORT_RULE),
}


def _pipeline_files(folder: Path, case: str) -> list[Path]:
    texts, _ = LOGSOURCE_CHANGES[case]
    return [_pipeline_file(folder, f"{case}_{n}", text) for n, text in enumerate(texts)]


@pytest.mark.parametrize("case", LOGSOURCE_CHANGES)
def test_pipelines_that_change_the_log_source(tmp_path: Path, case: str) -> None:
    """Every golden rule, in order, backwards and in order again through one converter: a
    step that skips the items that did not apply to the first rule of a log source must not
    skip them for a rule whose log source it changed differently."""
    pipelines = _pipeline_files(tmp_path, case)
    moved = _BY_NAME[LOGSOURCE_CHANGES[case][1]]
    expected = {f: _alone(f, pipelines) for f in GOLDEN_RULES}
    # The pipelines change the conversion of the moved rule and leave others as they were.
    assert expected[moved] != _alone(moved)
    assert any(expected[f] == _alone(f) for f in GOLDEN_RULES)
    if case == "on_logsource":
        refused = expected[_BY_NAME["dns_query_paste_site_by_powershell.yml"]]
        assert all(isinstance(result, tuple) for result in refused.values()), refused
    converter = SharedConverter(list(TARGETS), pipelines)
    for rule_file in [*GOLDEN_RULES, *reversed(GOLDEN_RULES), *GOLDEN_RULES]:
        assert _together(converter, rule_file) == expected[rule_file], rule_file.name


def test_the_moved_rule_after_an_unmoved_one_of_its_log_source(tmp_path: Path) -> None:
    """The order that a skip cache keyed on the starting log source gets wrong."""
    unmoved = _BY_NAME["net_connection_win_certutil_initiated_connection.yml"]
    moved = _BY_NAME["net_connection_high_source_port_range.yml"]
    for case, marker in [
        ("on_content", "DestinationPort=31337"),
        ("nested_on_content", "DestinationPort=31337"),
        ("on_content_for_a_later_step", "SourcePort=1 "),
    ]:
        pipelines = _pipeline_files(tmp_path, case)
        expected = _alone(moved, pipelines)
        assert marker in str(expected["splunk"])
        converter = SharedConverter(list(TARGETS), pipelines)
        assert _together(converter, unmoved) == _alone(unmoved, pipelines)
        assert _together(converter, moved) == expected, case


# add_condition and its random names -------------------------------------------------------

ADDED_CONDITIONS = r"""
name: our conditions
priority: 16
transformations:
  - id: our_host
    type: add_condition
    conditions:
      Computer: 'ws-*'
  - id: not_our_tool
    type: add_condition
    negated: true
    conditions:
      Image: 'C:\Tools\ours.exe'
    rule_conditions:
      - type: logsource
        category: process_creation
  - id: category_tag
    type: add_condition
    template: true
    conditions:
      Image: '*\$category.exe'
    rule_conditions:
      - type: logsource
        category: image_load
"""

# After every step, with query postprocessing (run by each backend's own pipeline).
LATE_INDEX = r"""
name: our index
priority: 40
transformations:
  - id: our_index
    type: add_condition
    conditions:
      index: sysmon
postprocessing:
  - id: ours
    type: embed
    prefix: '('
    suffix: ') /* ours */'
    rule_conditions:
      - type: processing_item_applied
        processing_item_id: our_index
"""


@pytest.mark.parametrize(
    ("text", "marker"),
    [(ADDED_CONDITIONS, 'Computer="ws-*"'), (LATE_INDEX, ") /* ours */")],
    ids=["among_steps", "last"],
)
def test_added_conditions_convert_the_same_every_time(
    tmp_path: Path, text: str, marker: str
) -> None:
    """Each converter's add_condition items name their detections at random: the same rule
    twice through one converter, and through a second converter with other names, gives the
    own conversion's queries, those names set aside where they appear."""
    pipeline = _pipeline_file(tmp_path, "added", text)
    expected = {f: _alone(f, [pipeline]) for f in GOLDEN_RULES}
    assert all(expected[f] != _alone(f) for f in GOLDEN_RULES)
    assert all(marker in str(expected[f]["splunk"]) for f in GOLDEN_RULES)
    first, second = (SharedConverter(list(TARGETS), [pipeline]) for _ in range(2))
    for rule_file in GOLDEN_RULES:
        once = _together(first, rule_file)
        assert once == _together(first, rule_file) == expected[rule_file], rule_file.name
        assert _together(second, rule_file) == once, rule_file.name


def test_added_condition_names_are_random_and_set_aside(tmp_path: Path) -> None:
    """What the comparisons above set aside: each pipeline built from the file names the
    detection it adds anew."""
    pipeline = _pipeline_file(tmp_path, "added", ADDED_CONDITIONS)
    rule_file = _BY_NAME["proc_creation_certutil_urlcache_download.yml"]
    conditions = [
        Converter("splunk", [user_pipeline(pipeline)]).run(load_rule(rule_file)).processed
        for _ in range(2)
    ]
    names = [
        set(GENERATED.findall(" ".join(c.condition for c in r.detection.parsed_condition)))
        for r in conditions
    ]
    assert len(names[0]) >= 3 and names[0] != names[1]


# A user's pipeline with variables: the build converts target by target -------------------

OUR_TOOLS = r"""
name: our tools
priority: 11
vars:
  tools:
    - 'C:\Tools\fetch.exe'
    - 'C:\Tools\push.exe'
transformations:
  - id: our_team
    type: set_state
    key: team
    val: blue
"""

# Another pipeline's items read those variables: shared steps see their own variables only.
EXPAND = r"""
name: expand placeholders
priority: 11
transformations:
  - id: our_placeholders
    type: value_placeholders
"""

TOOLS_RULE = r"""
title: Our tools started
id: 5b0f4bd3-7a4b-4f0e-9a53-0c1d2e3f4a5b
status: test
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|expand: '%tools%'
    condition: selection
level: low
"""


def _alone_asbuilt_queries(rule_file: Path, pipelines: Sequence[Path]) -> dict[str, str]:
    found = {}
    for target in TARGETS:
        converter = Converter(target, [user_pipeline(p) for p in pipelines])
        try:
            found[target] = converter.convert(load_rule(rule_file))
        except ConversionError as error:
            found[target] = f"refused: {error}"
    return found


def test_a_build_with_pipeline_variables_converts_as_each_target_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rules = tmp_path / "rules"
    rules.mkdir()
    for rule_file in GOLDEN_RULES:
        shutil.copy(rule_file, rules / rule_file.name)
    (rules / "proc_creation_our_tools.yml").write_text(TOOLS_RULE, encoding="utf-8")
    pipelines = [
        _pipeline_file(tmp_path, "tools", OUR_TOOLS),
        _pipeline_file(tmp_path, "expand", EXPAND),
    ]
    tools = _alone_asbuilt_queries(rules / "proc_creation_our_tools.yml", pipelines)
    assert 'Image IN ("C:\\\\Tools\\\\fetch.exe", "C:\\\\Tools\\\\push.exe")' in tools["splunk"]

    def no_shared_converter(*args: Any, **kwargs: Any) -> None:
        raise AssertionError("the shared-step converter was used")

    monkeypatch.setattr(shared, "SharedConverter", no_shared_converter)
    # In this process (one worker), so that the build sees the patched converter.
    out = tmp_path / "out"
    result = build([rules], out, pipelines=pipelines, workers=1, allow_unsupported=True)
    assert not result.errors
    for rule_file in sorted(rules.glob("*.yml")):
        assert built_queries(out, rule_file) == _alone_asbuilt_queries(rule_file, pipelines)
    # Without variables, the same build takes the shared-step converter.
    with pytest.raises(AssertionError, match="shared-step converter"):
        build([rules], tmp_path / "out2", pipelines=pipelines[1:], workers=1)


# The pySigma internals --------------------------------------------------------------------


def test_pysigma_internals_are_as_the_shared_converter_expects() -> None:
    check_pysigma_internals()


def _drop_tracking(name: str) -> Callable[[pytest.MonkeyPatch], None]:
    def patch(monkeypatch: pytest.MonkeyPatch) -> None:
        post_init = ProcessingPipeline.__post_init__

        def without(self: ProcessingPipeline) -> None:
            post_init(self)
            delattr(self, name)

        monkeypatch.setattr(ProcessingPipeline, "__post_init__", without)

    return patch


def _short_names(monkeypatch: pytest.MonkeyPatch) -> None:
    init = AddConditionTransformation.__init__

    def shorter(self: AddConditionTransformation, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        self.name = "_cond_abcdefgh"

    monkeypatch.setattr(AddConditionTransformation, "__init__", shorter)


def _unnamed_condition(monkeypatch: pytest.MonkeyPatch) -> None:
    def apply_condition(self: AddConditionTransformation, cond: SigmaCondition) -> None:
        cond.condition = f"added and ({cond.condition})"

    monkeypatch.setattr(AddConditionTransformation, "apply_condition", apply_condition)


def _renamed_identifier(monkeypatch: pytest.MonkeyPatch) -> None:
    elsewhere = property(lambda self: "elsewhere")
    monkeypatch.setattr(ConditionIdentifier, "identifier", elsewhere, raising=False)


CHANGES: dict[str, tuple[str, Callable[[pytest.MonkeyPatch], None]]] = {
    "clear_pipeline": (
        "ProcessingPipeline._clear_pipeline",
        lambda m: m.delattr(ProcessingPipeline, "_clear_pipeline"),
    ),
    **{
        name: (f"ProcessingPipeline.{name}", _drop_tracking(name))
        for name in ("applied", "applied_ids", "field_name_applied_ids", "field_mappings", "state")
    },
    "parse": (
        "SigmaCondition.parse",
        lambda m: m.setattr(SigmaCondition, "parse", lambda self: None),
    ),
    "parsed": (
        "SigmaCondition.parsed",
        lambda m: m.setattr(SigmaCondition, "parsed", lambda self: None),
    ),
    "conversion_state": (
        "ConversionState",
        lambda m: m.setattr(ConversionState, "__init__", lambda self, deferred=None: None),
    ),
    "last_processing_pipeline": (
        "Backend.last_processing_pipeline",
        lambda m: m.delitem(Backend.__annotations__, "last_processing_pipeline"),
    ),
    "init_processing_pipeline": (
        "Backend.init_processing_pipeline",
        lambda m: m.delattr(Backend, "init_processing_pipeline"),
    ),
    "generated_names": ("AddConditionTransformation.name", _short_names),
    "condition_names": ("AddConditionTransformation.name", _unnamed_condition),
    "identifier": ("ConditionIdentifier", _renamed_identifier),
}


@pytest.mark.parametrize("change", CHANGES)
def test_a_changed_internal_is_named(monkeypatch: pytest.MonkeyPatch, change: str) -> None:
    internal, patch = CHANGES[change]
    patch(monkeypatch)
    with pytest.raises(PySigmaInternalsError) as raised:
        check_pysigma_internals()
    version = importlib.metadata.version("pysigma")
    assert raised.value.internal == internal
    assert raised.value.version == version
    assert f"pySigma {version}: {internal} " in str(raised.value)


def test_a_changed_internal_stops_the_shared_converter(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(ProcessingPipeline, "_clear_pipeline")
    with pytest.raises(PySigmaInternalsError, match=r"ProcessingPipeline\._clear_pipeline"):
        SharedConverter(["splunk"])


def test_the_internals_error_crosses_processes() -> None:
    error = PySigmaInternalsError("SigmaCondition.parse", "takes no postprocess argument", "9.9")
    copied = pickle.loads(pickle.dumps(error))
    assert (copied.internal, copied.problem, copied.version) == ("SigmaCondition.parse",
        "takes no postprocess argument", "9.9")  # fmt: skip
    assert str(copied) == str(error)


# The pySigma releases the package admits --------------------------------------------------


def test_the_installed_pysigma_is_a_release_the_package_admits() -> None:
    """pyproject.toml admits the pySigma releases the shared converter was tested with only:
    the installed one, and not the next patch release."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    [pysigma] = [
        requirement
        for requirement in map(Requirement, project["dependencies"])
        if requirement.name.lower() == "pysigma"
    ]
    installed = Version(importlib.metadata.version("pysigma"))
    assert pysigma.specifier.contains(installed), (str(pysigma.specifier), str(installed))
    following = f"{installed.major}.{installed.minor}.{installed.micro + 1}"
    assert not pysigma.specifier.contains(following), str(pysigma.specifier)
