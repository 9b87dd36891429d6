"""Write files whole or not at all."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from sigma_certutil.errors import OutputError


def write_atomic(path: str | os.PathLike[str], text: str) -> None:
    """Write to a temporary file beside ``path``, then rename it into place.

    A reader never sees a half-written file, and a failure leaves any previous file intact.
    """
    target = Path(path)
    try:
        descriptor, temporary = tempfile.mkstemp(
            dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"
        )
    except OSError as error:
        raise OutputError(f"{target}: cannot write: {error.strerror}") from error
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
            handle.write(text)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"{target}: cannot write: {error.strerror}") from error
