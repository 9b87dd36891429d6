"""Rules to queries: one target at a time (``single``), several at once with the steps they
share applied once (``shared``, what ``build`` uses), and the corrections to the pySigma
backends (``backends``)."""

from __future__ import annotations

from sigma_certutil.conversion.single import (
    Conversion,
    Converter,
    convert,
    convert_all,
    rule_origin,
    run_conversion,
)

__all__ = ["Conversion", "Converter", "convert", "convert_all", "rule_origin", "run_conversion"]
