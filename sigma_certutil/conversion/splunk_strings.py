"""Splunk: Sigma's string values, letter case and field references in SPL, and the order of
its search around the regular expressions the backend defers."""

from __future__ import annotations

import re
from typing import ClassVar, cast

from sigma.backends.splunk.splunk import SplunkDeferredFieldRefExpression
from sigma.conditions import (
    ConditionAND,
    ConditionFieldEqualsValueExpression,
    ConditionOR,
)
from sigma.conversion.base import TextQueryBackend
from sigma.conversion.deferred import DeferredQueryExpression
from sigma.conversion.state import ConversionState
from sigma.correlations import SigmaCorrelationRule
from sigma.rule import SigmaRule
from sigma.types import (
    SigmaExpansion,
    SigmaFieldReference,
    SigmaRegularExpression,
    SigmaRegularExpressionFlag,
    SigmaString,
)

from sigma_certutil.conversion.strings import (
    anchored_pattern,
    as_regex,
    condition_values,
    fieldref_kind,
    has_literal_star,
    has_single_wildcard,
    is_cased,
)


class SplunkStrings(TextQueryBackend):
    """Splunk: values its search cannot write go to the PCRE ``| regex`` command.

    Defects answered: the stock backend writes Sigma's ``?`` as ``*`` (Splunk's search has no
    one-character wildcard: https://help.splunk.com/splunk-enterprise/search/search-manual/9.1/search-primer/wildcards),
    so ``a?c`` also matched ``abbc``; a literal ``*`` (Sigma ``\\*``) as ``\\*``, which
    Splunk's search reads as a wildcard ("The backslash symbol can't be used to escape the
    asterisk in search strings",
    https://help.splunk.com/splunk-enterprise/search/search-manual/9.4/search-primer/backslashes);
    and it refuses ``|cased``. Field-value matching is case-insensitive; ``CASE()`` matches
    index terms (https://help.splunk.com/splunk-enterprise/search/search-manual/9.0/search-primer/use-case-and-term-to-match-phrases),
    not whole field values that hold breakers such as spaces and backslashes, so a cased value
    is the anchored, case-sensitive regular expression ``(?s)^...\\z`` instead; the others
    above the same with ``(?i)``. (PCRE's ``\\z`` is the very end; ``$`` also matches before a
    final line break.)
    """

    def _needs_regex(self, value: object) -> bool:
        return isinstance(value, SigmaString) and (
            is_cased(value) or has_single_wildcard(value) or has_literal_star(value)
        )

    def _one_alternation(self, cond: ConditionOR | ConditionAND) -> bool:
        """An OR of string values of one field, some needing a regular expression, all of one
        case rule: one alternation (several "| regex" lines would AND them)."""
        values = condition_values(cond)
        fields = {getattr(arg, "field", None) for arg in cond.args}
        return (
            isinstance(cond, ConditionOR)
            and len(fields) == 1
            and None not in fields
            and all(isinstance(v, SigmaString) for v in values)
            and len({is_cased(v) for v in values}) == 1
            and any(self._needs_regex(v) for v in values)
        )

    def _alternation(
        self, cond: ConditionFieldEqualsValueExpression, values: list[SigmaString]
    ) -> ConditionFieldEqualsValueExpression:
        bodies = [
            str(anchored_pattern(value, ignore_case=False, end="").regexp)[1:] for value in values
        ]
        pattern = SigmaRegularExpression(f"^(?:{'|'.join(bodies)})$(?!\\n)")
        pattern.flags = {SigmaRegularExpressionFlag.DOTALL}
        if not is_cased(values[0]):
            pattern.flags.add(SigmaRegularExpressionFlag.IGNORECASE)
        return as_regex(cond, pattern)

    def decide_convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> bool:
        if self._one_alternation(cond):
            return True
        if any(self._needs_regex(value) for value in condition_values(cond)):
            return False
        return bool(super().decide_convert_condition_as_in_expression(cond, state))

    def convert_condition_as_in_expression(
        self, cond: ConditionOR | ConditionAND, state: ConversionState
    ) -> str | DeferredQueryExpression:
        if self._one_alternation(cond):
            first = cond.args[0]
            assert isinstance(first, ConditionFieldEqualsValueExpression)
            as_one = ConditionFieldEqualsValueExpression(first.field, first.value)
            as_one.parent = cond.parent
            strings = [v for v in condition_values(cond) if isinstance(v, SigmaString)]
            return self.convert_condition_field_eq_val_re(self._alternation(as_one, strings), state)
        converted: str | DeferredQueryExpression = super().convert_condition_as_in_expression(
            cond, state
        )
        return converted

    def convert_condition_field_eq_val_str(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        if self._needs_regex(cond.value):
            assert isinstance(cond.value, SigmaString)
            pattern = anchored_pattern(cond.value, ignore_case=True, end="$(?!\\n)")
            return self.convert_condition_field_eq_val_re(as_regex(cond, pattern), state)
        return super().convert_condition_field_eq_val_str(cond, state)

    def convert_condition_field_eq_expansion(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        # The backend writes the OR of an expansion's values without telling its regular
        # expressions they are ORed: each became a "| regex" line, which ANDs them. Values that
        # need a regular expression are one alternation instead.
        assert isinstance(cond.value, SigmaExpansion)
        values = cond.value.values
        if not (
            all(isinstance(value, SigmaString) for value in values)
            and any(self._needs_regex(value) for value in values)
        ):
            converted: str | DeferredQueryExpression = super().convert_condition_field_eq_expansion(
                cond, state
            )
            return converted
        if len({is_cased(value) for value in values}) != 1:
            raise NotImplementedError("an expansion of cased and uncased values")
        strings = [value for value in values if isinstance(value, SigmaString)]
        return self.convert_condition_field_eq_val_re(self._alternation(cond, strings), state)

    def convert_condition_field_eq_val_str_case_sensitive(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> str | DeferredQueryExpression:
        assert isinstance(cond.value, SigmaString)
        pattern = anchored_pattern(cond.value, ignore_case=False, end="$(?!\\n)")
        return self.convert_condition_field_eq_val_re(as_regex(cond, pattern), state)


class _LowerFieldRef(SplunkDeferredFieldRefExpression):
    """A "| where" comparing two fields without case."""

    template = "where {op}lower('{field}')=lower('{value}')"


class _LowerFieldRefPrefix(SplunkDeferredFieldRefExpression):
    template = "where {op}substr(lower('{field}'), 1, len('{value}'))=lower('{value}')"


class _LowerFieldRefSuffix(SplunkDeferredFieldRefExpression):
    template = "where {op}substr(lower('{field}'), -len('{value}'))=lower('{value}')"


_LOWER_FIELD_REFS: dict[str, type[SplunkDeferredFieldRefExpression]] = {
    "eq": _LowerFieldRef,
    "startswith": _LowerFieldRefPrefix,
    "endswith": _LowerFieldRefSuffix,
}


class SplunkFieldRefsAndOrder(TextQueryBackend):
    """|fieldref without case, and the leading terms of a search moved only where Splunk's
    precedence allows."""

    # A leading field=value term: quoted (with backslash escapes) or bare.
    _leading_term: ClassVar[re.Pattern[str]] = re.compile(
        r'([\w.]+)(?:="(?:\\.|[^"\\])*"|=[^\s")]+)\s*'
    )

    def convert_condition_field_eq_field(
        self, cond: ConditionFieldEqualsValueExpression, state: ConversionState
    ) -> SplunkDeferredFieldRefExpression:
        # Defect answered: the stock backend compares 'a'='b' in "| where", where eval compares
        # strings with case (https://help.splunk.com/splunk-enterprise/spl-search-reference/
        # 9.4/search-commands/where), and refuses the string modifiers; Sigma compares without
        # case. Both sides are lowercased; startswith and endswith compare substr() of the
        # length of the other field (eval functions: substr, len, lower). contains is refused:
        # eval's substring tests take a pattern (like, match), which would read the other
        # field's % and _ (or regular-expression characters) as wildcards.
        assert isinstance(cond.value, SigmaFieldReference)
        kind = fieldref_kind(cond.value)
        if kind == "contains":
            raise NotImplementedError(
                "|fieldref|contains: Splunk's eval finds a part of a value only with a pattern "
                "(like, match), which would read the other field's value as wildcards"
            )
        if cond.parent_condition_chain_contains(ConditionOR):
            raise NotImplementedError("|fieldref under an OR: the Splunk backend cannot write it")
        deferred = _LOWER_FIELD_REFS[kind](state, cond.field, cond.value.field)
        done = deferred.postprocess(None, cond)  # type: ignore[arg-type]
        return cast("SplunkDeferredFieldRefExpression", done)

    def finalize_query_default(
        self, rule: SigmaRule | SigmaCorrelationRule, query: str, index: int, state: ConversionState
    ) -> str:
        # Defect answered: with regular expressions under an OR (written as "| rex" and
        # "| eval"), the stock backend moves the leading field=value terms of the search before
        # them, even the first operand of an OR: "a OR b c" became "a ... | search OR b c", a
        # syntax error that also changed the meaning. Splunk reads "a OR b c" as
        # "(a OR b) AND c" (NOT, then OR, then AND), so only terms not followed by OR move.
        fields = state.processing_state.get("deferred_or_condition_fields")
        marker = "\n| search "
        if fields and marker in query and not (isinstance(rule, SigmaRule) and rule.fields):
            deferred, _, search = query.partition(marker)
            moved, position = [], 0
            while (term := self._leading_term.match(search, position)) and (
                term.group(1) not in fields and not search[term.end() :].startswith("OR ")
            ):
                moved.append(term.group().strip())
                position = term.end()
            if moved:
                return " ".join(moved) + deferred + marker + search[position:]
            return query
        return str(super().finalize_query_default(rule, query, index, state))  # type: ignore[arg-type]
