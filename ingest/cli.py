"""The `dossier` command. It only translates: arguments in, library calls, results and
exit codes out. Errors are mapped to exit codes here and nowhere else:

    0  everything asked for was done
    1  unexpected failure (a bug: please report it with the message)
    2  wrong usage or configuration
    3  some input was rejected (quarantined, or CRM rows refused)
    4  something must be retried later (store or database unreachable, file still changing)
    5  the archive does not match its catalogue (a file read back is not what was filed)
    6  a key or permission is missing or wrong
    16-23  `dossier verify` found problems: 16 + 1 missing + 2 corrupt + 4 orphaned
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console

from extractors.errors import DossierError, InputRejected, UsageError

console = Console(highlight=False, markup=False, soft_wrap=True)
err = Console(stderr=True, highlight=False, markup=False, soft_wrap=True)

app = typer.Typer(
    name="dossier",
    help=(
        "dossier turns scanner output into a verified, encrypted customer archive.\n\n"
        "Scans of business licences (营业执照), ID cards (身份证), contract pages and other "
        "customer documents are read (OCR or a PDF's text layer), their unified social credit "
        "code and names are checked against the CRM, and each file is renamed "
        "客户名称+资料类型+日期.ext and filed, age-encrypted, under 客户档案/<年份>/<客户名称>/.\n\n"
        "Start with `dossier init`, load customers with `dossier crm import`, then "
        "`dossier ingest`."
    ),
    no_args_is_help=True,
    rich_markup_mode=None,
    pretty_exceptions_enable=False,
)
bench_app = typer.Typer(help="Measurements: accuracy and speed (benchmarks, not tests).", no_args_is_help=True)
crm_app = typer.Typer(help="The CRM mirror: customers dossier matches documents against.", no_args_is_help=True)
app.add_typer(crm_app, name="crm")
app.add_typer(bench_app, name="bench")

ConfigOpt = Annotated[
    Optional[Path],
    typer.Option("--config", "-c", help="Config file. Default: ./dossier.toml, or $DOSSIER_CONFIG.", show_default=False),
]


def _settings(config: Path | None):
    from .config import config_path, load_settings

    return load_settings(config_path(config))


def _store(settings):
    from .storage import open_store

    url = settings.archive_url.get_secret_value() if settings.archive_url else None
    return open_store(settings.archive_root, url)


def _run(fn):
    """Call fn, turning dossier's errors into a message and their exit code."""
    try:
        return fn()
    except DossierError as exc:
        err.print(f"dossier: error: {exc.message}")
        if exc.hint:
            err.print(f"  hint: {exc.hint}")
        raise typer.Exit(exc.exit_code) from None


@app.command()
def init(
    directory: Annotated[Path, typer.Argument(help="Folder to set up (created if needed).")] = Path("."),
    department: Annotated[str, typer.Option(help="部门代码 for archive numbers, e.g. SALE.")] = "SALE",
    force: Annotated[bool, typer.Option(help="Overwrite an existing dossier.toml (never an existing key).")] = False,
) -> None:
    """Write a commented dossier.toml, a new age key pair and the default folders, and
    create the catalogue database.

    The private key goes to keys/identity.txt (mode 0600). Ingesting needs only the public
    recipient written into the config: move the identity to the archivists' machine.
    """

    def go():
        from .catalogue import open_catalogue
        from .config import CONFIG_TEMPLATE, load_settings
        from .crypto import new_identity_file, new_secret_file

        directory.mkdir(parents=True, exist_ok=True)
        cfg = directory / "dossier.toml"
        if cfg.exists() and not force:
            raise UsageError(f"{cfg} exists", hint="use --force to rewrite it")
        identity = directory / "keys" / "identity.txt"
        if identity.exists():
            from .crypto import load_identities

            recipient = str(load_identities(identity)[0].to_public())
        else:
            recipient = new_identity_file(identity)
        id_key = directory / "keys" / "id-hash.key"
        if not id_key.exists():
            new_secret_file(id_key)
        cfg.write_text(CONFIG_TEMPLATE.format(department=department.upper(), recipient=recipient, identity="keys/identity.txt"), encoding="utf-8")
        settings = load_settings(cfg)
        for d in settings.watch_dirs:
            d.mkdir(parents=True, exist_ok=True)
        settings.archive_root.mkdir(parents=True, exist_ok=True)
        open_catalogue(settings.database_url)
        console.print(f"wrote {cfg}")
        console.print(f"wrote {identity} (private key, mode 0600: keep it off ingest machines)")
        console.print(f"wrote {id_key} (ID-number hash key, mode 0600: needed to ingest)")
        console.print(f"public recipient: {recipient}")
        console.print(f"catalogue: {settings.database_url}")

    _run(go)


@crm_app.command("import")
def crm_import(
    file: Annotated[Path, typer.Argument(help="CRM export: .csv (UTF-8 or GBK) or .xlsx, header row with Chinese column names.")],
    config: ConfigOpt = None,
) -> None:
    """Load customers from a CRM export, upserting by 统一社会信用代码.

    Expected columns: 客户名称, 统一社会信用代码, 法定代表人, 客户经理, 部门, 联系人,
    联系电话, 合同编号, 客户分类 (map others with crm_columns in the config). Rows with a
    missing name, a USCC failing its check character or a USCC repeated in the file are
    listed and skipped; the good rows load. Exit code 3 when any row was rejected.
    """

    def go():
        from .catalogue import open_catalogue
        from .crm_import import import_customers, read_table

        settings = _settings(config)
        if not file.exists():
            raise UsageError(f"{file} does not exist")
        sessions = open_catalogue(settings.database_url)
        with sessions() as session:
            report = import_customers(session, read_table(file), settings.crm_columns)
        for r in report.rejected:
            console.print(f"rejected row {r.row}: {r.reason}")
        console.print(f"{report.inserted} customers added, {report.updated} updated, {len(report.rejected)} rows rejected")
        return 3 if report.rejected else 0

    code = _run(go)
    raise typer.Exit(code)


@app.command()
def ingest(
    paths: Annotated[Optional[list[Path]], typer.Argument(help="Files or folders. Default: the configured watch folders.", show_default=False)] = None,
    config: ConfigOpt = None,
) -> None:
    """File every scan found: read, extract, match against the CRM, rename, encrypt, catalogue.

    Each file is removed from its folder only once its encrypted copy is stored and
    catalogued. A file whose customer is not known is filed under 待确认/ for review; a
    file that cannot be processed is moved to a quarantine folder next to its inbox with a
    <name>.error.txt saying why. Subfolders are read too: a subfolder named after a
    customer (inbox/<客户名称>/scan.jpg) says whose the file is when the document does not.
    One line per file, then a summary. Exit code 0 when every file was filed, 3 when any
    was quarantined, 4 when any must be retried.
    """

    def go():
        from .catalogue import open_catalogue
        from .pipeline import drop_files, make_context, process_file
        from extractors.ocr import make_engine

        settings = _settings(config)
        sessions = open_catalogue(settings.database_url)
        ctx = make_context(settings, make_engine(settings.ocr_engine), _store(settings), sessions)
        files = list(drop_files(paths, settings))  # listed first: filing removes files
        counts: dict[str, int] = {}
        for path, folder in files:
            out = process_file(path, ctx, folder=folder)
            counts[out.status] = counts.get(out.status, 0) + 1
            where = f" → {out.key}" if out.key else ""
            kind = f" [{out.doc_type}]" if out.doc_type else ""
            # Relative to its drop folder: two customers' folders may both hold a licence.jpg.
            shown = path.resolve().relative_to(folder.path.resolve()).as_posix() if folder else path.name
            console.print(f"{out.status:<12} {shown}{kind}{where}  ({out.message})")
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing to do"
        console.print(f"{len(files)} files: {summary}")
        if counts.get("retry"):
            return 4
        return 3 if counts.get("quarantined") else 0

    raise typer.Exit(_run(go))


@app.command()
def extract(
    paths: Annotated[list[Path], typer.Argument(help="Files or folders to read.")],
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object per line (the stable interface).")] = False,
    engine_name: Annotated[Optional[str], typer.Option("--engine", help="OCR engine (default: the configured one): rapidocr+tesseract, rapidocr, rapidocr-v4, tesseract.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Read documents and print what they say, without filing anything or touching the
    catalogue.

    With --json, one object per file per line:
    {"path", "doc_type", "doc_type_confidence", "fields": {name: value},
    "confidence": {name: 0..1}, "status": {name: read|repaired|unreadable},
    "evidence": {name: {"page", "box": [x, y, w, h]}}, "warnings": [...]}. Boxes are in the
    pixels of the prepared page (levelled, upright, scaled to the reading text size).
    A file that cannot be read gives {"path", "error"}. Field names are listed in the README.
    """

    def go():
        from .pipeline import expand_paths
        from extractors.fields import extract as extract_fields
        from extractors.ocr import make_engine
        from extractors.reading import read_document, receive

        engine = make_engine(engine_name or _settings(config).ocr_engine)
        failed = 0
        for path in expand_paths(paths):
            try:
                ex = extract_fields(read_document(receive(path), engine), today=dt.date.today())
            except InputRejected as exc:
                failed += 1
                if as_json:
                    print(json.dumps({"path": str(path), "error": str(exc)}, ensure_ascii=False))
                else:
                    console.print(f"{path}: cannot read: {exc}")
                continue
            record = extraction_json(ex)
            if as_json:
                print(json.dumps(record, ensure_ascii=False), flush=True)
            else:
                print(f"{path}  {ex.doc_type} ({ex.doc_type_confidence:.2f})")
                for name, value in record["fields"].items():
                    print(f"  {name:<24} {value}  ({record['status'][name]}, {record['confidence'][name]:.2f})")
                for w in ex.warnings:
                    print(f"  warning: {w}")
        return 3 if failed else 0

    raise typer.Exit(_run(go))


def extraction_json(ex) -> dict:
    return {
        "path": str(ex.file.path),
        "doc_type": ex.doc_type,
        "doc_type_confidence": ex.doc_type_confidence,
        "fields": {k: f.value for k, f in ex.fields.items()},
        "confidence": {k: f.confidence for k, f in ex.fields.items()},
        "status": {k: f.status for k, f in ex.fields.items()},
        "evidence": {
            k: {"page": f.page, "box": [f.box.x, f.box.y, f.box.w, f.box.h] if f.box else None}
            for k, f in ex.fields.items()
        },
        "warnings": list(ex.warnings),
        "checks": [{"kind": getattr(w, "kind", "document_check"), "message": str(w), "fields": list(getattr(w, "fields", ()))}
                   for w in ex.warnings],
    }


@app.command()
def get(
    document: Annotated[str, typer.Argument(help="Document id (a number) or archive key.")],
    identity: Annotated[Path, typer.Option("--identity", "-i", help="age identity file (private key).")],
    output: Annotated[Path, typer.Option("--output", "-o", help="Where to write the decrypted file.")],
    reason: Annotated[str, typer.Option(help="Why you need it: recorded in the audit log.")] = "",
    config: ConfigOpt = None,
) -> None:
    """Decrypt one filed document. Every call is recorded in the audit log (who, when,
    which document, why) before anything is written."""

    def go():
        from .archive import get_document
        from .catalogue import open_catalogue

        settings = _settings(config)
        doc = get_document(open_catalogue(settings.database_url), _store(settings), document, identity, output, reason)
        console.print(f"wrote {output} ({doc.archive_key}, sha256 verified)")

    _run(go)


@app.command("report")
def report_cmd(
    fmt: Annotated[str, typer.Option("--format", "-f", help="html, xlsx, csv or json.")] = "html",
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="File to write (XLSX needs one). Default: stdout.")] = None,
    manager: Annotated[Optional[str], typer.Option(help="Only this customer manager's customers.")] = None,
    status: Annotated[Optional[str], typer.Option(help="Only open or decided findings.")] = None,
    identity: Annotated[Optional[Path], typer.Option("--identity", "-i", help="age identity: shows the crop each value was read from (audited).")] = None,
    full_values: Annotated[bool, typer.Option("--full-values", help="Do not mask the middle of ID numbers in crops.")] = False,
    reason: Annotated[str, typer.Option(help="Why the crops are decrypted: recorded in the audit log.")] = "review report",
    today: Annotated[Optional[str], typer.Option(help="Date deadlines count to (YYYY-MM-DD). Default: today.")] = None,
    config: ConfigOpt = None,
) -> None:
    """The reviewers' report: every finding (each value that disagrees with the CRM beside
    the CRM's, with its verdict, score and, given an identity, the crop of the page it was
    read from), and each customer's completeness against SPEC.md §5's checklist with due
    dates in Chinese working days. HTML works offline (one file, filterable by manager and
    status); XLSX and CSV hold the same rows; JSON is for machines."""

    def go():
        from .catalogue import current_actor, open_catalogue
        from .crypto import load_identities
        from .report import attach_crops, collect, write

        if fmt not in ("html", "xlsx", "csv", "json"):
            raise UsageError(f"unknown format {fmt!r}", hint="html, xlsx, csv or json")
        if status not in (None, "open", "decided"):
            raise UsageError(f"unknown status {status!r}", hint="open or decided")
        if fmt == "xlsx" and output is None:
            raise UsageError("XLSX needs a file", hint="-o report.xlsx")
        settings = _settings(config)
        sessions = open_catalogue(settings.database_url)
        day = dt.date.fromisoformat(today) if today else dt.date.today()
        with sessions() as session:
            rep = collect(session, settings, today=day, manager=manager, status=status)
            if identity is not None and fmt == "html":
                rep = attach_crops(session, rep, load_identities(identity), actor=current_actor(), reason=reason, full_values=full_values)
        text = write(rep, fmt, output)
        if text is not None:
            sys.stdout.write(text)
        else:
            err.print(f"wrote {output}: {len(rep.rows)} findings, {len(rep.customers)} customers")

    _run(go)


@app.command("review")
def review_cmd(
    document: Annotated[int, typer.Argument(help="Document id (from `dossier report`).")],
    accept_scan: Annotated[bool, typer.Option("--accept-scan", help="The document is right; the CRM is to be corrected.")] = False,
    keep_crm: Annotated[bool, typer.Option("--keep-crm", help="The CRM is right; the document or its reading is not.")] = False,
    customer: Annotated[Optional[str], typer.Option("--customer", help="Re-file the document under this customer (id, USCC or name).")] = None,
    resolve: Annotated[bool, typer.Option("--resolve", help="Settled otherwise: say how in --reason.")] = False,
    reason: Annotated[str, typer.Option(help="Why (recorded).")] = "",
    by: Annotated[str, typer.Option(help="Who decides (recorded).")] = "",
    config: ConfigOpt = None,
) -> None:
    """Record a review decision on a document: who, when, why. It closes the document's
    open findings; --customer re-files it under that customer (folder and name follow; its
    audit trail stays with it)."""

    def go():
        from .catalogue import current_actor, open_catalogue
        from .review import decide

        chosen = [n for n, on in (("accept_scan", accept_scan), ("keep_crm", keep_crm), ("reassign", customer is not None), ("resolve", resolve)) if on]
        if len(chosen) != 1:
            raise UsageError("give exactly one of --accept-scan, --keep-crm, --customer, --resolve")
        settings = _settings(config)
        with open_catalogue(settings.database_url)() as session:
            out = decide(session, _store(settings), document, chosen[0], by=by or current_actor(), reason=reason,
                         customer=customer, department=settings.department)
        moved = f"; moved {out.moved_from} → {out.archive_key}" if out.moved_from else ""
        console.print(f"document {out.document_id}: {out.decision}, {out.findings_closed} findings closed{moved}")

    _run(go)


@app.command("audit")
def audit_log(
    customer: Annotated[Optional[str], typer.Option(help="Customer id, USCC, or part of the name.")] = None,
    by: Annotated[Optional[str], typer.Option(help="Who (the user recorded).")] = None,
    action: Annotated[Optional[str], typer.Option(help="file, get, verify, open_archive, crm_import, …")] = None,
    since: Annotated[Optional[str], typer.Option(help="From this date or time (YYYY-MM-DD[THH:MM]), UTC.")] = None,
    until: Annotated[Optional[str], typer.Option(help="Before this date or time, UTC.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Who did what to which customer's files, when and why: one line per entry, oldest
    first. Every filing, decryption (get), verification and import is recorded."""

    def when(text: str | None) -> dt.datetime | None:
        if not text:
            return None
        try:
            value = dt.datetime.fromisoformat(text)
        except ValueError:
            raise UsageError(f"not a date or time: {text!r}", hint="use YYYY-MM-DD or YYYY-MM-DDTHH:MM") from None
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)

    def go():
        from .archive import audit_entries
        from .catalogue import open_catalogue

        settings = _settings(config)
        with open_catalogue(settings.database_url)() as session:
            rows = audit_entries(session, customer=customer, actor=by, action=action, since=when(since), until=when(until))
        for entry, name, key in rows:
            at = entry.at.astimezone(dt.UTC) if entry.at.tzinfo else entry.at
            what = key or entry.detail
            why = f"  why: {entry.reason}" if entry.reason else ""
            console.print(f"{at:%Y-%m-%d %H:%M:%S}  {entry.actor:<12} {entry.action:<12} {name or '-'}  {what}{why}")
        console.print(f"{len(rows)} entries")

    _run(go)


@app.command("backup")
def backup_cmd(
    to: Annotated[str, typer.Option("--to", help="Off-site target: a folder, or s3://host:port/bucket/prefix.")],
    full: Annotated[bool, typer.Option("--full/--incremental", help="Copy everything, or only what changed since the last backup to this target.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Copy the encrypted archive and an encrypted catalogue dump to a second storage. No
    private key is needed. Daily incremental and weekly full, e.g. in root's crontab:

        30 1 * * 1-6  cd /srv/dossier && dossier backup --incremental --to /mnt/offsite/dossier
        30 1 * * 0    cd /srv/dossier && dossier backup --full --to /mnt/offsite/dossier
    """

    def go():
        from .backup import backup
        from .catalogue import open_catalogue
        from .crypto import parse_recipients
        from .storage import open_store_url

        settings = _settings(config)
        result = backup(open_catalogue(settings.database_url), _store(settings), open_store_url(to), to, parse_recipients(settings.require_recipients()), full=full)
        console.print(f"{result.name}: {result.copied} objects copied, {result.objects} in the archive")

    _run(go)


@app.command("restore")
def restore_cmd(
    source: Annotated[str, typer.Option("--from", help="The backup target to restore from.")],
    identity: Annotated[Path, typer.Option("--identity", "-i", help="age identity that can decrypt the catalogue dump.")],
    config: ConfigOpt = None,
) -> None:
    """Rebuild the archive and the catalogue (configured in dossier.toml, which must be
    empty) from the newest backup set in SOURCE: the last full backup and the incrementals
    since. Run `dossier verify -i IDENTITY` afterwards."""

    def go():
        from .backup import restore
        from .catalogue import open_catalogue
        from .crypto import load_identities
        from .storage import open_store_url

        settings = _settings(config)
        result = restore(open_catalogue(settings.database_url), _store(settings), open_store_url(source), load_identities(identity))
        console.print(f"restored {result.name}: {result.objects} objects and the catalogue")

    _run(go)


@app.command()
def verify(
    identity: Annotated[Optional[Path], typer.Option("--identity", "-i", help="age identity: also decrypt every file and check it against the original's SHA-256 (audited).")] = None,
    config: ConfigOpt = None,
) -> None:
    """Check the archive against the catalogue: every catalogued file present and
    unchanged (its ciphertext hash; with --identity, decrypting to the original's SHA-256),
    and no object the catalogue does not know. Lists missing, corrupt and orphaned files.
    Exit code 0 when clean, else 16 + 1 (missing) + 2 (corrupt) + 4 (orphaned): 23 means all
    three. Nothing is changed or deleted."""

    def go():
        from .catalogue import open_catalogue
        from .verify import verify as run_verify

        settings = _settings(config)
        report = run_verify(open_catalogue(settings.database_url), _store(settings), identity)
        for key in report.missing:
            console.print(f"missing   {key}")
        for key, why in report.corrupt:
            console.print(f"corrupt   {key}: {why}")
        for key in report.orphaned:
            console.print(f"orphaned  {key}")
        for key in report.in_progress:
            console.print(f"filing    {key} (reserved, not confirmed: an interrupted ingest; re-run it)")
        how = "decrypted and hashed" if report.decrypted else "ciphertext hashed"
        console.print(
            f"{report.checked} files checked ({how}): {len(report.missing)} missing, "
            f"{len(report.corrupt)} corrupt, {len(report.orphaned)} orphaned"
        )
        return report.exit_code

    raise typer.Exit(_run(go))


@app.command()
def watch(
    folders: Annotated[Optional[list[Path]], typer.Argument(help="Folders to watch. Default: every configured watch folder (watch_dirs and [[dossier.folders]]).", show_default=False)] = None,
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="OCR worker processes. Default: the cores less one, at least 1.", show_default=False)] = None,
    settle: Annotated[Optional[float], typer.Option(help="Seconds a file's size and mtime must stay unchanged before it is taken. Default: watch_settle_seconds (2).", show_default=False)] = None,
    rescan: Annotated[Optional[float], typer.Option(help="Seconds between full re-listings of the folders, for missed events. Default: watch_rescan_seconds (60).", show_default=False)] = None,
    polling: Annotated[bool, typer.Option("--polling", help="Poll the folders instead of waiting for change events (network shares: SMB and NFS deliver none).")] = False,
    verbose: Annotated[bool, typer.Option("--verbose", "-v", help="Also log each file taken and each file waited for, on stderr.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Watch the drop folders and file each scan as it lands, until SIGTERM or Ctrl-C.

    Files already there, or that arrived while dossier was not running, are filed first.
    A file is taken once it has settled: its size and mtime unchanged for --settle seconds
    and it opens as a whole image or PDF (a scanner still writing it is waited for);
    `.part`, `.tmp`, `~$…` and hidden files are left alone until renamed. A file in a
    subfolder named after a customer (inbox/客户名称/scan.jpg) is filed under that customer
    when the document itself does not say. The folders are also re-listed every --rescan
    seconds. One line per document, as `dossier ingest` prints; on SIGTERM or SIGINT the
    documents being read are finished, a summary is printed and the exit code is 0.
    """

    def go():
        from .watch import Watcher, folders_to_watch, stop_on_signals

        if verbose:
            logging.getLogger("dossier").setLevel(logging.INFO)
        settings = _settings(config)
        watched = folders_to_watch(settings, folders, polling)

        def report(out) -> None:
            where = f" → {out.key}" if out.key else ""
            kind = f" [{out.doc_type}]" if out.doc_type else ""
            console.print(f"{out.status:<12} {out.path.name}{kind}{where}  ({out.message})")
            sys.stdout.flush()

        watcher = Watcher(settings, watched, jobs=jobs, settle=settle, rescan=rescan, report=report)

        def ready() -> None:
            for f in watcher.folders:
                console.print(f"watching {f.path} ({'polling' if f.polling else 'events'})")
            console.print(f"{watcher.jobs} OCR process(es); files taken after {watcher.settle:g} s unchanged; re-scan every {watcher.rescan:g} s")
            sys.stdout.flush()

        with stop_on_signals() as stop:
            counts = watcher.run(stop, on_ready=ready)
        summary = ", ".join(f"{n} {s}" for s, n in sorted(counts.items())) or "nothing filed"
        console.print(f"stopped: {sum(counts.values())} files: {summary}")
        return 0

    raise typer.Exit(_run(go))


@bench_app.command("accuracy")
def bench_accuracy(
    folder: Annotated[Path, typer.Argument(help="Labelled documents: X.png/X.jpg/X.pdf with ground truth X.json beside each.")],
    engine: Annotated[Optional[str], typer.Option(help="OCR engine (default: the configured one).")] = None,
    today: Annotated[Optional[str], typer.Option(help="Date expiry checks count from (YYYY-MM-DD).")] = None,
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Processes (each times its pages on one core).")] = 1,
    misses: Annotated[bool, typer.Option("--misses", help="List every wrong or missing value.")] = False,
    config: ConfigOpt = None,
) -> None:
    """Extract every labelled document in FOLDER and print, per field: exact-match rate,
    character error rate, unreadable count and wrong-but-valid codes; per document type:
    classification right; and median seconds per scanned page split into preparation, OCR
    and the rest. Make a labelled set with `python samples/generate.py --out DIR --seed N
    --count-per-type K`; report its seed with the figures."""

    def go():
        from .bench import accuracy, format_accuracy
        from extractors.ocr import make_engine

        name = engine or _settings(config).ocr_engine
        eng = make_engine(name)  # made here too, so a bad name fails before any work
        day = dt.date.fromisoformat(today) if today else dt.date.today()
        print(f"engine {eng.name}, {folder}, {jobs} process(es)")
        report = accuracy(folder, name if jobs > 1 else eng, day, jobs=jobs)
        print(format_accuracy(report, show_misses=misses))

    _run(go)


@bench_app.command("matching")
def bench_matching(
    customers: Annotated[int, typer.Option(help="CRM size to generate.")] = 1_000_000,
    queries: Annotated[int, typer.Option(help="Documents resolved (a third each: USCC, name, name misread).")] = 300,
    workdir: Annotated[Path, typer.Option(help="Where the generated catalogue is kept (reused by later runs).")] = Path("/tmp/dossier-bench-matching"),
    database_url: Annotated[Optional[str], typer.Option(help="Use this (empty) database instead, e.g. PostgreSQL.")] = None,
) -> None:
    """Customer resolution at scale: generate a CRM of --customers customers (once), then
    time `resolve_customer` per document by USCC, by name, and by a name with one character
    misread (median and p95 ms, and how often the right customer was found)."""

    def go():
        from .bench_matching import run

        workdir.mkdir(parents=True, exist_ok=True)
        console.print(run(customers, workdir, queries, database_url))

    _run(go)


@bench_app.command("crosscheck")
def bench_crosscheck(
    scans: Annotated[Path, typer.Argument(help="Scans written by samples/generate.py.")],
    crm: Annotated[Path, typer.Option(help="Its CRM export (generate.py --crm); <stem>_planted.json beside it.")],
    engine: Annotated[Optional[str], typer.Option(help="OCR engine (default: rapidocr+tesseract).")] = None,
    today: Annotated[Optional[str], typer.Option(help="Date the checks count from (YYYY-MM-DD).")] = None,
) -> None:
    """Precision and recall of the CRM cross-check on planted disagreements: files the scans
    into a throw-away site with that CRM and compares the review report with the plants."""

    def go():
        from .bench_crosscheck import crosscheck

        planted = crm.with_name(f"{crm.stem}_planted.json")
        score = crosscheck(scans, crm, planted, engine=engine or "rapidocr+tesseract",
                           today=dt.date.fromisoformat(today) if today else None)
        console.print(score.format())

    _run(go)


@bench_app.command("encryption")
def bench_encryption(
    size: Annotated[int, typer.Option(help="File size in MiB.")] = 600,
    workdir: Annotated[Path, typer.Option(help="Scratch folder (needs about twice --size free).")] = Path("bench-scratch"),
) -> None:
    """Encrypt one random file of --size MiB the way filing does (streamed through age into
    a temporary object, moved into place) and with the age CLI, each in its own process:
    seconds, MB/s and peak resident memory of each."""
    import shutil

    from .bench import encryption

    try:
        for name, value in encryption(size, workdir).items():
            print(f"{name:<20} {value:10.2f}")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


@app.command("coversheet")
def coversheet_cmd(
    customer: Annotated[str, typer.Argument(help="Customer id, USCC or name (as in the catalogue).")],
    output: Annotated[Optional[Path], typer.Option("--output", "-o", help="PDF to write. Default: 分隔页+<客户名称>.pdf here.")] = None,
    config: ConfigOpt = None,
) -> None:
    """Print a separator coversheet for one customer: a one-page A4 PDF with a QR code
    holding the customer's id, archive number and name, and both printed for people.

    Put the printed sheet in front of the customer's papers when scanning a stack of several
    customers' documents: `dossier batch` splits the scan at each sheet, files the pages
    after it under that customer, and does not file the sheet. A customer without an
    archive number gets one now (it is printed on the sheet)."""

    def go():
        from .catalogue import find_customer, open_catalogue
        from .coversheet import Coversheet, coversheet_pdf
        from .filing import ensure_archive_no

        settings = _settings(config)
        sessions = open_catalogue(settings.database_url)
        with sessions() as session:
            row = find_customer(session, customer)
            record = ensure_archive_no(session, row.record(), settings.department, dt.date.today())
        sheet = Coversheet(record.id, record.archive_no, record.name)
        target = output or Path(f"分隔页+{record.name}.pdf")
        target.write_bytes(coversheet_pdf(sheet, settings.department))
        console.print(f"wrote {target}: coversheet for {record.name} ({record.archive_no}, customer {record.id})")

    _run(go)


def _batch_work(folder: Path, config: Path | None) -> Path:
    """Default work folder of a batch: batch/<folder name>-<hash of its path> beside the config."""
    import hashlib

    from .config import config_path

    digest = hashlib.sha256(str(folder.resolve()).encode()).hexdigest()[:8]
    return config_path(config).resolve().parent / "batch" / f"{folder.resolve().name}-{digest}"


@app.command("batch")
def batch_cmd(
    folder: Annotated[Path, typer.Argument(help="The scanned archive: a multi-page PDF per bag, or a folder of page images per bag (any depth).")],
    jobs: Annotated[Optional[int], typer.Option("--jobs", "-j", help="Reading processes (default: one per core).", show_default=False)] = None,
    work: Annotated[Optional[Path], typer.Option("--work", help="Work folder: state, reports, documents being filed. Default: batch/<FOLDER>-<hash> beside the config.", show_default=False)] = None,
    engine: Annotated[Optional[str], typer.Option("--engine", help="OCR engine (default: the configured one).", show_default=False)] = None,
    progress: Annotated[bool, typer.Option("--progress/--no-progress", help="Progress bar with pages/min and time left (stderr).")] = True,
    config: ConfigOpt = None,
) -> None:
    """Digitise a paper archive: read every page of every bag, split each bag into its
    documents, and file each document under the bag's customer.

    Pages are read in parallel (one OCR process per core). A bag's cover (档案袋封面) names
    its customer (by archive number, USCC or name; a customer without an archive number
    takes the cover's); a separator coversheet (`dossier coversheet`) starts the next
    customer and is not filed. Consecutive pages of one document stay together (a
    contract's first, amount and signature pages; an ID card's back after its front); a
    page nothing recognises is filed as `unknown` for review. Each document is filed like
    an ingested file (PDF pages copied as they are, or the page image), so nothing filed
    before is filed again (SHA-256).

    Stop it at any time (Ctrl-C, kill): a re-run with the same work folder reads only the
    pages not read yet. Writes a summary per bag and report.json, report.txt and report.csv
    into the work folder. Exit code 0 when every document was filed, 3 when a bag or
    document could not be, 4 when something must be retried."""

    def go():
        from .batch import format_bag, run_batch
        from .catalogue import open_catalogue
        from .pipeline import make_context
        from extractors.ocr import NullEngine, make_engine

        settings = _settings(config)
        if not folder.exists():
            raise UsageError(f"{folder} does not exist")
        engine_name = engine or settings.ocr_engine
        make_engine(engine_name)  # a bad name fails here, before any work
        sessions = open_catalogue(settings.database_url)
        ctx = make_context(settings, NullEngine(), _store(settings), sessions)
        where = work or _batch_work(folder, config)

        def on_bag(summary: dict) -> None:
            for line in format_bag(summary):
                console.print(line)

        report = run_batch(folder, ctx, where, jobs=jobs, engine_name=engine_name, progress=progress, on_bag=on_bag)
        statuses: dict[str, int] = {}
        for bag in report.bags:
            for d in bag["documents"]:
                statuses[d["status"]] = statuses.get(d["status"], 0) + 1
        for path, why in report.rejected:
            console.print(f"rejected {path}: {why}")
        summary = ", ".join(f"{n} {s}" for s, n in sorted(statuses.items())) or "no documents"
        console.print(
            f"{len(report.bags)} bags, {report.pages_total} pages ({report.pages_read} read now at "
            f"{report.pages_per_minute:.1f} pages/min, {report.pages_resumed} earlier): {summary}"
        )
        console.print(f"report: {where / 'report.txt'} (also report.json, report.csv, summaries/)")
        if statuses.get("retry"):
            return 4
        return 3 if report.rejected or statuses.get("failed") else 0

    raise typer.Exit(_run(go))


@bench_app.command("batch")
def bench_batch_cmd(
    folder: Annotated[Path, typer.Argument(help="A scanned archive, e.g. from samples/make_archive.py.")],
    jobs: Annotated[int, typer.Option("--jobs", "-j", help="Processes of the parallel run.")] = 2,
    crm: Annotated[Optional[Path], typer.Option(help="CRM export loaded into each scratch catalogue. Default: FOLDER/crm.csv if there.", show_default=False)] = None,
    engine: Annotated[Optional[str], typer.Option(help="OCR engine (default: the configured one).", show_default=False)] = None,
    workdir: Annotated[Path, typer.Option(help="Scratch folder (removed afterwards).")] = Path("bench-batch-scratch"),
    repeat: Annotated[int, typer.Option(help="Alternate the two runs this many times and keep each one's fastest.")] = 1,
    config: ConfigOpt = None,
) -> None:
    """Batch FOLDER twice, with 1 process and with --jobs, each into a scratch catalogue and
    archive of its own: pages/min of each, their ratio, and where the time went (OCR
    engine, page preparation, everything else: loading pages, QR search, splitting,
    filing, start-up, idle cores)."""
    import shutil

    def go():
        from .batch import bench, format_bench

        name = engine or _settings(config).ocr_engine
        crm_file = crm or (folder / "crm.csv" if (folder / "crm.csv").exists() else None)
        try:
            print(format_bench(bench(folder, jobs, name, crm_file, workdir, repeat=repeat)))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    _run(go)


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)


if __name__ == "__main__":
    main()
