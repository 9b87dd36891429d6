"""Sigma's modifiers where pySigma 1.5 leaves them short, for every target: ``|expand`` from
the variables of the user's own pipelines, and the refusal of ``|utf16``."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sigma.exceptions import SigmaTransformationError
from sigma.modifiers import SigmaUTF16Modifier
from sigma.processing.pipeline import ProcessingItem
from sigma.processing.transformations.base import DetectionItemTransformation
from sigma.processing.transformations.placeholder import ValueListPlaceholderTransformation
from sigma.rule import SigmaDetectionItem
from sigma.types import Placeholder, SigmaString


@dataclass
class ExpandFromVars(ValueListPlaceholderTransformation):
    """``|expand``: each ``%name%`` placeholder becomes the values of the variable ``name``,
    which a user's own pipeline gives under ``vars:`` (pySigma's ``value_placeholders``;
    sigma-appendix-modifiers.md, "expand": the replacement is the processing pipeline's).
    Without the variable the rule is refused, naming it: a placeholder has no meaning in a
    query (stock pySigma failed with "Attempt to convert unhandled placeholder")."""

    def placeholder_replacements(self, p: Placeholder) -> Iterable[SigmaString]:
        pipeline = self._pipeline
        if pipeline is None or p.name not in pipeline.vars:
            raise SigmaTransformationError(
                f"|expand: placeholder %{p.name}% has no value; give it in your own pipeline "
                f"(-p own.yml) as vars: {{{p.name}: [...]}}"
            )
        replaced: Iterable[SigmaString] = super().placeholder_replacements(p)
        return replaced


@dataclass
class RefuseUtf16(DetectionItemTransformation):
    """``|utf16``: the specification prepends the byte order mark FF FE to the UTF-16 value
    (sigma-appendix-modifiers.md, "Encoding": ``cmd`` > ``FF FE 63 00 6d 00 64 00``); pySigma 1.5
    writes it as EF BB BF, its UTF-8 form (``ping`` base64: ``77u/cABp...``, not
    ``//5wAGk...``), so the query would look for bytes no UTF-16 text holds. Refused in every
    target until pySigma encodes it as specified (``|wide`` and ``|utf16be`` are right)."""

    def apply_detection_item(self, detection_item: SigmaDetectionItem) -> None:
        if SigmaUTF16Modifier in detection_item.modifiers:
            raise SigmaTransformationError(
                "|utf16: pySigma 1.5 writes the byte order mark as EF BB BF (UTF-8), not the "
                "FF FE of UTF-16 the specification gives, so no UTF-16 value would match"
            )


def language_items() -> list[ProcessingItem]:
    return [
        ProcessingItem(identifier="sigma_utf16", transformation=RefuseUtf16()),
        ProcessingItem(identifier="sigma_expand", transformation=ExpandFromVars()),
    ]
