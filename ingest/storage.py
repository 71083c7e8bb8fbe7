"""Where encrypted objects live. One interface, so the local folder (the default) and
S3-compatible object storage hold the same keys: 客户档案/<年份>/<客户名称>/<file>.age.

Objects arrive by `put_new`: written under a temporary name first and moved into place only
once complete, so a crash leaves a stray temporary file, never a half-written object under
a real key.
"""

from __future__ import annotations

import os
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

from extractors.errors import StoreUnavailable, UsageError

OBJECT_SUFFIX = ".age"


class ArchiveStore(ABC):
    @abstractmethod
    def put_new(self, key: str, write: Callable[[BinaryIO], None]) -> None:
        """Store the bytes `write` produces under `key`, atomically."""

    @abstractmethod
    def open(self, key: str) -> BinaryIO: ...

    @abstractmethod
    def exists(self, key: str) -> bool: ...

    @abstractmethod
    def keys(self) -> Iterator[str]: ...


class LocalStore(ArchiveStore):
    """A folder (a server's encrypted directory, a mounted share)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._tmp = root / ".incoming"

    def path_of(self, key: str) -> Path:
        path = (self.root / (key + OBJECT_SUFFIX)).resolve()
        # naming.py already sanitises; this is the second lock on the same door.
        if not path.is_relative_to(self.root.resolve()):
            raise UsageError(f"archive key escapes the archive: {key!r}")
        return path

    def put_new(self, key: str, write: Callable[[BinaryIO], None]) -> None:
        final = self.path_of(key)
        try:
            self._tmp.mkdir(parents=True, exist_ok=True)
            final.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreUnavailable(f"archive folder {self.root} is not writable: {exc.strerror}") from exc
        tmp = self._tmp / f"{uuid.uuid4().hex}.part"
        try:
            with tmp.open("wb") as fh:
                write(fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, final)
            _fsync_dir(final.parent)
        except OSError as exc:
            raise StoreUnavailable(f"cannot write {key}: {exc.strerror}") from exc
        finally:
            tmp.unlink(missing_ok=True)

    def open(self, key: str) -> BinaryIO:
        return self.path_of(key).open("rb")

    def exists(self, key: str) -> bool:
        return self.path_of(key).exists()

    def keys(self) -> Iterator[str]:
        for p in sorted(self.root.rglob("*" + OBJECT_SUFFIX)):
            rel = p.relative_to(self.root)
            if rel.parts[0] != self._tmp.name:
                yield str(rel)[: -len(OBJECT_SUFFIX)]


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def open_store(root: Path) -> ArchiveStore:
    return LocalStore(root)
