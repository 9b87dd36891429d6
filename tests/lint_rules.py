"""Rules for the lint tests, written as a user writes them: one clean rule, and edits of it."""

from __future__ import annotations

from pathlib import Path

CLEAN = """\
title: Certutil Network Connection
id: 0f5a1b2c-3d4e-4f60-8a9b-0c1d2e3f4a5b
status: test
description: Detects certutil.exe connecting out.
author: the detection team
date: 2024-01-02
modified: 2024-02-03
tags:
    - attack.command-and-control
    - attack.t1105
logsource:
    category: network_connection
    product: windows
detection:
    selection:
        Image|endswith: '\\certutil.exe'
        Initiated: 'true'
    condition: selection
falsepositives:
    - Unknown
level: high
"""


def write_rule(
    folder: Path, name: str, replace: dict[str, str] | None = None, text: str = CLEAN
) -> Path:
    """``text`` with each ``old: new`` of ``replace`` applied, written to folder/name."""
    for old, new in (replace or {}).items():
        assert old in text, old
        text = text.replace(old, new)
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path
