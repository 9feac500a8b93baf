"""The clinic's store: clients and their screening sessions in one SQLite file on this machine.

One file (``screening.db``), by default in the user's data folder (:func:`default_store_path`:
platformdirs' ``user_data_dir``), another with ``--store`` or the ``SCREENING_STORE`` environment variable.
It keeps:

- clients: a stable id (never reused), a name or pseudonym (Unicode NFC; unique on its Unicode case fold, so
  "Émile" and "émile", "Straße" and "STRASSE" are one client; no control or invisible characters; at most
  :data:`NAME_MAX_CHARS`), an optional date of birth, notes;
- sessions: when, the pattern, the exercise level and load, pain, score, verdict, the placement, the whole
  Screen (result.json) as JSON, each rep's measures as rows a query can use, the key frame and plots, the
  report (HTML), the clinician's notes and any override of the verdict (with its reason and time);
- the annotated video only when the user asks for it. The client's raw video is never kept.

Nothing is lost: the file is in WAL mode with foreign keys on; every save is one transaction (a process
killed mid-save leaves the store as it was before); readers and writers in several threads or processes
wait for each other (``busy_timeout``). Deleting a client erases their rows, and with them their files
(``secure_delete`` overwrites the freed pages; the WAL is checkpointed and truncated). A file that is not
this tool's store is refused before anything is written to it. Ids of clients, sessions and overrides are
never reused (AUTOINCREMENT): a page left open on a deleted record finds nothing, never another person's.
Health data is private to its user on disk: the store file, its WAL files, backups and exports are mode 0600,
the folders this tool makes 0700. The schema is versioned
(``PRAGMA user_version``) and upgraded in place by :data:`MIGRATIONS`, one transaction per step.
"""
from __future__ import annotations

import datetime as dt
import json
import math
import os
import shutil
import sqlite3
import tempfile
import unicodedata
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from .errors import ScreeningError
from .ladder import VERDICTS
from .values import Verdict

__all__ = ["Store", "StoreError", "Client", "Session", "default_store_path", "clean_name", "name_key",
           "shown_text", "SCHEMA_VERSION", "MIGRATIONS", "KEY_MEASURES", "VERDICTS", "NAME_MAX_CHARS"]

#: "SCR1": marks the file as this tool's store (PRAGMA application_id)
APPLICATION_ID = 0x53435231
SQLITE_MAGIC = b"SQLite format 3\x00"

#: Each step brings the schema from version i to i + 1 (PRAGMA user_version).
MIGRATIONS: tuple[tuple[str | Callable[[sqlite3.Connection], None], ...], ...] = (
    # 1: clients, sessions, per-rep measures, files
    ("""CREATE TABLE clients (
            id INTEGER PRIMARY KEY,
            name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(trim(name)) > 0),
            birth_date TEXT,
            notes TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL)""",
     """CREATE TABLE sessions (
            id INTEGER PRIMARY KEY,
            client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
            recorded_at TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            source_name TEXT NOT NULL DEFAULT '',
            pattern TEXT NOT NULL,
            level INTEGER,
            level_name TEXT,
            load_position TEXT,
            pain INTEGER NOT NULL DEFAULT 0,
            score INTEGER,
            verdict TEXT,
            placement_json TEXT,
            screen_json TEXT NOT NULL)""",
     "CREATE INDEX sessions_by_client ON sessions(client_id, recorded_at)",
     """CREATE TABLE rep_measures (
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            rep INTEGER NOT NULL,
            lead_leg TEXT,
            metric TEXT NOT NULL,
            value REAL NOT NULL,
            PRIMARY KEY (session_id, rep, metric))""",
     """CREATE TABLE files (
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            kind TEXT NOT NULL,
            name TEXT NOT NULL,
            mime TEXT NOT NULL,
            data BLOB NOT NULL,
            PRIMARY KEY (session_id, kind))"""),
    # 2: the clinician's notes on a session, and overrides of the verdict (kept, never replaced)
    ("ALTER TABLE sessions ADD COLUMN clinician_notes TEXT NOT NULL DEFAULT ''",
     """CREATE TABLE overrides (
            id INTEGER PRIMARY KEY,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            verdict TEXT NOT NULL CHECK (verdict IN ('progress', 'hold', 'regress', 'refer')),
            reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
            at TEXT NOT NULL)"""),
    # 3: one identity per client (the name's Unicode case fold, unique) and ids never reused (AUTOINCREMENT):
    # the three tables rebuilt, their rows and ids kept (issue 25)
    (lambda con: _rebuild_for_identity(con),),
)
SCHEMA_VERSION = len(MIGRATIONS)
#: the longest client name, in characters (a folder name of 120 CJK characters is 360 bytes: exports cut it)
NAME_MAX_CHARS = 120
#: the longest folder name an export writes for a client, in UTF-8 bytes (most file systems allow 255)
FOLDER_MAX_BYTES = 120
#: Unicode categories a name may not hold: controls (ESC, NUL), format characters (zero-width space, joiners,
#: direction marks), private-use, surrogates, unassigned, and line/paragraph separators: they cannot be seen or
#: typed, so a record named with them could not be found or erased by its name
NAME_FORBIDDEN_CATEGORIES = ("Cc", "Cf", "Co", "Cs", "Cn", "Zl", "Zp")

#: The measures a client's page follows over time, per pattern (the per-rep metric, what it is called)
KEY_MEASURES = {
    "hinge": (("spinal_flexion_deg", "spinal flexion (deg)"), ("hip_spine_ratio", "hip-spine ratio")),
    "lunge": (("knee_valgus_fppa_deg", "knee valgus FPPA (deg)"),
              ("front_knee_flexion_deg", "depth: front knee flexion (deg)"),
              ("hip_drop_leg_lengths", "depth: hip drop (leg lengths)")),
}
#: what a stored file is: kind -> (file name, MIME type)
FILE_KINDS = {"key_frame": ("key_frame.jpg", "image/jpeg"), "key_frame_front": ("key_frame_front.jpg", "image/jpeg"),
              "rhythm_plot": ("rhythm.png", "image/png"), "threshold_plot": ("thresholds.png", "image/png"),
              "report_html": ("report.html", "text/html"), "annotated_video": ("annotated.mp4", "video/mp4")}


class StoreError(ScreeningError):
    """The store cannot be used as asked (not a store, damaged, newer, no such client)."""


@dataclass(frozen=True)
class Client:
    id: int
    name: str
    birth_date: str | None
    notes: str
    created_at: str
    sessions: int = 0
    last_session_at: str | None = None


@dataclass(frozen=True)
class Session:
    """One stored session, without its JSON and files (:meth:`Store.screen`, :meth:`Store.file`)."""

    id: int
    client_id: int
    client_name: str
    recorded_at: str
    source_name: str
    pattern: str
    level: int | None
    level_name: str | None
    load_position: str | None
    pain: bool
    score: int | None
    verdict: str | None
    clinician_notes: str
    override_verdict: str | None = None
    override_reason: str | None = None
    override_at: str | None = None

    @property
    def shown_verdict(self) -> str | None:
        """The verdict to act on: the clinician's override where there is one."""
        return self.override_verdict or self.verdict

    @property
    def when(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.recorded_at)


def default_store_path() -> Path:
    """``$SCREENING_STORE``, else ``screening.db`` in the user's data folder (platformdirs)."""
    env = os.environ.get("SCREENING_STORE")
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("screening", appauthor=False)) / "screening.db"


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


class Store:
    """The store in ``path`` (default :func:`default_store_path`), created or upgraded on opening.

    Raises :class:`StoreError` when the file is not this tool's store (it is then not touched), is damaged,
    or was made by a newer version."""

    def __init__(self, path: str | os.PathLike | None = None, busy_timeout_s: float = 30.0):
        self.path = Path(path).expanduser() if path is not None else default_store_path()
        self._timeout = busy_timeout_s
        self._check_file()
        try:
            self._make_private()
            with self._connect() as con:
                con.execute("PRAGMA journal_mode=WAL")
                self._migrate(con)
        except (OSError, sqlite3.OperationalError) as exc:
            why = getattr(exc, "strerror", None) or str(exc)
            raise StoreError(f"The store '{self.path}' cannot be opened for writing ({why}).",
                             "Give a store in a folder you can write to (--store FILE), or ask for write access "
                             "to this one.") from None

    def _make_private(self) -> None:
        """The store readable by its user only: its folder made 0700 when this tool makes it (or it is the
        default data folder), the file and SQLite's files beside it 0600 (an older store's 0644 is tightened).
        SQLite gives the -wal and -shm files the store's own mode."""
        folder = self.path.parent
        if not folder.exists():
            _private_dir(folder)
        elif folder.resolve() == default_store_path().parent.resolve() and folder.stat().st_mode & 0o077:
            folder.chmod(0o700)
        if not self.path.exists():
            os.close(os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        for f in self.own_files():
            if f.exists() and f.stat().st_mode & 0o077:
                f.chmod(0o600)

    # ------------------------------------------------------------------ opening
    def _refuse(self, why: str, what_to_do: str | None = None) -> StoreError:
        return StoreError(f"'{self.path}' cannot be used as the store: {why}. It was not changed.",
                          what_to_do or "Choose another file for the store, or restore this one from a backup.")

    def _check_file(self) -> None:
        """Refuse a file that is not this tool's store before anything is written to it."""
        if not self.path.exists():
            return
        if not self.path.is_file():
            raise self._refuse("it is not a file")
        try:
            with open(self.path, "rb") as f:
                head = f.read(100)
        except OSError as exc:
            raise self._refuse(f"it cannot be read ({exc.strerror})") from None
        if len(head) == 0:
            return  # an empty file: a new store
        if not head.startswith(SQLITE_MAGIC) or len(head) < 100:
            raise self._refuse("it is not a database (another kind of file)")
        # who made it and which version, from the file's header (no SQLite connection: nothing is written)
        pages, app_id = (int.from_bytes(head[k:k + 4], "big") for k in (28, 68))
        if app_id != APPLICATION_ID and pages > 1:
            raise self._refuse("it is another program's database")
        # this tool's store: is it sound? (reading a WAL-mode file makes its -wal and -shm files: any this
        # check made are removed again when it refuses the file)
        side = [Path(f"{self.path}{suffix}") for suffix in ("-wal", "-shm")]
        existed = [p.exists() for p in side]
        problem, version = None, 0
        try:
            con = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=self._timeout)
            try:
                ok = con.execute("PRAGMA quick_check").fetchone()[0]
                version = con.execute("PRAGMA user_version").fetchone()[0]
                if ok != "ok":
                    problem = ok
            finally:
                con.close()
        except sqlite3.DatabaseError as exc:
            problem = str(exc)
        refusal = None
        if problem is not None:
            refusal = self._refuse(f"it is damaged ({problem})")
        elif version > SCHEMA_VERSION:
            refusal = self._refuse(f"it was made by a newer version of this tool (store version {version}; this "
                                   f"version reads up to {SCHEMA_VERSION})", "Update this tool to open it.")
        if refusal is not None:
            for p, was in zip(side, existed):
                if not was:
                    p.unlink(missing_ok=True)
            raise refusal

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        con = sqlite3.connect(self.path, timeout=self._timeout, isolation_level=None)
        try:
            con.execute("PRAGMA foreign_keys=ON")
            con.execute("PRAGMA secure_delete=ON")
            con.execute(f"PRAGMA busy_timeout={int(self._timeout * 1000)}")
            yield con
        finally:
            con.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is kept, or none."""
        with self._connect() as con:
            con.execute("BEGIN IMMEDIATE")
            try:
                yield con
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    def _migrate(self, con: sqlite3.Connection) -> None:
        """Each step of :data:`MIGRATIONS` in its own transaction; foreign keys off meanwhile (a step that
        rebuilds a table must not cascade its drop into the rows that refer to it), checked by the step."""
        con.execute("PRAGMA foreign_keys=OFF")
        try:
            self._migrate_steps(con)
        finally:
            con.execute("PRAGMA foreign_keys=ON")

    def _migrate_steps(self, con: sqlite3.Connection) -> None:
        while True:
            con.execute("BEGIN IMMEDIATE")
            try:
                version = con.execute("PRAGMA user_version").fetchone()[0]
                if version >= SCHEMA_VERSION:
                    con.execute("ROLLBACK")
                    return
                for statement in MIGRATIONS[version]:
                    if callable(statement):
                        statement(con)
                    else:
                        con.execute(statement)
                con.execute(f"PRAGMA application_id={APPLICATION_ID}")
                con.execute(f"PRAGMA user_version={version + 1}")
            except BaseException:
                con.execute("ROLLBACK")
                raise
            con.execute("COMMIT")

    @property
    def version(self) -> int:
        with self._connect() as con:
            return con.execute("PRAGMA user_version").fetchone()[0]

    # ------------------------------------------------------------------ clients
    def add_client(self, name: str, birth_date: str | None = None, notes: str = "") -> Client:
        name = clean_name(name)
        if birth_date:
            try:
                dt.date.fromisoformat(birth_date)
            except ValueError:
                raise StoreError(f"'{birth_date}' is not a date.", "Write the date of birth as YYYY-MM-DD.") from None
        with self._transaction() as con:
            row = con.execute("SELECT name FROM clients WHERE name_key = ?", (name_key(name),)).fetchone()
            if row:
                raise StoreError(f"There is already a client called '{row[0]}'"
                                 + ("" if row[0] == name else f" ('{name}' is the same name: names are compared "
                                    "whatever their capitals and accents' encoding)") + ".",
                                 "Choose that client, or give the new one another name or pseudonym.")
            cur = con.execute("INSERT INTO clients (name, name_key, birth_date, notes, created_at) VALUES (?, ?, ?, ?, ?)",
                              (name, name_key(name), birth_date or None, notes, _now()))
        return self.client(_row_id(cur))

    _CLIENT_QUERY = """SELECT c.id, c.name, c.birth_date, c.notes, c.created_at, count(s.id), max(s.recorded_at)
                   FROM clients c LEFT JOIN sessions s ON s.client_id = c.id"""

    def clients(self, search: str = "") -> list[Client]:
        """Every client, by name; ``search``: those whose name holds it (any case)."""
        with self._connect() as con:
            rows = con.execute(f"{self._CLIENT_QUERY} GROUP BY c.id").fetchall()
        key = name_key(search)
        found = [Client(*r) for r in rows if key in name_key(r[1])]
        return sorted(found, key=lambda c: (name_key(c.name), c.id))

    def client(self, who: str | int) -> Client:
        """The client of this name (compared by :func:`name_key`: any case, any Unicode form), or of this id
        (an ``int``). Raises :class:`StoreError` when there is none: an id is never reused, so a page holding a
        deleted client's id finds nothing, never another person."""
        with self._connect() as con:
            if isinstance(who, int) and not isinstance(who, bool):
                row = con.execute(f"{self._CLIENT_QUERY} WHERE c.id = ? GROUP BY c.id", (who,)).fetchone()
            else:
                row = con.execute(f"{self._CLIENT_QUERY} WHERE c.name_key = ? GROUP BY c.id",
                                  (name_key(str(who)),)).fetchone()
        if row is None:
            if isinstance(who, int):
                raise StoreError("That client is no longer in the store (deleted).",
                                 "Choose a client from the list of clients.")
            like = [c.name for c in self.clients() if _unaccented(c.name) == _unaccented(who)]
            raise StoreError(f"There is no client called '{shown_text(who)}' in the store ({self.path})"
                             + (f"; there is {' and '.join(repr(shown_text(n)) for n in like)}, a name with other "
                                "accents" if like else "") + ".",
                             "Check the name against the list of clients, or save a session for them to add one.")
        return Client(*row)

    def set_client_notes(self, who: str | int, notes: str) -> None:
        client = self.client(who)
        with self._transaction() as con:
            con.execute("UPDATE clients SET notes = ? WHERE id = ?", (notes, client.id))

    def delete_client(self, who: str | int) -> int:
        """Erase the client (by name or id) and everything about them (sessions, measures, files, overrides);
        returns how many sessions went. The freed pages are overwritten and the WAL truncated: nothing of them
        is left in the files."""
        client = self.client(who)
        with self._transaction() as con:
            n = con.execute("SELECT count(*) FROM sessions WHERE client_id = ?", (client.id,)).fetchone()[0]
            if con.execute("DELETE FROM clients WHERE id = ?", (client.id,)).rowcount == 0:
                raise StoreError("That client is no longer in the store (deleted).", "Choose a client from the list.")
        with self._connect() as con:
            con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return n

    # ------------------------------------------------------------------ sessions
    def save_session(self, client_name: str, screen, video: bytes | None = None, report_html: bytes | None = None,
                     create_client: bool = True) -> int:
        """Save an analysed Screen (placed) as a session of ``client_name`` in one transaction; returns its id.

        ``video``: the annotated video, kept only when given. ``report_html``: the report; made here when
        not given."""
        name = clean_name(client_name)
        if report_html is None:
            from .report import build_report, to_html

            report_html = to_html(build_report([screen], client=name)).encode()
        p = screen.placement
        level, level_name, load_position = filmed_level(screen)
        files = {k: v for k, v in screen.attachments.items() if k in FILE_KINDS and v}
        files["report_html"] = report_html
        if video:
            files["annotated_video"] = video
        screen_json = screen.to_json_text()
        with self._transaction() as con:
            row = con.execute("SELECT id FROM clients WHERE name_key = ?", (name_key(name),)).fetchone()
            if row is None:
                if not create_client:
                    raise StoreError(f"There is no client called '{name}'.", "Add the client first.")
                cur = con.execute("INSERT INTO clients (name, name_key, notes, created_at) VALUES (?, ?, '', ?)",
                                  (name, name_key(name), _now()))
                client_id = cur.lastrowid
            else:
                client_id = row[0]
            cur = con.execute(
                """INSERT INTO sessions (client_id, recorded_at, saved_at, source_name, pattern, level, level_name,
                       load_position, pain, score, verdict, placement_json, screen_json)
                   VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (client_id, screen.analysed_at or _now(), _now(), Path(str(screen.video.path or "")).name,
                 screen.pattern, level, level_name, load_position, int(bool(screen.filmed.pain)), screen.reported_score,
                 p.verdict if p else None, json.dumps(p.as_dict()) if p else None, screen_json))
            session_id = _row_id(cur)
            con.executemany(
                "INSERT INTO rep_measures (session_id, rep, lead_leg, metric, value) VALUES (?, ?, ?, ?, ?)",
                [(session_id, rep.index + 1, rep.lead_leg, metric, float(value))
                 for rep in screen.reps for metric, value in rep.metrics.items()
                 if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)])
            con.executemany("INSERT INTO files (session_id, kind, name, mime, data) VALUES (?, ?, ?, ?, ?)",
                            [(session_id, kind, *FILE_KINDS[kind], sqlite3.Binary(data)) for kind, data in files.items()])
        return session_id

    _SESSION_COLUMNS = """s.id, s.client_id, c.name, s.recorded_at, s.source_name, s.pattern, s.level, s.level_name,
        s.load_position, s.pain, s.score, s.verdict, s.clinician_notes, o.verdict, o.reason, o.at"""
    _SESSION_FROM = """FROM sessions s JOIN clients c ON c.id = s.client_id
        LEFT JOIN overrides o ON o.id = (SELECT max(id) FROM overrides WHERE session_id = s.id)"""

    def sessions(self, client: str | int) -> list[Session]:
        """The client's (by name or id) sessions, oldest first."""
        found = self.client(client)
        with self._connect() as con:
            rows = con.execute(f"SELECT {self._SESSION_COLUMNS} {self._SESSION_FROM} WHERE s.client_id = ? "
                               "ORDER BY s.recorded_at, s.id", (found.id,)).fetchall()
        return [_session(r) for r in rows]

    def session(self, session_id: int) -> Session:
        with self._connect() as con:
            r = con.execute(f"SELECT {self._SESSION_COLUMNS} {self._SESSION_FROM} WHERE s.id = ?",
                            (int(session_id),)).fetchone()
        if r is None:
            raise StoreError(f"There is no session {session_id} in the store (it was deleted, or never saved).",
                             "Choose a session from the client's list.")
        return _session(r)

    def screen(self, session_id: int, with_override: bool = False):
        """The session's Screen (as analysed and placed), with its pictures as attachments; ``with_override``:
        its placement carries the clinician's verdict where there is one, the measured one kept in
        ``placement.measured_verdict`` and named in the placement's first reason (the report marks such a
        session as the clinician's)."""
        from .screen import ATTACHMENT_KEYS, Screen

        with self._connect() as con:
            row = con.execute("SELECT screen_json FROM sessions WHERE id = ?", (int(session_id),)).fetchone()
            if row is None:
                raise StoreError(f"There is no session {session_id} in the store.", "Choose a session from the list.")
            marks = ",".join("?" * len(ATTACHMENT_KEYS))
            files = dict(con.execute(f"SELECT kind, data FROM files WHERE session_id = ? AND kind IN ({marks})",
                                     (int(session_id), *ATTACHMENT_KEYS)))
        screen = Screen.from_json(json.loads(row[0]))
        screen.attachments.update({k: bytes(v) for k, v in files.items()})
        session = self.session(session_id) if with_override else None
        if session is not None and session.override_verdict and screen.placement is not None:
            from .report import OVERRIDE_REASON

            p = screen.placement
            p.reasons.insert(0, f"{OVERRIDE_REASON} to {session.override_verdict.upper()} on "
                                f"{(session.override_at or '')[:10]} (measured: {p.verdict.upper()}): "
                                f"{session.override_reason}")
            p.measured_verdict, p.verdict = p.verdict, Verdict(session.override_verdict)
        return screen

    def file(self, session_id: int, kind: str) -> bytes | None:
        with self._connect() as con:
            row = con.execute("SELECT data FROM files WHERE session_id = ? AND kind = ?", (int(session_id), kind)).fetchone()
        return bytes(row[0]) if row else None

    def rep_measures(self, session_id: int) -> list[tuple[int, str | None, str, float]]:
        """(rep, lead leg, metric, value) of every measured rep value of the session."""
        with self._connect() as con:
            return con.execute("SELECT rep, lead_leg, metric, value FROM rep_measures WHERE session_id = ? "
                               "ORDER BY rep, metric", (int(session_id),)).fetchall()

    def measures_over_time(self, client: str | int, metric: str) -> list[tuple[int, str, str | None, float]]:
        """(session id, recorded at, lead leg, mean over the session's reps) of one metric, oldest first."""
        found = self.client(client)
        with self._connect() as con:
            return con.execute(
                """SELECT s.id, s.recorded_at, m.lead_leg, avg(m.value) FROM rep_measures m
                   JOIN sessions s ON s.id = m.session_id
                   WHERE s.client_id = ? AND m.metric = ? GROUP BY s.id, m.lead_leg ORDER BY s.recorded_at, s.id""",
                (found.id, metric)).fetchall()

    def set_notes(self, session_id: int, notes: str) -> None:
        with self._transaction() as con:
            if con.execute("UPDATE sessions SET clinician_notes = ? WHERE id = ?", (notes, int(session_id))).rowcount == 0:
                raise StoreError(f"There is no session {session_id} in the store.", "Choose a session from the list.")

    def override(self, session_id: int, verdict: str, reason: str) -> None:
        """The clinician's verdict for the session, kept with its reason and time (earlier ones stay)."""
        if verdict not in VERDICTS:
            raise StoreError(f"'{verdict}' is not a verdict.", f"Use one of: {', '.join(VERDICTS)}.")
        if not reason.strip():
            raise StoreError("An override needs its reason.", "Say why the verdict is changed.")
        with self._transaction() as con:
            if con.execute("SELECT 1 FROM sessions WHERE id = ?", (int(session_id),)).fetchone() is None:
                raise StoreError(f"There is no session {session_id} in the store.", "Choose a session from the list.")
            con.execute("INSERT INTO overrides (session_id, verdict, reason, at) VALUES (?, ?, ?, ?)",
                        (int(session_id), verdict, reason.strip(), _now()))

    # ------------------------------------------------------------------ out of the store
    def export_client(self, who: str | int, out_dir: str | os.PathLike) -> Path:
        """Everything about the client, readable without this tool: ``client.json`` (the client, and each
        session with its placement, override, notes and per-rep measures) and a folder per session with its
        result.json, report.html, pictures and (when kept) annotated video. Written whole or not at all; the
        folders are 0700 and the files 0600 (private to the user)."""
        client = self.client(who)
        sessions = self.sessions(client.id)
        out = Path(out_dir)
        what_to_do = "Give a folder you can write to with --out (it is made if missing)."
        if out.is_symlink() and not out.exists():
            raise StoreError(f"'{out}' is a link to something that does not exist.", what_to_do)
        if out.exists() and not out.is_dir():
            raise StoreError(f"'{out}' is a file, not a folder.", what_to_do)
        target = out / _safe(client.name)
        if target.exists() or target.is_symlink():
            raise StoreError(f"'{target}' already exists.", "Give another folder with --out, or move that one away.")
        try:
            _private_dir(out)
            tmp = Path(tempfile.mkdtemp(prefix=".export-", dir=out))
        except OSError as exc:
            raise StoreError(f"The export cannot be written in '{out}' ({exc.strerror}).", what_to_do) from None
        try:
            entries = []
            for s in sessions:
                folder = f"{s.when:%Y-%m-%d_%H%M%S}_session{s.id}"
                (tmp / folder).mkdir(mode=0o700)
                with self._connect() as con:
                    screen_json = con.execute("SELECT screen_json FROM sessions WHERE id = ?", (s.id,)).fetchone()[0]
                    files = con.execute("SELECT name, data FROM files WHERE session_id = ?", (s.id,)).fetchall()
                _private_write(tmp / folder / "result.json", screen_json.encode("utf-8"))
                for fname, data in files:
                    _private_write(tmp / folder / fname, bytes(data))
                entries.append({
                    "id": s.id, "recorded_at": s.recorded_at, "source_name": s.source_name, "pattern": s.pattern,
                    "level": s.level, "level_name": s.level_name, "load_position": s.load_position, "pain": s.pain,
                    "score": s.score, "verdict": s.verdict,
                    "override": ({"verdict": s.override_verdict, "reason": s.override_reason, "at": s.override_at}
                                 if s.override_verdict else None),
                    "clinician_notes": s.clinician_notes, "folder": folder,
                    "rep_measures": [{"rep": r, "lead_leg": leg, "metric": m, "value": v}
                                     for r, leg, m, v in self.rep_measures(s.id)]})
            doc = {"exported_at": _now(), "store_version": SCHEMA_VERSION,
                   "client": {"id": client.id, "name": client.name, "birth_date": client.birth_date,
                              "notes": client.notes, "created_at": client.created_at},
                   "sessions": entries}
            _private_write(tmp / "client.json", (json.dumps(doc, indent=2) + "\n").encode("utf-8"))
            tmp.rename(target)
        except OSError as exc:
            shutil.rmtree(tmp, ignore_errors=True)
            raise StoreError(f"The export could not be written in '{out}' ({exc.strerror}); nothing of it was left.",
                             what_to_do) from None
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
        return target

    def own_files(self) -> list[Path]:
        """The store's file and the files SQLite keeps beside it (-wal, -shm, -journal)."""
        return [self.path] + [Path(f"{self.path}{suffix}") for suffix in ("-wal", "-shm", "-journal")]

    def backup(self, out: str | os.PathLike) -> Path:
        """A consistent copy of the whole store (SQLite's online backup: others may keep saving meanwhile),
        mode 0600. Refused onto the store itself or the files SQLite keeps beside it (a backup there would be
        deleted, or make the store look damaged, at the next command)."""
        out = Path(out)
        if out.exists() or out.is_symlink():
            raise StoreError(f"'{out}' already exists.", "Give a new file name for the backup.")
        resolved = out.parent.resolve() / out.name
        if any(resolved == f.parent.resolve() / f.name for f in self.own_files()):
            raise StoreError(f"'{out}' is one of the store's own files: a backup there would be lost or would "
                             "damage the store.", "Give a file name of its own for the backup, in another folder "
                             "if you can (another disk is best).")
        try:
            _private_dir(out.parent)
        except OSError as exc:
            raise StoreError(f"The backup cannot be written in '{out.parent}' ({exc.strerror}).",
                             "Give a file in a folder you can write to.") from None
        tmp = out.with_name(f".{out.name}.part")
        try:
            os.close(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            with self._connect() as con:
                dst = sqlite3.connect(tmp)
                try:
                    con.backup(dst)
                finally:
                    dst.close()
            tmp.rename(out)
        except OSError as exc:
            tmp.unlink(missing_ok=True)
            raise StoreError(f"The backup could not be written to '{out}' ({exc.strerror}).",
                             "Give a file in a folder you can write to, with room for a copy of the store.") from None
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return out

    def integrity(self) -> str:
        """SQLite's integrity check: "ok" when the file is sound."""
        with self._connect() as con:
            return con.execute("PRAGMA integrity_check").fetchone()[0]


def filmed_level(screen) -> tuple[int | None, str | None, str | None]:
    """The exercise a session was filmed at, as its row keeps it: (level, level name, load position). From
    the placement where there is one; without one (no verdict: nothing could be scored, the spine not seen),
    from what the clinician said was filmed (``screen.filmed``), so that the session keeps its exercise and
    its place on the client's path. None where neither says."""
    p = screen.placement
    if p is not None:
        return p.level, p.level_name, p.load_position
    from .ladder import load_continuum

    c = load_continuum()
    level = level_name = None
    if screen.filmed.exercise is not None and screen.pattern in c.ladders:
        try:
            lv = c.find(screen.pattern, screen.filmed.exercise)
            level, level_name = lv.level, lv.name
        except ScreeningError:
            pass
    load = screen.filmed.load
    if load is not None:
        try:
            load = c.load(load)
        except ScreeningError:
            pass
    return level, level_name, load


def _session(r) -> Session:
    return Session(r[0], r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8], bool(r[9]), r[10], r[11], r[12],
                   r[13], r[14], r[15])


def clean_name(name: str) -> str:
    """A client's name as stored: Unicode NFC, runs of white space made one space, trimmed. Raises
    :class:`StoreError` for an empty name, one holding a control or invisible character
    (:data:`NAME_FORBIDDEN_CATEGORIES`), or one longer than :data:`NAME_MAX_CHARS`: checked before any
    analysis, so a name that cannot be stored never costs one."""
    name = unicodedata.normalize("NFC", " ".join(str(name or "").split()))
    if not name:
        raise StoreError("A client needs a name (or a pseudonym).", "Give the client's name or a pseudonym.")
    bad = [ch for ch in name if unicodedata.category(ch) in NAME_FORBIDDEN_CATEGORIES]
    if bad:
        shown = ", ".join(sorted({f"U+{ord(ch):04X}" for ch in bad}))
        raise StoreError(f"That client name holds a character that cannot be seen or typed ({shown}).",
                         "Type the name again with letters, digits, spaces and punctuation only.")
    if len(name) > NAME_MAX_CHARS:
        raise StoreError(f"That client name is too long ({len(name)} characters; at most {NAME_MAX_CHARS}).",
                         "Give a shorter name or a pseudonym.")
    return name


def name_key(name: str) -> str:
    """The key a client is known by: the name's Unicode case fold (NFD, casefold, NFC: Unicode's canonical
    caseless match, so "Émile"/"émile" and "Straße"/"STRASSE" are one key), with white space made one space and
    invisible characters left out. Unique in the store."""
    return unicodedata.normalize("NFC", " ".join(unicodedata.normalize("NFD", _visible(name)).casefold().split()))


def _visible(name: str) -> str:
    """The name with white space made one space (a tab or a newline is a space) and the characters that cannot
    be seen or typed (:data:`NAME_FORBIDDEN_CATEGORIES`) left out, in NFC."""
    text = " ".join(str(name or "").split())
    text = "".join(ch for ch in text if unicodedata.category(ch) not in NAME_FORBIDDEN_CATEGORIES)
    return unicodedata.normalize("NFC", " ".join(text.split()))


def _unaccented(name: str) -> str:
    """The name's key without its accents: to suggest "Émile" to someone who typed "Emile" (never to match)."""
    return "".join(ch for ch in unicodedata.normalize("NFD", name_key(name)) if not unicodedata.combining(ch))


def _rebuild_for_identity(con: sqlite3.Connection) -> None:
    """Migration 3: clients, sessions and overrides rebuilt with AUTOINCREMENT ids (kept as they were) and
    clients with ``name_key`` unique. Names of older stores are cleaned (NFC, invisible characters left out);
    two clients whose names now share a key are both kept, the later one named "NAME (client ID)", so that
    neither is found, shown or erased in the other's place."""
    con.execute("""CREATE TABLE clients_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            name TEXT NOT NULL CHECK (length(trim(name)) > 0),
            name_key TEXT NOT NULL UNIQUE,
            birth_date TEXT,
            notes TEXT NOT NULL DEFAULT '',
            created_at TEXT NOT NULL)""")
    seen: set[str] = set()
    for cid, name, birth, notes, created in con.execute(
            "SELECT id, name, birth_date, notes, created_at FROM clients ORDER BY id").fetchall():
        shown = _visible(name) or f"client {cid}"
        if name_key(shown) in seen:
            shown = f"{shown} (client {cid})"
        seen.add(name_key(shown))
        con.execute("INSERT INTO clients_new (id, name, name_key, birth_date, notes, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                    (cid, shown, name_key(shown), birth, notes, created))
    con.execute("""CREATE TABLE sessions_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            client_id INTEGER NOT NULL REFERENCES clients(id) ON DELETE CASCADE,
            recorded_at TEXT NOT NULL,
            saved_at TEXT NOT NULL,
            source_name TEXT NOT NULL DEFAULT '',
            pattern TEXT NOT NULL,
            level INTEGER,
            level_name TEXT,
            load_position TEXT,
            pain INTEGER NOT NULL DEFAULT 0,
            score INTEGER,
            verdict TEXT,
            placement_json TEXT,
            screen_json TEXT NOT NULL,
            clinician_notes TEXT NOT NULL DEFAULT '')""")
    con.execute("INSERT INTO sessions_new SELECT id, client_id, recorded_at, saved_at, source_name, pattern, level, "
                "level_name, load_position, pain, score, verdict, placement_json, screen_json, clinician_notes "
                "FROM sessions")
    con.execute("""CREATE TABLE overrides_new (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            session_id INTEGER NOT NULL REFERENCES sessions(id) ON DELETE CASCADE,
            verdict TEXT NOT NULL CHECK (verdict IN ('progress', 'hold', 'regress', 'refer')),
            reason TEXT NOT NULL CHECK (length(trim(reason)) > 0),
            at TEXT NOT NULL)""")
    con.execute("INSERT INTO overrides_new SELECT id, session_id, verdict, reason, at FROM overrides")
    for table in ("overrides", "sessions", "clients"):
        con.execute(f"DROP TABLE {table}")
        con.execute(f"ALTER TABLE {table}_new RENAME TO {table}")
    con.execute("CREATE INDEX sessions_by_client ON sessions(client_id, recorded_at)")
    problems = con.execute("PRAGMA foreign_key_check").fetchall()
    if problems:
        raise StoreError(f"The store's records do not hold together ({len(problems)} rows point to nothing).",
                         "Restore the store from a backup.")


def _safe(name: str) -> str:
    """A folder name for a client name (letters, digits, - and _ kept), at most :data:`FOLDER_MAX_BYTES` bytes
    (a 120-character name in CJK is 360 bytes, past what file systems allow)."""
    out = "".join(ch if ch.isalnum() or ch in "-_" else "_" for ch in name).strip("_")
    while len(out.encode("utf-8")) > FOLDER_MAX_BYTES:
        out = out[:-1]
    return out or "client"


def shown_text(text: str) -> str:
    """``text`` safe to print to a terminal or a page: control and invisible characters (an ESC that would
    clear the terminal, a NUL, a zero-width space) written as their code (U+001B)."""
    return "".join(f"U+{ord(ch):04X}" if unicodedata.category(ch) in NAME_FORBIDDEN_CATEGORIES else ch
                   for ch in str(text))


def _private_dir(folder: Path) -> None:
    """Make ``folder`` (and its missing parents) readable by its user only (0700); one that exists is left."""
    if not folder.exists():
        folder.mkdir(parents=True, mode=0o700)
        folder.chmod(0o700)  # mkdir's mode is cut by the umask


def _private_write(path: Path, data: bytes) -> None:
    """Write a new file readable by its user only (0600)."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(data)


def _row_id(cur: sqlite3.Cursor) -> int:
    """The id of the row an INSERT just made (sqlite always gives one after an INSERT)."""
    if cur.lastrowid is None:
        raise StoreError("The records database did not store the new row.", "Try again; if it repeats, "
                             "check the disk is not full.")
    return cur.lastrowid
