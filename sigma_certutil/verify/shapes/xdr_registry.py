"""Sysmon registry events as Defender XDR's DeviceRegistryEvents writes them: the hive
spellings, the value data and the value names (sources and approximations in ``xdr``'s
docstring)."""

from __future__ import annotations

import re

# Registry: Sysmon EventType -> XDR ActionType (the values Microsoft's ASIM parser handles).
# Sysmon's rare CreateValue has no XDR action of its own: a value is created by setting it.
REGISTRY_ACTIONS = {
    "CreateKey": "RegistryKeyCreated",
    "DeleteKey": "RegistryKeyDeleted",
    "SetValue": "RegistryValueSet",
    "CreateValue": "RegistryValueSet",
    "DeleteValue": "RegistryValueDeleted",
    "RenameKey": "RegistryKeyRenamed",
}
_HIVES = [  # Sysmon's abbreviation -> XDR's spelling
    (re.compile(r"(?i)^HKLM\\System\\CurrentControlSet(?=\\|$)"),
     "HKEY_LOCAL_MACHINE\\SYSTEM\\ControlSet001"),
    (re.compile(r"(?i)^HKLM(?=\\|$)"), "HKEY_LOCAL_MACHINE"),
    (re.compile(r"(?i)^HKU(?=\\|$)"), "HKEY_CURRENT_USER"),
    (re.compile(r"(?i)^HKCU(?=\\|$)"), "HKEY_CURRENT_USER"),
    (re.compile(r"(?i)^HKCR(?=\\|$)"), "HKEY_CLASSES_ROOT"),
]  # fmt: skip


def registry_path(path: str) -> str:
    """A Sysmon registry path (HKLM\\..., HKU\\<SID>\\...) as XDR writes it."""
    for pattern, spelling in _HIVES:
        rewritten, count = pattern.subn(spelling.replace("\\", "\\\\"), path, count=1)
        if count:
            return rewritten
    return path


def registry_data(details: str) -> tuple[str, str]:
    """(RegistryValueData, RegistryValueType) for Sysmon's Details of a value set."""
    dword = re.fullmatch(r"(?i)DWORD \(0x([0-9a-f]{1,8})\)", details)
    if dword:
        return str(int(dword.group(1), 16)), "Dword"
    qword = re.fullmatch(r"(?i)QWORD \(0x([0-9a-f]{1,8})-0x([0-9a-f]{1,8})\)", details)
    if qword:
        return str(int(qword.group(1), 16) << 32 | int(qword.group(2), 16)), "QWord"
    if details == "Binary Data":
        return "", "Binary"
    return ("" if details == "(Empty)" else details), "String"


def split_value(target_object: str) -> tuple[str, str]:
    """(key, value name) of a Sysmon TargetObject naming a value."""
    parts = target_object.split("\\")
    for i in range(2, len(parts)):  # a value named after a path: ...\Paths\C:\Temp
        if re.fullmatch(r"[A-Za-z]:", parts[i]):
            return "\\".join(parts[:i]), "\\".join(parts[i:])
    key, _, name = target_object.rpartition("\\")
    return key, "" if name == "(Default)" else name
