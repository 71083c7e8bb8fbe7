"""Off-site backups (SPEC.md §6): full and incremental copies of the encrypted archive and
its catalogue to a second store (a folder or a bucket), and restore from them.

The objects are copied as they are (already age-encrypted). The catalogue goes along as an
age-encrypted JSON dump in every backup set, beside an age-encrypted manifest of the
objects. Which objects an incremental must copy is known from the catalogue's own record of
the last backup to the same target, so backing up needs no private key; restoring does.

Layout in the target: the archive's own keys, plus `_backups/<set>/manifest.json` and
`_backups/<set>/catalogue.json` (each `.age`), sets named `20261128T020000123456Z-full`.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
import shutil
from dataclasses import dataclass

from sqlalchemy import DateTime, LargeBinary, func, select, text
from sqlalchemy.orm import Session, sessionmaker

from extractors.errors import IntegrityError, UsageError

from .catalogue import Base, BackupSet, Document, audit, utcnow
from .crypto import HashingReader, decrypt_stream, encrypt_stream
from .storage import ArchiveStore

PREFIX = "_backups"


@dataclass(frozen=True)
class BackupResult:
    name: str
    copied: int
    objects: int


def public_name(target: str) -> str:
    """The target as it may be recorded: credentials removed."""
    return re.sub(r"//[^/@]*@", "//", target)


def backup(sessions: sessionmaker[Session], archive: ArchiveStore, target: ArchiveStore, target_name: str, recipients: list, *, full: bool, actor: str = "dossier") -> BackupResult:
    where = public_name(target_name)
    with sessions() as session:
        current = {
            d.archive_key: d.ciphertext_sha256
            for d in session.scalars(select(Document).where(Document.status != "filing"))
        }
        last = session.scalar(select(BackupSet).where(BackupSet.target == where).order_by(BackupSet.id.desc()))
        if not full and last is None:
            raise UsageError(f"no backup to {where} yet: an incremental needs a full one first", hint="run dossier backup --full")
        before = {} if full else last.objects
        changed = sorted(k for k, sha in current.items() if before.get(k) != sha)
        for key in changed:
            _copy(archive, target, key, current[key])
        kind = "full" if full else "incremental"
        name = f"{utcnow():%Y%m%dT%H%M%S%fZ}-{kind}"
        session.add(BackupSet(name=name, target=where, kind=kind, objects=current))
        audit(session, actor, "backup", detail=f"{name} to {where}: {len(changed)} copied, {len(current)} in all")
        session.flush()
        # The dump is taken after the set is recorded, so a restored catalogue knows its
        # backups and the next incremental continues the chain.
        _put_json(target, f"{PREFIX}/{name}/catalogue.json", dump_catalogue(session), recipients)
        _put_json(target, f"{PREFIX}/{name}/manifest.json", {"name": name, "kind": kind, "objects": current, "copied": changed}, recipients)
        session.commit()
    return BackupResult(name, len(changed), len(current))


def restore(sessions: sessionmaker[Session], archive: ArchiveStore, source: ArchiveStore, identities: list, *, actor: str = "dossier") -> BackupResult:
    """Rebuild archive and catalogue from the newest backup set in `source` (its manifest
    lists every object of its time; the full set and the incrementals since put them
    there). The catalogue must be empty: restore never merges into live data."""
    sets = sorted({k.split("/")[1] for k in source.keys() if k.startswith(PREFIX + "/")})
    fulls = [i for i, n in enumerate(sets) if n.endswith("-full")]
    if not fulls:
        raise UsageError("no full backup found there", hint="is this the backup target?")
    latest = sets[-1]
    with sessions() as session:
        if session.scalar(select(func.count()).select_from(Document)):
            raise UsageError("the catalogue is not empty", hint="restore into a new database_url")
        manifest = _get_json(source, f"{PREFIX}/{latest}/manifest.json", identities)
        for key, sha in manifest["objects"].items():
            _copy(source, archive, key, sha)
        load_catalogue(session, _get_json(source, f"{PREFIX}/{latest}/catalogue.json", identities))
        audit(session, actor, "restore", detail=f"{latest}: {len(manifest['objects'])} objects")
        session.commit()
    return BackupResult(latest, len(manifest["objects"]), len(manifest["objects"]))


def _copy(src: ArchiveStore, dst: ArchiveStore, key: str, sha256: str | None) -> None:
    """Copy one object as it is, checking it is the one the catalogue recorded."""
    with src.open(key) as fh:
        reader = HashingReader(fh)
        dst.put_new(key, lambda out: shutil.copyfileobj(reader, out, 1 << 20))
    if sha256 and reader.sha256.hexdigest() != sha256:
        raise IntegrityError(f"{key} is not what was filed (ciphertext hash differs)", hint="run dossier verify")


def _put_json(store: ArchiveStore, key: str, data: dict, recipients: list) -> None:
    payload = json.dumps(data, ensure_ascii=False, default=_jsonable).encode("utf-8")
    store.put_new(key, lambda out: encrypt_stream(io.BytesIO(payload), out, recipients))


def _get_json(store: ArchiveStore, key: str, identities: list) -> dict:
    out = io.BytesIO()
    with store.open(key) as fh:
        decrypt_stream(fh, out, identities)
    return json.loads(out.getvalue().decode("utf-8"))


def _jsonable(value):
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, bytes | memoryview):  # evidence crops: already age-encrypted
        return base64.b64encode(bytes(value)).decode("ascii")
    raise TypeError(f"cannot serialise {type(value).__name__}")


def dump_catalogue(session: Session) -> dict:
    return {t.name: [dict(r._mapping) for r in session.execute(t.select())] for t in Base.metadata.sorted_tables}


def load_catalogue(session: Session, dump: dict) -> None:
    for table in Base.metadata.sorted_tables:
        rows = dump.get(table.name, [])
        dates = [c.name for c in table.columns if isinstance(c.type, DateTime)]
        blobs = [c.name for c in table.columns if isinstance(c.type, LargeBinary)]
        for row in rows:
            for c in dates:
                if row.get(c):
                    row[c] = dt.datetime.fromisoformat(row[c])
            for c in blobs:
                if row.get(c) is not None:
                    row[c] = base64.b64decode(row[c])
        if rows:
            session.execute(table.insert(), rows)
    if session.get_bind().dialect.name == "postgresql":
        # Rows came with their ids: move each id sequence past them.
        for table in Base.metadata.sorted_tables:
            if "id" in table.c:
                session.execute(text(f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"))
