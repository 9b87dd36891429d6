"""Every check ``lint`` knows: its id, what it finds, and whether it runs unless a config
file says otherwise.

The ids of pySigma's validators (``sigma.validators.core``, pySigma 1.5) are pySigma's own,
so that a team's knowledge of sigma-cli's ``check`` carries over; the checks of this package
read the rule's YAML and carry the line of the offending key.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Check:
    id: str
    description: str
    default: bool = True  # runs unless a config file disables it
    own: bool = True  # this package's (False: a pySigma validator)


_OWN = (
    Check("invalid_rule", "the file is not a Sigma rule this package (and pySigma) can read"),
    Check("identifier_existence", "the rule has an id"),
    Check("identifier_format", "the id is a UUID (the Sigma specification's 'id')"),
    Check("identifier_uniqueness", "no two rules of the run share an id (names both files)"),
    Check("status_value", "status is one the Sigma specification defines"),
    Check("level_value", "level is one the Sigma specification defines"),
    Check("date_value", "date and modified are real dates written YYYY-MM-DD, modified >= date"),
    Check("attacktag", "each attack.* tag names a tactic or technique of the bundled ATT&CK table"),
    Check("dangling_detection", "each detection is used by the condition"),
    Check("dangling_condition", "each name the condition uses is a detection the rule defines"),
    Check("field_name", "each field is one the log source's events have"),
)

# pySigma's validators that run here, offline. Left out: attacktag and d3_fendtag (they
# download MITRE's data: sigma-cli's check fails offline with "Failed to load MITRE ATT&CK
# data"; attacktag is this package's, on the bundled table, and D3FEND has no bundled table),
# identifier_uniqueness, dangling_detection and dangling_condition (this package's carry the
# line, and the other file), fieldname_logsource (needs field lists given to it: field_name
# reads the log source's own table), and tlpv1_tag/tlpv2_tag (tlptag takes both versions).
_PYSIGMA = (
    Check("all_of_them_condition", "'all of them' is discouraged", own=False),
    Check("cartag", "car.* tags are well formed", own=False),
    Check("control_character", "strings hold no control character", own=False),
    Check("custom_attributes", "no custom attribute named like a standard one", own=False),
    Check("cvetag", "cve.* tags are well formed", own=False),
    Check("detection_tag", "detection.* tags are known", own=False),
    Check("double_wildcard", "no '**' in a value", own=False),
    Check("duplicate_filename", "no two rules share a file name", own=False),
    Check("duplicate_references", "no reference listed twice", own=False),
    Check("duplicate_tag", "no tag listed twice", own=False),
    Check("duplicate_title", "no two rules share a title", own=False),
    Check("escaped_wildcard", "no escaped wildcard", own=False),
    Check("filename_length", "file name 10 to 90 characters", default=False, own=False),
    Check("invalid_modifier_combinations", "no modifiers that match nothing", own=False),
    Check("namespace_tag", "tags use a known namespace", own=False),
    Check("number_as_string", "no number written as a string", default=False, own=False),
    Check("specific_instead_of_generic_logsource", "generic log sources", own=False),
    Check("stptag", "stp.* tags are well formed", own=False),
    Check("tag_format", "tags are lowercase namespace.name", own=False),
    Check("them_condition_with_single_detection", "'them' with one detection", own=False),
    Check("tlptag", "tlp.* tags are TLP 1 or 2 levels", own=False),
    Check("wildcards_instead_of_modifiers", "modifiers, not '*'", default=False, own=False),
)  # fmt: skip

CHECKS: dict[str, Check] = {check.id: check for check in (*_OWN, *_PYSIGMA)}
