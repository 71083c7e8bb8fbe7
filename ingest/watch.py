"""`dossier watch`: file scans as they land in the drop folders.

The main thread only handles events, settles files and hands them on; a pool of worker
processes, each with its own OCR engine and catalogue connection, runs `process_file` on
them. A file goes through four states here:

    seen → settled → taken (queued, then in flight) → done (its one log line printed)

- **seen**: from a watchdog event (created, modified, closed, or the destination of a
  rename), from the start-up scan (files already there, or that arrived while dossier was
  down), or from the periodic re-scan that catches whatever an event missed. Temporary and
  system files (`pipeline.is_candidate`: `.part`, `.tmp`, `~$…`, dotfiles, `Thumbs.db`) are
  not seen until renamed; nor is anything under a `quarantine` or hidden folder.
- **settled**: its size and mtime have not changed for `settle` seconds *and* it opens as a
  whole image or PDF (`opens_whole`). A file that has stopped changing but does not open
  yet (a scanner pausing mid-write) is looked at again while it keeps still, for `grace`
  more seconds; if it still does not open it is handed on anyway and `process_file`
  quarantines it with the reason.
- **taken**: once per (path, size, mtime). Two files of the same size are not in flight
  at once, so the second copy of the same bytes always finds the first one filed and is
  reported `duplicate` (the catalogue's SHA-256 check in `process_file`) instead of racing
  it. At most `jobs` files are in flight; the rest wait here, not in the pool, so stopping
  never waits for more than the documents being read.
- **done**: the worker's `Outcome`. `retry` (store or database down, file changed while
  read) puts the file back to be looked at again after `retry_delay`.

Stopping (SIGTERM, SIGINT: `stop_on_signals`): no new file is taken, the documents in
flight finish and are reported, the pool and the observers shut down.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import dataclasses
import datetime as dt
import logging
import multiprocessing
import os
import queue
import signal
import threading
import time
from collections import deque
from concurrent.futures.process import BrokenProcessPool
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from watchdog.events import FileSystemEvent, FileSystemEventHandler
from watchdog.observers import Observer
from watchdog.observers.polling import PollingObserver

from extractors.errors import DossierError, UsageError

from .config import Settings, WatchFolder
from .pipeline import folder_hints, is_candidate, quarantine
from .records import Outcome

log = logging.getLogger("dossier.watch")

# How often the main loop looks at settling files and finished work, in seconds.
TICK = 0.2
# A file in flight this many times when a worker process died (a crash in a native
# library, the OOM killer) is quarantined instead of tried again.
MAX_WORKER_DEATHS = 3


def default_jobs() -> int:
    """One OCR process per core, less one for everything else; at least one."""
    return max(1, (os.cpu_count() or 2) - 1)


def opens_whole(path: Path) -> bool:
    """Whether the file is, as it stands, a complete scan: a PDF that ends in `%%EOF` and
    PDFium opens with at least one page, or an image (JPEG, PNG, TIFF: the magic-bytes check
    of `extractors.reading.receive`) that Pillow decodes to its last pixel, every frame of it.
    False for a file still being written, and for one that is not a scan at all."""
    from extractors.imaging import iter_image_frames, sniff_kind

    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
            kind = sniff_kind(head)
            if kind == "pdf":
                fh.seek(max(0, path.stat().st_size - 2048))
                if b"%%EOF" not in fh.read():
                    return False
        if kind == "pdf":
            import pypdfium2 as pdfium

            doc = pdfium.PdfDocument(path)
            try:
                return len(doc) > 0
            finally:
                doc.close()
        if kind == "image":
            for _ in iter_image_frames(path):
                pass
            return True
        return False
    except (DossierError, OSError):
        return False
    except Exception:  # PDFium and Pillow raise their own zoo for half-written files
        return False


# ---------------------------------------------------------------- worker processes

_worker_ctx = None


def _init_worker(settings: Settings) -> None:
    """Runs once in each worker process: its own OCR engine (not picklable, and slow to
    load), store and catalogue connection. Signals are the main process's business: a
    Ctrl-C reaching the whole process group must not cut a document in half."""
    global _worker_ctx
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    from extractors.ocr import make_engine

    from .catalogue import open_catalogue
    from .pipeline import make_context
    from .storage import open_store

    url = settings.archive_url.get_secret_value() if settings.archive_url else None
    _worker_ctx = make_context(settings, make_engine(settings.ocr_engine), open_store(settings.archive_root, url), open_catalogue(settings.database_url))


def _ready() -> int:
    return os.getpid()


def _work(path: str, hints: dict[str, str], quarantine_dir: str | None) -> Outcome:
    from .pipeline import process_file

    ctx = dataclasses.replace(_worker_ctx, today=dt.date.today())  # a watcher runs past midnight
    if quarantine_dir:
        ctx = dataclasses.replace(ctx, settings=ctx.settings.model_copy(update={"quarantine_dir": Path(quarantine_dir)}))
    return process_file(Path(path), ctx, hints)


# ---------------------------------------------------------------- the watcher


@dataclass
class _Seen:
    path: Path
    folder: WatchFolder
    stat: tuple[int, int] | None = None  # (size, mtime_ns) last looked at
    still_since: float = 0.0  # since when `stat` has not changed
    whole: bool | None = None  # opens_whole for `stat`, once asked
    not_before: float = 0.0


@dataclass
class _Job:
    path: Path
    folder: WatchFolder
    key: tuple[str, int, int]  # (path, size, mtime_ns)

    @property
    def size(self) -> int:
        return self.key[1]


class _Handler(FileSystemEventHandler):
    """Runs in the observer's thread: only passes paths on to the main thread."""

    def __init__(self, events: queue.SimpleQueue, folder: WatchFolder) -> None:
        self.events, self.folder = events, folder

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type in ("opened", "closed_no_write", "deleted"):
            return
        raw = event.dest_path if event.event_type == "moved" else event.src_path
        if raw:
            self.events.put((Path(os.fsdecode(raw)), event.is_directory, self.folder))


class Watcher:
    """Watch `folders` and file what lands in them. `report` gets one `Outcome` per
    document, in the main thread; `run` returns the counts by status."""

    def __init__(
        self,
        settings: Settings,
        folders: list[WatchFolder] | None = None,
        *,
        jobs: int | None = None,
        settle: float | None = None,
        rescan: float | None = None,
        grace: float | None = None,
        retry_delay: float = 30.0,
        report: Callable[[Outcome], None] | None = None,
    ) -> None:
        self.settings = settings
        self.folders = [f.model_copy(update={"path": f.path.absolute()}) for f in (folders or settings.watch_folders())]
        if not self.folders:
            raise UsageError("no folder to watch", hint="give folders, or set watch_dirs in the config")
        for f in self.folders:
            if not f.path.is_dir():
                raise UsageError(f"{f.path} is not a folder", hint="create it, or mount the share, first")
        if jobs is not None and jobs < 1:
            raise UsageError(f"--jobs must be at least 1, not {jobs}")
        self.jobs = jobs or default_jobs()
        self.settle = settings.watch_settle_seconds if settle is None else settle
        self.rescan = settings.watch_rescan_seconds if rescan is None else rescan
        self.grace = max(10.0, 5 * self.settle) if grace is None else grace
        self.retry_delay = retry_delay
        self.report = report or (lambda out: None)
        self.counts: dict[str, int] = {}
        self._events: queue.SimpleQueue = queue.SimpleQueue()
        self._seen: dict[Path, _Seen] = {}
        self._taken: set[tuple[str, int, int]] = set()
        self._ready: deque[_Job] = deque()
        self._inflight: dict[cf.Future, _Job] = {}
        self._deaths: dict[tuple[str, int, int], int] = {}
        self._pool: cf.ProcessPoolExecutor | None = None

    # -- which files

    def _folder_of(self, path: Path) -> WatchFolder | None:
        best = None
        for f in self.folders:
            if path.is_relative_to(f.path) and path != f.path and (best is None or len(f.path.parts) > len(best.path.parts)):
                best = f
        return best

    def _wanted(self, path: Path, folder: WatchFolder) -> bool:
        try:
            parts = path.relative_to(folder.path).parts
        except ValueError:
            return False
        if not parts or not is_candidate(path):
            return False
        if any(p.startswith(".") or p == "quarantine" for p in parts[:-1]):
            return False
        q = self.settings.quarantine_dir
        return not (q is not None and path.is_relative_to(q))

    def _see(self, path: Path, folder: WatchFolder | None = None) -> None:
        folder = self._folder_of(path) if folder is None else folder
        if folder is not None and path not in self._seen and self._wanted(path, folder):
            self._seen[path] = _Seen(path, folder)

    def _scan(self, root: Path, folder: WatchFolder | None = None) -> None:
        for dirpath, dirnames, filenames in os.walk(root):
            dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d != "quarantine")
            for name in sorted(filenames):
                self._see(Path(dirpath) / name, folder)

    def _scan_all(self) -> None:
        for f in self.folders:
            self._scan(f.path)

    def _drain_events(self) -> None:
        while True:
            try:
                path, is_dir, _folder = self._events.get_nowait()
            except queue.Empty:
                return
            path = path.absolute()
            if is_dir:
                if self._folder_of(path) is not None or any(path == f.path for f in self.folders):
                    self._scan(path)  # a folder moved in, or created with files already in it
            else:
                self._see(path)

    # -- settling

    def _settle(self, now: float) -> None:
        busy = {job.path for job in self._inflight.values()}
        for seen in list(self._seen.values()):
            if now < seen.not_before or seen.path in busy:
                continue
            try:
                st = seen.path.stat()
            except OSError:
                del self._seen[seen.path]  # gone: filed by us, moved away, or renamed
                continue
            if not os.path.isfile(seen.path):
                del self._seen[seen.path]
                continue
            sig = (st.st_size, st.st_mtime_ns)
            if sig != seen.stat:
                seen.stat, seen.still_since, seen.whole = sig, now, None
                continue
            if now - seen.still_since < self.settle:
                continue
            key = (str(seen.path), *sig)
            if key in self._taken:
                del self._seen[seen.path]  # queued or in flight already, or left behind on purpose
                continue
            if seen.whole is None:
                seen.whole = opens_whole(seen.path)
                if not seen.whole:
                    log.info("waiting for %s: it does not open as a whole scan yet", seen.path.name)
            if not seen.whole and now - seen.still_since < self.settle + self.grace:
                continue
            del self._seen[seen.path]
            self._taken.add(key)
            self._ready.append(_Job(seen.path, seen.folder, key))

    # -- the pool

    def _new_pool(self) -> cf.ProcessPoolExecutor:
        # spawn, not fork: the observers' threads hold locks a forked child would inherit.
        pool = cf.ProcessPoolExecutor(self.jobs, mp_context=multiprocessing.get_context("spawn"), initializer=_init_worker, initargs=(self.settings,))
        # Start and initialise every worker now (engines loaded), not on the first scan.
        try:
            for f in [pool.submit(_ready) for _ in range(self.jobs)]:
                f.result()
        except BrokenProcessPool as exc:
            pool.shutdown(wait=False, cancel_futures=True)
            raise DossierError("the OCR worker processes could not start (their error is above)") from exc
        return pool

    def _check(self) -> None:
        """What would stop every worker, found once here rather than in each of them."""
        from extractors.ocr import ENGINES

        from .catalogue import open_catalogue

        self.settings.require_recipients()
        parts = self.settings.ocr_engine.split("+")
        if len(parts) > 2 or any(p not in ENGINES for p in parts):
            raise UsageError(f"unknown OCR engine '{self.settings.ocr_engine}'", hint=f"one of: {', '.join(ENGINES)}, or PAGE+LINE")
        open_catalogue(self.settings.database_url)  # reachable, and migrated once, not by every worker

    def _quarantine_dir(self, job: _Job) -> str | None:
        """Unconfigured, quarantine is beside the drop folder, also for a file in a
        customer's subfolder (not inside the drop folder, where it would be watched)."""
        if self.settings.quarantine_dir is not None or job.path.parent == job.folder.path:
            return None
        return str(job.folder.path.parent / "quarantine")

    def _submit(self) -> None:
        waiting: list[_Job] = []
        while self._ready and len(self._inflight) < self.jobs:
            job = self._ready.popleft()
            if any(other.size == job.size for other in self._inflight.values()):
                waiting.append(job)  # maybe the same bytes: after the one in flight is done
                continue
            hints = folder_hints(job.path, self.settings, job.folder)
            log.info("taking %s", job.path.name)
            fut = self._pool.submit(_work, str(job.path), hints, self._quarantine_dir(job))
            self._inflight[fut] = job
        self._ready.extendleft(reversed(waiting))

    def _collect(self, timeout: float, restart: bool = True) -> None:
        if not self._inflight:
            return
        done, _ = cf.wait(list(self._inflight), timeout=timeout, return_when=cf.FIRST_COMPLETED)
        broken = False
        for fut in done:
            job = self._inflight.pop(fut)
            try:
                out = fut.result()
            except BrokenProcessPool as exc:
                broken = True
                out = self._worker_died(job, exc)
            except Exception as exc:  # a bug in the worker's wrapper: keep the file, say so
                log.exception("worker failed on %s", job.path.name)
                out = Outcome(job.path, "retry", f"internal error: {exc}")
            self._done(job, out)
        if broken:
            for fut, job in list(self._inflight.items()):
                with contextlib.suppress(Exception):
                    fut.result()
                self._done(job, self._worker_died(job, None))
            self._inflight.clear()
            self._pool.shutdown(wait=True, cancel_futures=True)
            if restart:
                self._pool = self._new_pool()

    def _worker_died(self, job: _Job, exc: BaseException | None) -> Outcome:
        n = self._deaths[job.key] = self._deaths.get(job.key, 0) + 1
        if n >= MAX_WORKER_DEATHS and job.path.exists():
            return quarantine(job.path, f"the reading process died {n} times on this file", self.settings)
        return Outcome(job.path, "retry", f"the reading process died{f': {exc}' if exc else ''}")

    def _done(self, job: _Job, out: Outcome) -> None:
        self.counts[out.status] = self.counts.get(out.status, 0) + 1
        self.report(out)
        try:
            st = job.path.stat()
            still_there = (st.st_size, st.st_mtime_ns) == job.key[1:]
        except OSError:
            still_there = False
        if out.status == "retry":
            self._taken.discard(job.key)
            self._seen[job.path] = _Seen(job.path, job.folder, not_before=time.monotonic() + self.retry_delay)
        elif not still_there:
            # Gone (filed, duplicate, quarantined) or replaced: the same name may come again.
            self._taken.discard(job.key)
            self._deaths.pop(job.key, None)
        # else: it could not be moved away; it stays taken so it is not read in a loop.

    # -- running

    def _observers(self) -> list:
        native, polling = Observer(), PollingObserver(timeout=1)
        for f in self.folders:
            (polling if f.polling else native).schedule(_Handler(self._events, f), str(f.path), recursive=True)
        used = [o for o in (native, polling) if o.emitters]
        for o in used:
            o.start()
        return used

    def run(self, stop: threading.Event, on_ready: Callable[[], None] | None = None) -> dict[str, int]:
        """Watch until `stop` is set; then let what is in flight finish. Returns the counts
        by status of every document reported."""
        self._check()
        self._pool = self._new_pool()
        observers = []
        try:
            observers = self._observers()  # before the start-up scan: nothing falls between
            self._scan_all()
            if on_ready:
                on_ready()
            next_rescan = time.monotonic() + self.rescan
            while not stop.is_set():
                self._drain_events()
                now = time.monotonic()
                if now >= next_rescan:
                    self._scan_all()
                    next_rescan = now + self.rescan
                self._settle(now)
                self._submit()
                if self._inflight:
                    self._collect(TICK)
                else:
                    stop.wait(TICK)
        finally:
            for o in observers:
                o.stop()
            if self._ready:
                log.info("stopping: %d settled file(s) left for the next start", len(self._ready))
            self._ready.clear()
            while self._inflight:
                self._collect(TICK, restart=False)
            self._pool.shutdown(wait=True)
            for o in observers:
                o.join(timeout=10)
        return dict(self.counts)


@contextlib.contextmanager
def stop_on_signals() -> Iterator[threading.Event]:
    """An event set by SIGTERM or SIGINT (main thread only), the previous handlers restored
    afterwards."""
    stop = threading.Event()

    def handler(signum, _frame):
        if not stop.is_set():
            log.warning("%s: finishing the documents in flight, then stopping", signal.Signals(signum).name)
        stop.set()

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield stop
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def folders_to_watch(settings: Settings, paths: list[Path] | None, polling: bool = False) -> list[WatchFolder]:
    """The given folders (with their configured settings, if configured), or every
    configured one. `polling`: poll the given folders even if configured otherwise."""
    if not paths:
        return [f.model_copy(update={"polling": True}) if polling else f for f in settings.watch_folders()]
    configured = {f.path.resolve(): f for f in settings.watch_folders()}
    out = []
    for p in paths:
        folder = configured.get(p.resolve()) or WatchFolder(path=p.absolute())
        out.append(folder.model_copy(update={"polling": True}) if polling else folder)
    return out
