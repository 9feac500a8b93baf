"""The clinic's store (screening.store) on a real SQLite file: sessions saved from real analyses of rendered
clips, the command line around it, schema upgrades, refusals of files that are not a store, erasure that
leaves nothing, saves killed at random moments and saves from two threads at once."""
from __future__ import annotations

import hashlib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from screening import cli
from screening.store import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION, Store, StoreError

NAME = "Zelda Quixotic-Marsh"  # a name no other file here contains


@pytest.fixture(scope="module")
def store_with_two_sessions(tmp_path_factory, repo):
    """Two real analyses saved for one client through `screening analyze --client`: a clean hinge filmed as a
    Romanian deadlift (kept with its annotated video), and a rounded one filmed as the hinge drill."""
    base = tmp_path_factory.mktemp("store")
    db = base / "clinic.db"
    for clip, exercise, extra in (("hinge_side_flex30.mp4", "hip_hinge_drill", []),
                                  ("hinge_side_clean_a.mp4", "rdl", ["--keep-video"])):
        code = cli.main(["analyze", str(repo / "sample_videos" / clip), "--out", str(base / clip), "--quiet",
                         "--exercise", exercise, "--client", NAME, "--store", str(db), *extra])
        assert code == 0
        time.sleep(1.1)  # a later session is later (times are kept to the second)
    return db, base


@pytest.mark.rendered
def test_two_analyses_make_two_dated_points_on_the_clients_path(store_with_two_sessions, capsys):
    db, _ = store_with_two_sessions
    store = Store(db)
    assert store.version == SCHEMA_VERSION and store.integrity() == "ok"
    [client] = store.clients()
    assert client.name == NAME and client.sessions == 2
    first, second = store.sessions(NAME.lower())  # names are found in any case
    assert first.recorded_at < second.recorded_at
    assert (first.level, first.pattern) == (1, "hinge") and second.level == 4
    assert first.verdict in ("hold", "regress") and second.verdict == "progress"  # 30 deg rounded, then clean
    # per-rep measures are rows a query can use
    with sqlite3.connect(db) as con:
        peak = con.execute("SELECT max(value) FROM rep_measures WHERE session_id = ? AND metric = "
                           "'spinal_flexion_deg'", (first.id,)).fetchone()[0]
    assert peak > 20
    # the key frame, the report, and only where asked the annotated video
    assert store.file(first.id, "key_frame")[:2] == b"\xff\xd8"
    assert b"<html" in store.file(first.id, "report_html")[:200].lower()
    assert store.file(first.id, "annotated_video") is None
    assert store.file(second.id, "annotated_video")[4:8] == b"ftyp"
    screen = store.screen(second.id)
    assert screen.placement.verdict == "progress" and "key_frame" in screen.attachments

    assert cli.main(["history", NAME, "--store", str(db)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 3 and "hinge level 1" in out[1] and "hinge level 4" in out[2] and "PROGRESS" in out[2]
    assert "spinal flexion max" in out[1]
    assert cli.main(["clients", "--store", str(db)]) == 0
    assert NAME in capsys.readouterr().out


@pytest.mark.rendered
def test_an_override_is_kept_with_its_reason_and_shown_as_one(store_with_two_sessions, tmp_path, capsys):
    db, _ = store_with_two_sessions
    copy = Store(db).backup(tmp_path / "copy.db")  # the online backup: a store of its own
    store = Store(copy)
    first = store.sessions(NAME)[0]
    with pytest.raises(StoreError):
        store.override(first.id, "progress", "  ")  # no reason, no override
    store.override(first.id, "progress", "pain-free, and the back stays long with a cue")
    s = store.session(first.id)
    assert s.verdict != "progress" and s.shown_verdict == "progress" and "cue" in s.override_reason
    store.set_notes(first.id, "Filmed in clinic room 2")
    assert store.session(first.id).clinician_notes == "Filmed in clinic room 2"
    assert cli.main(["history", NAME, "--store", str(copy)]) == 0
    assert "PROGRESS (the clinician's; measured" in capsys.readouterr().out
    placed = store.screen(first.id, with_override=True).placement
    assert (placed.verdict, placed.measured_verdict) == ("progress", s.verdict)
    assert store.screen(first.id).placement.measured_verdict is None  # as analysed
    report = tmp_path / "path.html"
    assert cli.main(["report", "--client", NAME, "--store", str(copy), "--out", str(report)]) == 0
    html = report.read_text()
    # the override is of the earlier session: its point on the path says whose verdict it is
    assert "progress (the clinician&#x27;s)" in html or "progress (the clinician's)" in html
    assert html.count("<img") >= 1


@pytest.mark.rendered
def test_export_is_readable_without_the_tool(store_with_two_sessions, tmp_path):
    db, _ = store_with_two_sessions
    assert cli.main(["export", NAME, "--out", str(tmp_path), "--store", str(db)]) == 0
    [folder] = [p for p in tmp_path.iterdir() if not p.name.startswith(".")]
    doc = json.loads((folder / "client.json").read_text())
    assert doc["client"]["name"] == NAME and len(doc["sessions"]) == 2
    for s in doc["sessions"]:
        d = folder / s["folder"]
        assert json.loads((d / "result.json").read_text())["pattern"] == "hinge"
        assert (d / "report.html").stat().st_size > 1000 and (d / "key_frame.jpg").exists()
        assert any(m["metric"] == "spinal_flexion_deg" for m in s["rep_measures"])
    assert (folder / doc["sessions"][1]["folder"] / "annotated.mp4").exists()


@pytest.mark.rendered
def test_delete_erases_the_client_and_leaves_nothing_in_the_files(store_with_two_sessions, tmp_path, capsys):
    db, _ = store_with_two_sessions
    copy = Store(db).backup(tmp_path / "to_delete.db")
    store = Store(copy)
    key_frame = store.file(store.sessions(NAME)[0].id, "key_frame")
    store.add_client("Another Person")
    assert cli.main(["delete", NAME, "--store", str(copy)]) == 2  # no terminal to confirm: refused
    assert "--yes" in capsys.readouterr().err and len(store.sessions(NAME)) == 2
    assert cli.main(["delete", NAME, "--yes", "--store", str(copy)]) == 0
    assert [c.name for c in store.clients()] == ["Another Person"]
    with sqlite3.connect(copy) as con:
        for table in ("sessions", "rep_measures", "files"):
            assert con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 0, table
    raw = b"".join(p.read_bytes() for p in tmp_path.glob("to_delete.db*"))
    assert NAME.encode() not in raw and key_frame[200:264] not in raw


@pytest.mark.fast
def test_a_file_made_by_an_older_version_is_upgraded_in_place(tmp_path):
    old = tmp_path / "v1.db"
    con = sqlite3.connect(old)
    for statement in MIGRATIONS[0]:
        con.execute(statement)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute("PRAGMA user_version = 1")
    con.execute("INSERT INTO clients (name, notes, created_at) VALUES ('Old Client', 'knee', '2026-01-05T10:00:00+00:00')")
    con.execute("INSERT INTO sessions (client_id, recorded_at, saved_at, pattern, level, verdict, screen_json) "
                "VALUES (1, '2026-01-05T10:00:00+00:00', '2026-01-05T10:00:00+00:00', 'lunge', 2, 'hold', '{}')")
    con.commit()
    con.close()
    store = Store(old)
    assert store.version == SCHEMA_VERSION == 3 and store.integrity() == "ok"
    [s] = store.sessions("old client")
    assert (s.pattern, s.level, s.verdict, s.clinician_notes) == ("lunge", 2, "hold", "")
    store.override(s.id, "progress", "seen in clinic")  # the new version's table works on the old data
    assert store.session(s.id).shown_verdict == "progress"


def _fingerprint(path: Path) -> tuple:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


@pytest.mark.fast
@pytest.mark.parametrize("kind", ["text", "png", "other program's database", "damaged store", "newer store"])
def test_a_file_that_is_not_this_tools_store_is_refused_and_not_touched(tmp_path, kind):
    path = tmp_path / "given.db"
    if kind == "text":
        path.write_text("name,notes\nA,B\n")
    elif kind == "png":
        path.write_bytes(b"\x89PNG\r\n\x1a\n" + os.urandom(4000))
    elif kind == "other program's database":
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, amount REAL)")
        con.close()
    elif kind == "damaged store":
        Store(path).add_client("Someone")
        data = bytearray(path.read_bytes())
        data[4096:8192] = os.urandom(4096)
        path.write_bytes(bytes(data))
        for extra in tmp_path.glob("given.db-*"):
            extra.unlink()
    else:
        Store(path)
        con = sqlite3.connect(path)
        con.execute("PRAGMA user_version = 99")
        con.close()
    before = _fingerprint(path)
    with pytest.raises(StoreError) as err:
        Store(path)
    assert "It was not changed" in err.value.message
    assert _fingerprint(path) == before
    assert not list(tmp_path.glob("given.db-wal"))


@pytest.mark.fast
def test_the_command_line_refuses_a_foreign_store_before_tracking(tmp_path, repo, capsys):
    path = tmp_path / "notes.txt"
    path.write_text("not a database")
    t0 = time.monotonic()
    code = cli.main(["analyze", str(repo / "sample_videos" / "hinge_side_clean_a.mp4"), "--out", str(tmp_path / "o"),
                     "--client", "X", "--store", str(path)])
    assert code == 2 and time.monotonic() - t0 < 5
    assert "not a database" in capsys.readouterr().err and path.read_text() == "not a database"


WORKER = r"""
import json, sys
from screening.screen import Screen
from screening.store import Store
store = Store(sys.argv[1])
screen = Screen.from_json(json.loads(open(sys.argv[2]).read()))
screen.attachments["key_frame"] = open(sys.argv[3], "rb").read()
video = bytes(range(256)) * 4000  # ~1 MB: a save long enough to be killed in the middle of
n = 0
while True:
    store.save_session("Killed Midway", screen, video=video, report_html=b"<html>" + b"x" * 200000 + b"</html>")
    n += 1
    print(n, flush=True)
"""


@pytest.mark.rendered
def test_a_save_killed_at_any_moment_leaves_the_store_consistent(store_with_two_sessions, tmp_path):
    """A process saving sessions in a loop is SIGKILLed at random moments, eight times: each time the store
    passes SQLite's integrity check, holds every session the process reported saved (and at most the one
    it was saving), and every earlier session still loads."""
    _, base = store_with_two_sessions
    result = base / "hinge_side_clean_a.mp4" / "result.json"
    key_frame = base / "hinge_side_clean_a.mp4" / "key_frame.jpg"
    db = tmp_path / "killed.db"
    Store(db)
    script = tmp_path / "worker.py"
    script.write_text(WORKER)
    rng = random.Random(16)
    reported = 0
    for round_ in range(8):
        proc = subprocess.Popen([sys.executable, str(script), str(db), str(result), str(key_frame)],
                                stdout=subprocess.PIPE, text=True, cwd=Path(__file__).resolve().parents[1])
        time.sleep(rng.uniform(0.8, 2.5))
        proc.send_signal(signal.SIGKILL)
        out, _ = proc.communicate()
        reported += len(out.split())
        store = Store(db)
        assert store.integrity() == "ok", round_
        n = len(store.sessions("Killed Midway")) if store.clients() else 0
        assert reported <= n <= reported + round_ + 1, (round_, reported, n)
        reported = n  # a save committed but not yet printed counts from here on
        for s in store.sessions("Killed Midway") if n else []:
            assert store.screen(s.id).pattern == "hinge"
    assert reported >= 8


@pytest.mark.rendered
def test_two_saves_at_once_both_succeed(store_with_two_sessions, tmp_path):
    """Two tabs saving at the same moment: two threads, ten saves each, into one store."""
    db, _ = store_with_two_sessions
    screen = Store(db).screen(Store(db).sessions(NAME)[1].id)
    target = Store(tmp_path / "busy.db")
    errors = []

    def save(who):
        try:
            for _ in range(10):
                target.save_session(who, screen)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)

    threads = [threading.Thread(target=save, args=(f"Tab {k}",)) for k in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    assert [c.sessions for c in target.clients()] == [10, 10]
