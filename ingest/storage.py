"""Where encrypted objects live. One interface, so the local folder (the default) and
S3-compatible object storage hold the same keys: 客户档案/<年份>/<客户名称>/<file>.age.

Objects arrive by `put_new`: written under a temporary name first and moved into place only
once complete, so a crash leaves a stray temporary file, never a half-written object under
a real key. (On S3 the "temporary name" is the upload itself: a PUT or a completed multipart
upload becomes visible all at once or not at all; see `S3Store.put_new`.)
"""

from __future__ import annotations

import io
import os
import re
import tempfile
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO, TypeVar
from urllib.parse import parse_qs, unquote, urlsplit

from extractors.errors import IntegrityError, StoreUnavailable, UsageError

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

    @abstractmethod
    def remove(self, key: str) -> None:
        """Delete one object (re-filing moves a document: written anew, then this)."""


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
        try:
            return self.path_of(key).open("rb")
        except FileNotFoundError:
            raise IntegrityError(f"{key} is not in the archive", hint="run dossier verify") from None
        except OSError as exc:
            raise StoreUnavailable(f"cannot read {key}: {exc.strerror}") from exc

    def exists(self, key: str) -> bool:
        return self.path_of(key).exists()

    def remove(self, key: str) -> None:
        path = self.path_of(key)
        try:
            path.unlink(missing_ok=True)
            _fsync_dir(path.parent)
        except OSError as exc:
            raise StoreUnavailable(f"cannot remove {key}: {exc.strerror}") from exc

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


def open_store(root: Path, url: str | None = None) -> ArchiveStore:
    """The configured archive: object storage when `url` (archive_url) is set, else the
    local folder `root`."""
    return open_store_url(url) if url else LocalStore(root)


# --- S3-compatible object storage --------------------------------------------------------

_T = TypeVar("_T")

SPOOL_MAX_BYTES = 8 * 1024 * 1024  # ciphertext above this spills from memory to a temp file
PART_SIZE = 16 * 1024 * 1024  # multipart part size; one part at a time is held in memory
MAX_KEY_BYTES = 1024  # S3's limit on a whole object name, UTF-8
TEMP_PREFIX = ".incoming/"  # never written by S3Store; skipped by keys() like LocalStore's
# S3 error codes that mean "try again", whatever the HTTP status says.
_TRANSIENT_CODES = {"InternalError", "ServiceUnavailable", "SlowDown", "RequestTimeout", "RequestTimeTooSkewed"}
_CREDENTIAL_CODES = {"AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidToken", "ExpiredToken"}


class S3Store(ArchiveStore):
    """An S3-compatible bucket (MinIO, Ceph RGW, AWS S3, …) through the `minio` client.

    Object names are `<prefix><key>.age`, UTF-8 (Chinese keys work as they are). Failures to
    reach or use the server raise `StoreUnavailable` (the file stays in the inbox and is
    retried); connection errors, timeouts and 5xx answers are retried `attempts` times with
    a short exponential backoff first. A key with no object raises `IntegrityError` on open.
    """

    def __init__(
        self,
        endpoint: str,
        access_key: str | None,
        secret_key: str | None,
        bucket: str,
        *,
        secure: bool = True,
        prefix: str = "",
        region: str | None = None,
        create_bucket: bool = True,
        connect_timeout: float = 5.0,
        read_timeout: float = 60.0,
        attempts: int = 3,
        backoff: float = 0.2,
        spool_dir: Path | None = None,
    ) -> None:
        import certifi
        import urllib3
        from minio import Minio
        from minio.helpers import check_bucket_name

        self.endpoint, self.bucket, self.secure = endpoint, bucket, secure
        prefix = prefix.strip("/")
        self.prefix = prefix + "/" if prefix else ""
        if self.prefix:
            _check_key(self.prefix[:-1], what="key prefix")
        self.attempts, self.backoff = max(1, attempts), backoff
        self.spool_dir = spool_dir
        try:
            check_bucket_name(bucket)
        except ValueError as exc:
            raise UsageError(f"bad S3 bucket name {bucket!r}", hint="3-63 characters: a-z, 0-9, '.' and '-'") from exc
        # Our own pool: short connect timeout, and no urllib3 retries (they would multiply
        # with ours and make "the server is down" take half a minute to say).
        http = urllib3.PoolManager(
            timeout=urllib3.Timeout(connect=connect_timeout, read=read_timeout),
            maxsize=10,
            retries=False,
            cert_reqs="CERT_REQUIRED",
            ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
        )
        try:
            self._client = Minio(
                endpoint, access_key=access_key or None, secret_key=secret_key or None,
                secure=secure, region=region, http_client=http,
            )
        except ValueError as exc:
            raise UsageError(f"bad S3 endpoint {endpoint!r}: {exc}", hint="give host:port, without http:// or a path") from exc
        if create_bucket:
            self._ensure_bucket(region)

    def __repr__(self) -> str:  # never shows the credentials
        scheme = "https" if self.secure else "http"
        return f"S3Store({scheme}://{self.endpoint}/{self.bucket}/{self.prefix})"

    # -- the ArchiveStore interface --

    def put_new(self, key: str, write: Callable[[BinaryIO], None]) -> None:
        """Spool what `write` produces (memory up to SPOOL_MAX_BYTES, then a temporary file),
        then upload it with its length known, straight to the final name.

        No temporary object plus server-side copy: an S3 PUT, and a multipart upload's
        completion, publish the whole object atomically, so no reader ever sees a partial
        object under the key. If `write` raises, nothing is sent at all. A failed multipart
        upload is aborted by the client; one cut off by a crash stays as an invisible
        incomplete upload (not an object) until a bucket lifecycle rule
        (AbortIncompleteMultipartUpload) removes it.
        """
        name = self._object_name(key)
        with tempfile.SpooledTemporaryFile(max_size=SPOOL_MAX_BYTES, mode="w+b", dir=self.spool_dir) as spool:
            write(spool)
            length = spool.seek(0, io.SEEK_END)

            def upload():
                spool.seek(0)
                # One part in flight: memory stays at ~PART_SIZE, whatever the file's size.
                return self._client.put_object(
                    self.bucket, name, spool, length, part_size=PART_SIZE, num_parallel_uploads=1,
                )

            self._call(f"cannot store {key}", upload)

    def open(self, key: str) -> BinaryIO:
        """A buffered reader over the object's body; close it (or use `with`) to release the
        connection. A connection lost mid-read raises StoreUnavailable, never a short read."""
        from minio.error import S3Error

        name = self._object_name(key)
        try:
            response = self._call(f"cannot read {key}", lambda: self._client.get_object(self.bucket, name), passthrough=("NoSuchKey",))
        except S3Error as exc:
            raise IntegrityError(
                f"{key} is not in the archive (no object {name!r} in bucket {self.bucket!r})",
                hint="run dossier verify",
            ) from exc
        return io.BufferedReader(_ResponseReader(response, f"{self!r} {key}"), buffer_size=256 * 1024)

    def exists(self, key: str) -> bool:
        from minio.error import S3Error

        name = self._object_name(key)
        try:
            self._call(f"cannot look up {key}", lambda: self._client.stat_object(self.bucket, name), passthrough=("NoSuchKey",))
        except S3Error:
            return False
        return True

    def remove(self, key: str) -> None:
        name = self._object_name(key)
        self._call(f"cannot remove {key}", lambda: self._client.remove_object(self.bucket, name))

    def keys(self) -> Iterator[str]:
        """Every key under the prefix, in UTF-8 byte order. A listing interrupted by a
        connection error resumes after the last name it got (bounded like every call)."""
        from minio.error import S3Error, ServerError
        from urllib3.exceptions import HTTPError

        after: str | None = None
        failures = 0
        while True:
            try:
                objects = self._client.list_objects(self.bucket, prefix=self.prefix or None, recursive=True, start_after=after)
                for obj in objects:
                    name = obj.object_name
                    after = name
                    rel = name[len(self.prefix):]
                    if obj.is_dir or not rel.endswith(OBJECT_SUFFIX) or rel.startswith(TEMP_PREFIX):
                        continue
                    yield rel[: -len(OBJECT_SUFFIX)]
                return
            except (HTTPError, ServerError, S3Error) as exc:
                failures += 1
                if not self._transient(exc) or failures >= self.attempts:
                    raise self._unavailable("cannot list the archive", exc) from exc
                time.sleep(self.backoff * 2 ** (failures - 1))

    # -- helpers --

    def _object_name(self, key: str) -> str:
        _check_key(key)
        name = self.prefix + key + OBJECT_SUFFIX
        if len(name.encode("utf-8")) > MAX_KEY_BYTES:
            raise UsageError(f"archive key too long for S3 ({MAX_KEY_BYTES} bytes at most): {key!r}")
        return name

    def _ensure_bucket(self, region: str | None) -> None:
        from minio.error import S3Error

        if self._call(f"cannot reach bucket {self.bucket}", lambda: self._client.bucket_exists(self.bucket)):
            return
        try:
            self._call(
                f"bucket {self.bucket!r} does not exist and cannot be created",
                lambda: self._client.make_bucket(self.bucket, location=region),
                passthrough=("BucketAlreadyOwnedByYou", "BucketAlreadyExists"),
            )
        except S3Error as exc:
            if exc.code == "BucketAlreadyOwnedByYou":  # another worker made it just now
                return
            raise StoreUnavailable(
                f"bucket {self.bucket!r} does not exist and its name is taken by another account on {self.endpoint}",
                hint="choose another bucket name",
            ) from exc

    def _call(self, what: str, fn: Callable[[], _T], passthrough: tuple[str, ...] = ()) -> _T:
        """Run one client call; retry transient failures; S3 errors whose code is in
        `passthrough` are re-raised as they are for the caller to interpret."""
        from minio.error import InvalidResponseError, S3Error, ServerError
        from urllib3.exceptions import HTTPError

        for attempt in range(1, self.attempts + 1):
            try:
                return fn()
            except S3Error as exc:
                if exc.code in passthrough:
                    raise
                if not self._transient(exc) or attempt == self.attempts:
                    raise self._unavailable(what, exc) from exc
            except (HTTPError, ServerError, InvalidResponseError) as exc:
                if not self._transient(exc) or attempt == self.attempts:
                    raise self._unavailable(what, exc) from exc
            time.sleep(self.backoff * 2 ** (attempt - 1))
        raise AssertionError("unreachable")

    @staticmethod
    def _transient(exc: Exception) -> bool:
        from minio.error import S3Error, ServerError
        from urllib3.exceptions import HTTPError

        if isinstance(exc, HTTPError):  # refused, reset, timed out, TLS trouble
            return True
        if isinstance(exc, ServerError):
            return exc.status_code >= 500
        if isinstance(exc, S3Error):
            status = getattr(exc.response, "status", 0) or 0
            return exc.code in _TRANSIENT_CODES or status >= 500
        return False

    def _unavailable(self, what: str, exc: Exception) -> StoreUnavailable:
        from minio.error import S3Error
        from urllib3.exceptions import HTTPError

        where = f"S3 {self.endpoint} bucket {self.bucket!r}"
        if isinstance(exc, S3Error):
            hint = "check the access key and secret, and the bucket policy" if exc.code in _CREDENTIAL_CODES else ""
            return StoreUnavailable(f"{what}: {where} answered {exc.code}: {exc.message}", hint=hint)
        if isinstance(exc, HTTPError):
            reason = getattr(exc, "reason", None) or exc
            return StoreUnavailable(
                f"{what}: {where} unreachable after {self.attempts} attempts: {reason}",
                hint="is the object store running, and the endpoint/port/secure setting right?",
            )
        return StoreUnavailable(f"{what}: {where} failed: {exc}")


class _ResponseReader(io.RawIOBase):
    """A minio (urllib3) response body as a raw stream: errors become StoreUnavailable, and
    close() closes the response and gives its connection back to the pool."""

    def __init__(self, response, label: str) -> None:
        self._response = response
        self._label = label

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        from urllib3.exceptions import HTTPError

        try:
            data = self._response.read(len(buffer), decode_content=False)
        except HTTPError as exc:  # includes a body cut short (IncompleteRead)
            raise StoreUnavailable(f"lost the connection while reading {self._label}: {exc}") from exc
        n = len(data)
        buffer[:n] = data
        return n

    def close(self) -> None:
        if not self.closed:
            try:
                self._response.close()
                self._response.release_conn()
            finally:
                super().close()


_BAD_KEY_CHARS = re.compile(r"[\x00-\x1f\x7f\\]")


def _check_key(key: str, what: str = "archive key") -> None:
    """The second lock (naming.py sanitises first): no empty, `.` or `..` segments, no
    leading slash, no control characters or backslashes."""
    if not key or _BAD_KEY_CHARS.search(key) or any(part in ("", ".", "..") for part in key.split("/")):
        raise UsageError(f"not a valid {what}: {key!r}")


def _parse_bool(value: str, name: str) -> bool:
    v = value.strip().lower()
    if v in ("1", "true", "yes", "on"):
        return True
    if v in ("0", "false", "no", "off"):
        return False
    raise UsageError(f"store URL: {name}={value!r} is not true or false")


_URL_SCHEME = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_S3_OPTIONS = ("secure", "region", "create_bucket")


def open_store_url(url: str, **s3_options) -> ArchiveStore:
    """The store a URL names. Accepted forms:

    - a plain path (`/srv/dossier/archive`, `archive`, `~/archive`) or `file:///srv/archive`
      → `LocalStore`;
    - `s3://ACCESS:SECRET@host[:port]/bucket[/prefix/…][?secure=false&region=…&create_bucket=false]`
      → `S3Store`. `secure` defaults to true (HTTPS). Percent-encode `/ + @ : ? #` in the
      key and secret (`%2F`, `%2B`, …). Leave out `ACCESS:SECRET@` to take them from the
      environment: DOSSIER_S3_ACCESS_KEY and DOSSIER_S3_SECRET_KEY (keeps the secret out of
      the config file).

    `s3_options` are passed to `S3Store` (timeouts, attempts, spool_dir…) and override the URL.
    """
    if not _URL_SCHEME.match(url):
        return LocalStore(Path(url).expanduser())
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme == "file":
        if parts.netloc not in ("", "localhost"):
            raise UsageError(f"store URL {url!r}: file URLs name a local path (file:///path)")
        return LocalStore(Path(unquote(parts.path)))
    if scheme != "s3":
        raise UsageError(f"store URL scheme {parts.scheme!r} is not supported", hint="use a path, file:///path or s3://…")
    try:
        port = parts.port
    except ValueError as exc:
        raise UsageError(f"store URL: bad port in {_redact(url)!r}") from exc
    host = parts.netloc.rpartition("@")[2]
    if not parts.hostname:
        raise UsageError(f"store URL {_redact(url)!r} names no host")
    if port is None and host.endswith(":"):
        host = host[:-1]
    if parts.username is not None:
        access = unquote(parts.username)
        secret = unquote(parts.password or "")
    else:
        access = os.environ.get("DOSSIER_S3_ACCESS_KEY", "")
        secret = os.environ.get("DOSSIER_S3_SECRET_KEY", "")
    if bool(access) != bool(secret):
        raise UsageError("store URL: an S3 access key needs its secret key (and the other way round)")
    bucket, _, prefix = parts.path.lstrip("/").partition("/")
    if not bucket:
        raise UsageError(f"store URL {_redact(url)!r} names no bucket", hint="s3://host:port/bucket[/prefix]")
    options: dict = {}
    for name, values in parse_qs(parts.query, keep_blank_values=True).items():
        if name not in _S3_OPTIONS:
            raise UsageError(f"store URL: unknown option {name!r}", hint="known: " + ", ".join(_S3_OPTIONS))
        value = values[-1]
        options[name] = value if name == "region" else _parse_bool(value, name)
    options.update(s3_options)
    return S3Store(host, access or None, secret or None, unquote(bucket), prefix=unquote(prefix), **options)


def _redact(url: str) -> str:
    """The URL with any secret key replaced by ***."""
    return re.sub(r"^([A-Za-z][A-Za-z0-9+.-]*://[^:/@]*):[^@/]*@", r"\1:***@", url)
