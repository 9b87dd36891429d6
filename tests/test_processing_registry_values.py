"""processing/registry_values.py: Sysmon's DWORD and QWORD registry values as the number each
store holds."""

from __future__ import annotations

from sigma.types import SigmaString

from sigma_certutil.processing.registry_values import RegistryNumber


def test_registry_numbers() -> None:
    true_value = RegistryNumber(qword_high_shift=32)
    assert str(true_value.apply_string_value("Details", SigmaString("DWORD (0x0000002a)"))) == "42"
    assert str(true_value.apply_string_value("Details", SigmaString("*DWORD (0x00000001)"))) == "1"
    qword = SigmaString("QWORD (0x00000001-0x00000002)")
    assert str(true_value.apply_string_value("Details", qword)) == str((1 << 32) + 2)
    # The ECS ingest computes (high << 8) + low; its stored value is what must be matched.
    assert str(RegistryNumber(qword_high_shift=8).apply_string_value("Details", qword)) == "258"
    assert true_value.apply_string_value("Details", SigmaString("DWORD (0x0000*")) is None
    # Sysmon writes the form as the whole of Details: contains of all of it is equality.
    assert str(true_value.apply_string_value("Details", SigmaString("*DWORD (0x00000000)*"))) == "0"
    assert true_value.apply_string_value("Details", SigmaString("*DWORD (0x0000*")) is None
