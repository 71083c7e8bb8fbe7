"""S3Store against a real S3 protocol server: moto's standalone server on loopback, spoken to
over HTTP by the real minio client (nothing mocked)."""

from __future__ import annotations

import http.server
import io
import os
import random
import socket
import subprocess
import sys
import threading
import time
import urllib.request
import uuid
from pathlib import Path

import pytest

from extractors.errors import IntegrityError, SourceChanged, StoreUnavailable, UsageError
from ingest.crypto import encrypt_stream, new_identity_file, parse_recipients
from ingest.storage import LocalStore, S3Store, open_store_url

pytest.importorskip("moto.server", reason="needs moto[server] (pip install 'moto[server]')")

KEY = "客户档案/2026/杭州星澜信息科技有限公司/杭州星澜信息科技有限公司+营业执照副本+20261128.pdf"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3_endpoint(tmp_path_factory):
    """`127.0.0.1:<port>` of a moto S3 server running for this module."""
    port = _free_port()
    log = tmp_path_factory.mktemp("moto") / "server.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
            stdout=out, stderr=subprocess.STDOUT,
            env={**os.environ, "AWS_DEFAULT_REGION": "us-east-1"},
        )
    try:
        deadline = time.monotonic() + 20
        while True:
            if proc.poll() is not None:
                pytest.fail(f"moto server exited ({proc.returncode}):\n{log.read_text(errors='replace')[-2000:]}")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/moto-api/", timeout=1):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("moto server did not answer within 20 s")
                time.sleep(0.1)
        yield f"127.0.0.1:{port}"
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _store(endpoint: str, bucket: str | None = None, **kw) -> S3Store:
    return S3Store(endpoint, "testing", "testing", bucket or f"dossier-{uuid.uuid4().hex[:12]}", secure=False, **kw)


@pytest.fixture
def store(s3_endpoint) -> S3Store:
    """A fresh bucket (created by the store) for each test."""
    return _store(s3_endpoint, prefix="archive")


def _put(store: S3Store, key: str, data: bytes, chunk: int = 1 << 20) -> None:
    def write(fh):
        for i in range(0, len(data), chunk):
            fh.write(data[i : i + chunk])

    store.put_new(key, write)


def _read(store: S3Store, key: str) -> bytes:
    out = bytearray()
    with store.open(key) as src:
        while chunk := src.read(1 << 20):
            out += chunk
    return bytes(out)


def test_round_trip_of_20_mb_through_the_writer(store):
    payload = random.Random(20).randbytes(20_000_000)  # > one 16 MiB part: a multipart upload
    spilled = []

    def write(fh):
        for i in range(0, len(payload), 1 << 20):
            fh.write(payload[i : i + (1 << 20)])
        spilled.append(fh._rolled)  # the spool went to disk instead of holding 20 MB

    store.put_new(KEY, write)
    assert spilled == [True]
    stat = store._client.stat_object(store.bucket, "archive/" + KEY + ".age")
    assert stat.size == len(payload)
    assert stat.etag.endswith("-2")  # two parts: 16 MiB + the rest
    assert _read(store, KEY) == payload


def test_small_and_empty_objects(store):
    _put(store, "客户档案/2026/甲/小.pdf", b"tiny")
    _put(store, "客户档案/2026/甲/空.pdf", b"")
    assert _read(store, "客户档案/2026/甲/小.pdf") == b"tiny"
    assert _read(store, "客户档案/2026/甲/空.pdf") == b""


def test_chinese_keys_exist_and_list(store):
    keys = [
        KEY,
        "客户档案/2026/杭州星澜信息科技有限公司/杭州星澜信息科技有限公司+法定代表人身份证+20261128+2.jpg",
        "客户档案/2023/宁波海曙区（个体）张三五金店/宁波海曙区（个体）张三五金店+合同+20231015.pdf",
        "待确认/2026/未识别/未识别+经办人身份证+20261128.jpg",
    ]
    for i, k in enumerate(keys):
        _put(store, k, f"object {i}".encode())
    assert all(store.exists(k) for k in keys)
    assert not store.exists(KEY.replace("20261128", "20261129"))
    assert list(store.keys()) == sorted(keys)  # S3 lists in UTF-8 byte order = code point order
    # Stored under their real UTF-8 names (what another S3 tool would show), not escaped.
    names = {o.object_name for o in store._client.list_objects(store.bucket, recursive=True)}
    assert names == {"archive/" + k + ".age" for k in keys}
    assert _read(store, keys[2]) == b"object 2"


def test_keys_stay_inside_the_prefix_and_skip_stray_objects(s3_endpoint):
    bucket = f"dossier-{uuid.uuid4().hex[:12]}"
    a = _store(s3_endpoint, bucket, prefix="/site-a/")
    b = _store(s3_endpoint, bucket, prefix="site-b")
    plain = _store(s3_endpoint, bucket)
    _put(a, "客户档案/2026/甲/a.pdf", b"a")
    _put(b, "客户档案/2026/乙/b.pdf", b"b")
    for junk in ("site-a/notes.txt", "site-a/.incoming/x.age", "site-a/dir/"):
        a._client.put_object(bucket, junk, io.BytesIO(b"j"), 1)
    assert list(a.keys()) == ["客户档案/2026/甲/a.pdf"]
    assert list(b.keys()) == ["客户档案/2026/乙/b.pdf"]
    # Without a prefix the other stores' objects are just keys (".incoming/" is skipped only
    # at the store's own top level, as in LocalStore).
    assert list(plain.keys()) == ["site-a/.incoming/x", "site-a/客户档案/2026/甲/a.pdf", "site-b/客户档案/2026/乙/b.pdf"]
    assert not a.exists("客户档案/2026/乙/b.pdf")


def test_missing_key_is_a_clear_error(store):
    with pytest.raises(IntegrityError, match="not in the archive") as info:
        store.open(KEY)
    assert KEY in str(info.value)
    assert not store.exists(KEY)


def test_a_failing_writer_uploads_nothing(store):
    def write(fh):
        fh.write(os.urandom(1 << 20))
        raise SourceChanged("scan.pdf changed while it was being filed")

    with pytest.raises(SourceChanged):
        store.put_new(KEY, write)
    assert not store.exists(KEY)
    assert list(store._client.list_objects(store.bucket, recursive=True)) == []


def test_open_is_a_closable_stream_and_releases_the_response(store):
    _put(store, KEY, os.urandom(3 << 20))
    for _ in range(15):  # more than the pool's 10 connections: each one must come back
        with store.open(KEY) as src:
            assert src.readable()
            assert len(src.read(100)) == 100  # read part of it, then let go
        assert src.closed
        assert src.raw._response.closed
    assert len(_read(store, KEY)) == 3 << 20


@pytest.mark.parametrize("key", ["../escape.pdf", "/客户档案/a.pdf", "客户档案//a.pdf", "客户档案/./a.pdf", "a\x00b", "a\\b", ""])
def test_bad_keys_are_refused(store, key):
    with pytest.raises(UsageError):
        store.exists(key)
    with pytest.raises(UsageError):
        store.put_new(key, lambda fh: fh.write(b"x"))


def test_server_down_raises_store_unavailable_quickly():
    endpoint = f"127.0.0.1:{_free_port()}"  # nothing listens here
    start = time.monotonic()
    with pytest.raises(StoreUnavailable, match="unreachable after 3 attempts"):
        _store(endpoint, connect_timeout=1, backoff=0.05)
    down = _store(endpoint, create_bucket=False, connect_timeout=1, backoff=0.05)
    with pytest.raises(StoreUnavailable):
        down.exists(KEY)
    with pytest.raises(StoreUnavailable):
        down.put_new(KEY, lambda fh: fh.write(b"x"))
    with pytest.raises(StoreUnavailable):
        down.open(KEY)
    with pytest.raises(StoreUnavailable):
        list(down.keys())
    assert time.monotonic() - start < 5


def test_server_that_never_answers_times_out():
    with socket.socket() as silent:  # accepts connections (kernel backlog), never replies
        silent.bind(("127.0.0.1", 0))
        silent.listen(16)
        endpoint = f"127.0.0.1:{silent.getsockname()[1]}"
        start = time.monotonic()
        with pytest.raises(StoreUnavailable, match="unreachable"):
            _store(endpoint, connect_timeout=0.5, read_timeout=0.3, backoff=0.05)
        assert time.monotonic() - start < 4


class _FakeS3(http.server.BaseHTTPRequestHandler):
    """Scripted answers, one per request: (status, declared length, body)."""

    script: list = []
    seen: list = []

    def _answer(self):
        type(self).seen.append(self.command)
        status, length, body = type(self).script.pop(0) if type(self).script else (500, 0, b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(length))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.close_connection = True

    do_GET = do_HEAD = do_PUT = _answer

    def log_message(self, *args):
        pass


@pytest.fixture
def fake_s3():
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _FakeS3)
    _FakeS3.script, _FakeS3.seen = [], []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_server_errors_are_retried_then_succeed(fake_s3):
    _FakeS3.script = [(503, 0, b""), (503, 0, b""), (200, 0, b"")]
    s = _store(fake_s3, "bucket", create_bucket=False, region="us-east-1", backoff=0.01)
    assert s.exists(KEY)
    assert _FakeS3.seen == ["HEAD", "HEAD", "HEAD"]


def test_a_body_cut_short_is_not_a_short_read(fake_s3):
    _FakeS3.script = [(200, 1000, b"only ten b")]  # promises 1000 bytes, sends 10, hangs up
    s = _store(fake_s3, "bucket", create_bucket=False, region="us-east-1")
    with pytest.raises(StoreUnavailable, match="lost the connection"):
        with s.open(KEY) as src:
            while src.read(1 << 16):
                pass


def test_ciphertext_from_encrypt_stream_decrypts_with_the_age_cli(store, tmp_path):
    identity = tmp_path / "identity.txt"
    recipients = parse_recipients((new_identity_file(identity),))
    plaintext = random.Random(7).randbytes(3_000_000) + "营业执照".encode()
    result = {}

    def write(fh):
        result["plain"], result["cipher"], result["size"] = encrypt_stream(io.BytesIO(plaintext), fh, recipients)

    store.put_new(KEY, write)
    stored = tmp_path / "object.age"
    stored.write_bytes(_read(store, KEY))
    assert stored.stat().st_size == result["size"]
    out = subprocess.run(["age", "-d", "-i", str(identity), str(stored)], capture_output=True, check=True, timeout=30)
    assert out.stdout == plaintext


# --- open_store_url --------------------------------------------------------------------


def test_url_plain_paths_and_file_urls_are_local(tmp_path):
    assert isinstance(open_store_url(str(tmp_path)), LocalStore)
    assert open_store_url("archive").root == Path("archive")
    assert open_store_url(f"file://{tmp_path}/档案").root == tmp_path / "档案"


def test_url_s3_form_is_parsed():
    s = open_store_url("s3://AKIA:se%2Fcr%2Bet@minio.internal:9000/dossier/%E5%88%86%E6%89%80/杭州?secure=false&create_bucket=false")
    assert isinstance(s, S3Store)
    assert (s.endpoint, s.bucket, s.prefix, s.secure) == ("minio.internal:9000", "dossier", "分所/杭州/", False)
    creds = s._client._provider.retrieve()
    assert (creds.access_key, creds.secret_key) == ("AKIA", "se/cr+et")
    assert "se/cr+et" not in repr(s)
    default = open_store_url("s3://a:b@s3.example.com/bucket?create_bucket=0")
    assert (default.endpoint, default.prefix, default.secure) == ("s3.example.com", "", True)


def test_url_credentials_from_the_environment(monkeypatch):
    monkeypatch.setenv("DOSSIER_S3_ACCESS_KEY", "envkey")
    monkeypatch.setenv("DOSSIER_S3_SECRET_KEY", "envsecret")
    s = open_store_url("s3://127.0.0.1:9000/bucket?secure=false&create_bucket=false")
    assert s._client._provider.retrieve().access_key == "envkey"


@pytest.mark.parametrize(
    "url",
    [
        "s3://a:b@host:9000/?create_bucket=false",  # no bucket
        "s3://a:b@host:9000/x?create_bucket=false",  # not a valid bucket name (too short)
        "s3://a:b@host:9000/bucket?secure=maybe&create_bucket=false",
        "s3://a:b@host:9000/bucket?tls=false&create_bucket=false",  # unknown option
        "s3://a:b@host:notaport/bucket?create_bucket=false",
        "s3://a@host:9000/bucket?create_bucket=false",  # key without secret
        "ftp://host/archive",
        "file://otherhost/archive",
    ],
)
def test_url_mistakes_are_usage_errors(url, monkeypatch):
    monkeypatch.delenv("DOSSIER_S3_ACCESS_KEY", raising=False)
    monkeypatch.delenv("DOSSIER_S3_SECRET_KEY", raising=False)
    with pytest.raises(UsageError) as info:
        open_store_url(url)
    assert ":b@" not in str(info.value)


def test_url_store_works_end_to_end(s3_endpoint):
    s = open_store_url(f"s3://testing:testing@{s3_endpoint}/dossier-url-{uuid.uuid4().hex[:8]}/主库?secure=false")
    _put(s, KEY, "内容".encode())
    assert list(s.keys()) == [KEY]
    assert _read(s, KEY) == "内容".encode()


def test_cli_files_into_and_gets_from_s3_configured_by_archive_url(s3_endpoint, tmp_path):
    """`archive_url` in dossier.toml sends the archive to the bucket; credentials come from
    the environment, so the config holds no secret; `dossier get` reads it back."""
    import shutil

    from conftest import SAMPLES

    dossier = str(Path(sys.executable).with_name("dossier"))
    env = {**os.environ, "DOSSIER_S3_ACCESS_KEY": "testing", "DOSSIER_S3_SECRET_KEY": "testing"}

    def run(*args):
        return subprocess.run([dossier, *args], cwd=tmp_path / "site", capture_output=True, text=True, env=env, timeout=300)

    subprocess.run([dossier, "init", "site"], cwd=tmp_path, check=True, capture_output=True)
    cfg = tmp_path / "site" / "dossier.toml"
    bucket = f"dossier-cli-{uuid.uuid4().hex[:8]}"
    cfg.write_text(cfg.read_text(encoding="utf-8") + f'archive_url = "s3://{s3_endpoint}/{bucket}?secure=false"\n', encoding="utf-8")
    pdf = next(SAMPLES.glob("*.pdf"))  # a text layer: no OCR needed
    shutil.copy(pdf, tmp_path / "site" / "watch_dirs" / "inbox" / pdf.name)

    filed = run("ingest")
    assert filed.returncode == 0, filed.stdout + filed.stderr
    assert not (tmp_path / "site" / "archive").exists() or not any((tmp_path / "site" / "archive").rglob("*.age"))
    key = filed.stdout.split(" → ", 1)[1].split("  (", 1)[0]
    assert list(_store(s3_endpoint, bucket).keys()) == [key]

    got = run("get", "1", "-i", "keys/identity.txt", "-o", str(tmp_path / "back.pdf"))
    assert got.returncode == 0, got.stderr
    assert (tmp_path / "back.pdf").read_bytes() == pdf.read_bytes()

    # The object in the bucket is a standard age file.
    with _store(s3_endpoint, bucket).open(key) as fh:
        (tmp_path / "raw.age").write_bytes(fh.read())
    plain = subprocess.run(["age", "-d", "-i", str(tmp_path / "site" / "keys" / "identity.txt"), str(tmp_path / "raw.age")], capture_output=True, check=True).stdout
    assert plain == pdf.read_bytes()


def test_backup_to_a_bucket_and_restore_from_it(s3_endpoint, tmp_path):
    import shutil

    from conftest import SAMPLES
    from ingest.backup import restore
    from ingest.catalogue import open_catalogue
    from ingest.crypto import load_identities

    dossier = str(Path(sys.executable).with_name("dossier"))
    subprocess.run([dossier, "init", "site"], cwd=tmp_path, check=True, capture_output=True)
    site = tmp_path / "site"
    shutil.copy(next(SAMPLES.glob("*.pdf")), site / "watch_dirs" / "inbox" / "a.pdf")
    subprocess.run([dossier, "ingest"], cwd=site, check=True, capture_output=True)
    target = f"s3://testing:testing@{s3_endpoint}/offsite-{uuid.uuid4().hex[:8]}?secure=false"
    out = subprocess.run([dossier, "backup", "--full", "--to", target], cwd=site, capture_output=True, text=True)
    assert out.returncode == 0 and "1 objects copied" in out.stdout, out.stderr

    archive = LocalStore(tmp_path / "restored")
    restore(open_catalogue(f"sqlite:///{tmp_path / 'restored.db'}"), archive, open_store_url(target), load_identities(site / "keys" / "identity.txt"))
    original = next((site / "archive").rglob("*.age"))
    key = str(original.relative_to(site / "archive"))[: -len(".age")]
    assert list(archive.keys()) == [key]
    assert (tmp_path / "restored" / f"{key}.age").read_bytes() == original.read_bytes()
