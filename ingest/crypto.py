"""age encryption through pyrage, streamed so a large scan never sits in memory whole.

The archive is encrypted to public recipients only: an ingesting machine never holds a key
that can read what it filed. Output is standard age, readable with `age -d -i identity`.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import os
from pathlib import Path
from typing import BinaryIO

import pyrage
from pyrage import x25519

from extractors.errors import AccessDenied, IntegrityError, UsageError


def parse_recipients(recipients: tuple[str, ...]) -> list:
    out = []
    for r in recipients:
        try:
            out.append(x25519.Recipient.from_str(r.strip()))
        except Exception as exc:
            raise UsageError(f"not an age recipient: {r[:16]}…", hint="recipients look like age1…") from exc
    return out


def load_identities(path: Path) -> list:
    """Identities from an age identity file (`age-keygen` format: comments and
    AGE-SECRET-KEY-1… lines)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise AccessDenied(f"cannot read identity file {path}: {exc.strerror}") from exc
    keys = [ln.strip() for ln in text.splitlines() if ln.strip().startswith("AGE-SECRET-KEY-")]
    if not keys:
        raise AccessDenied(f"{path} holds no age identity (AGE-SECRET-KEY-1…)")
    return [x25519.Identity.from_str(k) for k in keys]


def new_identity_file(path: Path) -> str:
    """Write a new identity with mode 0600 (created so, never chmod'ed after: no window in
    which another user could read it). Returns its public recipient."""
    ident = x25519.Identity.generate()
    recipient = str(ident.to_public())
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(f"# created by dossier init\n# public key: {recipient}\n{ident}\n")
    return recipient


def new_secret_file(path: Path) -> None:
    """32 random bytes, hex, mode 0600 from creation: the key of the ID-number hashes."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as fh:
        fh.write(os.urandom(32).hex() + "\n")


def load_secret(path: Path) -> bytes:
    try:
        return bytes.fromhex(path.read_text(encoding="utf-8").strip())
    except (OSError, ValueError) as exc:
        raise UsageError(f"cannot read the ID-number hash key {path}", hint="dossier init writes one (keys/id-hash.key)") from exc


def id_number_hash(key: bytes, id_number: str) -> str:
    """HMAC-SHA256 of an ID number: equal numbers, equal hashes, and without the key no
    dictionary of the ~10^10 plausible numbers can be built against the catalogue."""
    return hmac.new(key, id_number.strip().upper().encode("ascii"), hashlib.sha256).hexdigest()


class HashingReader(io.RawIOBase):
    """Hashes the plaintext as age reads it, so what was encrypted is proven to be the
    file that was recorded, without reading it twice."""

    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.sha256 = hashlib.sha256()
        self.size = 0

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        data = self._fh.read(n)
        self.sha256.update(data)
        self.size += len(data)
        return data


class HashingWriter(io.RawIOBase):
    def __init__(self, fh: BinaryIO) -> None:
        self._fh = fh
        self.sha256 = hashlib.sha256()
        self.size = 0

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        self.sha256.update(data)
        self.size += len(data)
        return self._fh.write(data)


def encrypt_stream(src: BinaryIO, dst: BinaryIO, recipients: list) -> tuple[str, str, int]:
    """Encrypt src into dst. Returns (plaintext sha256, ciphertext sha256, ciphertext size)."""
    reader, writer = HashingReader(src), HashingWriter(dst)
    pyrage.encrypt_io(reader, writer, recipients)
    return reader.sha256.hexdigest(), writer.sha256.hexdigest(), writer.size


def decrypt_stream(src: BinaryIO, dst: BinaryIO, identities: list) -> str:
    """Decrypt src into dst; returns the plaintext's sha256."""
    writer = HashingWriter(dst)
    try:
        pyrage.decrypt_io(src, writer, identities)
    except pyrage.DecryptError as exc:
        raise AccessDenied(f"cannot decrypt: {exc}", hint="is this the identity the archive is encrypted to?") from exc
    except OSError as exc:
        # pyrage reports a payload that fails its authentication (a changed byte) as a bare
        # OSError("decryption error"): the key is right, the object is not.
        if "decryption" in str(exc):
            raise IntegrityError("the object is corrupt: its encrypted payload fails authentication", hint="run dossier verify; restore it from backup") from exc
        raise
    return writer.sha256.hexdigest()
