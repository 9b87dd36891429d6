"""How a build treats OUT: a Writer writes each file whose text changed (whole or not at all)
and removes the files no rule produces any more, recording what it wrote, removed and left
unchanged; a CheckWriter writes nothing and records how OUT differs, as unified diffs.

A build is given one or the other (``build(check=True)`` takes the CheckWriter); nothing else
in it knows whether it is checking. Worker processes get a copy and only ``settle`` files;
the main process ``note``s what they send back.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from sigma_certutil.build.state import Status, file_status
from sigma_certutil.errors import OutputError
from sigma_certutil.output import write_atomic

_GONE = "no rule produces this file any more"
UNLISTED = "no manifest lists this file; a build removes it"
_LEFT = "a temporary file an interrupted build left; a build removes it"
# Non-blocking: a FIFO put where an output goes is not waited on (it is replaced).
_READ = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
_READ |= getattr(os, "O_NONBLOCK", 0)


@dataclass(frozen=True)
class Settled:
    """What became of one file: ``unchanged`` or ``written`` (with the status the file has
    then), or ``differs`` (with the diff, in check mode)."""

    status: str = "unchanged"
    stat: Status | None = None
    diff: str = ""


UNCHANGED = Settled()


class Writer:
    """Writes OUT's files and records what it did."""

    def __init__(self, out_dir: str | Path) -> None:
        self.out_dir = Path(out_dir)
        self._root = str(out_dir)
        # Folders this build created: no file there to compare with.
        self._fresh: frozenset[str] = frozenset()
        self.written: list[str] = []
        self.unchanged = 0
        self.removed: list[str] = []
        self.diffs: dict[str, str] = {}

    def prepare(self, folders: Sequence[str]) -> None:
        """Make the given folders under OUT. OutputError when one cannot be made or leads out
        of OUT (names are sanitised; this stops a symbolic link from taking files elsewhere)."""
        root = self.out_dir.resolve()
        self._fresh = frozenset(name for name in folders if not (self.out_dir / name).exists())
        for name in folders:
            folder = self.out_dir / name
            self._make_folder(folder)
            if folder.exists() and not folder.resolve().is_relative_to(root):
                raise OutputError(f"{folder}: leaves {self.out_dir}")

    def settle(self, relative: str, text: str, *, make_folder: bool = False) -> Settled:
        """Compare the file at ``relative`` under OUT with ``text`` and write it unless it
        holds that already. Records nothing (workers call it; see ``note``)."""
        path = os.path.join(self._root, relative)
        current: bytes | None = None
        if os.path.dirname(relative) not in self._fresh:
            try:  # never through a symbolic link: check would show what it points to
                with open(os.open(path, _READ), "rb") as handle:
                    current = handle.read()
            except OSError:
                pass
        # Bytes, not text: a file that differs only in its line ends (CRLF) is rewritten.
        if current == text.encode("utf-8"):
            return Settled("unchanged", file_status(path))
        shown = None if current is None else current.decode("utf-8", errors="replace")
        return self._differs(path, relative, shown, text, make_folder)

    def note(self, relative: str, settled: Settled) -> None:
        """Record what became of one file."""
        if settled.status == "written":
            self.written.append(relative)
        elif settled.status == "differs":
            self.diffs[relative] = settled.diff
        else:
            self.unchanged += 1

    def write(self, relative: str, text: str) -> None:
        """Settle one file of the main process (the manifest, a deploy file) and record it."""
        self.note(relative, self.settle(relative, text, make_folder=True))

    def remove(self, relatives: Iterable[str], why: str = _GONE) -> None:
        """Files no rule produces now (the last build wrote them, or no manifest lists them:
        ``why``). A path whose folder leads out of OUT, or that names a folder, is left alone;
        a symbolic link is removed, not what it points to."""
        for relative, path in self._inside(relatives):
            self._remove(path, relative, why)

    def clean(self, relatives: Iterable[str]) -> None:
        """Temporary files an interrupted build left (sweep.py): removed, and not counted."""
        for relative, path in self._inside(relatives):
            self._clean(path, relative)

    def _inside(self, relatives: Iterable[str]) -> Iterator[tuple[str, Path]]:
        root = self.out_dir.resolve()
        for relative in relatives:
            path = self.out_dir / relative
            if path.name in ("", ".", "..") or not path.parent.resolve().is_relative_to(root):
                continue
            yield relative, path.parent.resolve() / path.name

    def write_cache(self, folder: Path, texts: Mapping[str, str]) -> None:
        """Files of a cache folder under OUT, in order, as far as they can be written: a
        cache is never needed."""
        try:
            (self.out_dir / folder).mkdir(exist_ok=True)
            for name, text in texts.items():
                write_atomic(self.out_dir / folder / name, text)
        except (OSError, OutputError):
            pass

    def _make_folder(self, folder: Path) -> None:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as error:
            raise OutputError(f"{folder}: cannot create: {error.strerror}") from error

    def _differs(
        self, path: str, relative: str, current: str | None, text: str, make_folder: bool
    ) -> Settled:
        if make_folder:
            folder = os.path.dirname(path)
            try:
                os.makedirs(folder, exist_ok=True)
            except OSError as error:
                raise OutputError(f"{folder}: cannot create: {error.strerror}") from error
        write_atomic(path, text)
        return Settled("written", file_status(path))

    def _remove(self, path: Path, relative: str, why: str) -> None:
        self._clean(path, relative)
        self.removed.append(relative)

    def _clean(self, path: Path, relative: str) -> None:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            raise OutputError(f"{path}: cannot remove: {error.strerror}") from error


class CheckWriter(Writer):
    """Writes nothing; records each file that would be written or removed, with a diff."""

    def write_cache(self, folder: Path, texts: Mapping[str, str]) -> None:
        pass

    def _make_folder(self, folder: Path) -> None:
        pass

    def _differs(
        self, path: str, relative: str, current: str | None, text: str, make_folder: bool
    ) -> Settled:
        return Settled("differs", diff=unified_diff(relative, current, text))

    def _remove(self, path: Path, relative: str, why: str) -> None:
        self.diffs[relative] = f"{relative}: {why}\n"

    def _clean(self, path: Path, relative: str) -> None:
        self.diffs[relative] = f"{relative}: {_LEFT}\n"


def unified_diff(shown: str, current: str | None, text: str) -> str:
    """How the file ``shown`` (its text ``current``; None when there is none) differs from
    ``text``."""
    import difflib

    return "".join(
        difflib.unified_diff(
            (current or "").splitlines(keepends=True),
            text.splitlines(keepends=True),
            fromfile=f"{shown} (committed)",
            tofile=f"{shown} (built now)",
        )
    )
