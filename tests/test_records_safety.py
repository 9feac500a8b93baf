"""Client records safe for health data (issue 25): one identity per client whatever the letters' case or
Unicode form, ids never reused, nothing left readable by others, backups that cannot destroy the store, names
that can be seen and typed, and every refusal said with exit 2 and what to do. Each test failed on the code
before issue 25 (the closing note's table); all run on real store files, the command line as a user types it."""
from __future__ import annotations

import json
import os
import sqlite3
import stat
import time
import unicodedata
from pathlib import Path

import pytest

from screening import cli
from screening.screen import Screen
from screening.store import (APPLICATION_ID, MIGRATIONS, NAME_MAX_CHARS, SCHEMA_VERSION, Store, StoreError,
                             name_key)

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "sample_videos" / "hinge_side_clean_a.mp4"


@pytest.fixture(scope="module")
def result(tmp_path_factory) -> Path:
    """One real analysis (MediaPipe on a rendered hinge), its result.json saved into the stores below."""
    out = tmp_path_factory.mktemp("analysis") / "out"
    assert cli.main(["analyze", str(CLIP), "--out", str(out), "--quiet", "--no-video"]) == 0
    return out / "result.json"


@pytest.fixture
def screen(result) -> Screen:
    return Screen.from_json(json.loads(result.read_text()))


def run(capsys, *argv) -> tuple[int, str, str]:
    code = cli.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -------------------------------------------------------------- 1. one identity per client
@pytest.mark.fast
@pytest.mark.parametrize("first, second", [("Émile Durand", "émile durand"), ("Anna Straße", "ANNA STRASSE"),
                                           ("Émile Durand", unicodedata.normalize("NFD", "Émile Durand")),
                                           ("Zoë Ångström", "ZOË ÅNGSTRÖM")])
def test_names_that_differ_only_in_case_or_unicode_form_are_one_client(tmp_path, first, second):
    store = Store(tmp_path / "s.db")
    made = store.add_client(first)
    with pytest.raises(StoreError, match="already a client"):
        store.add_client(second)
    assert store.client(second).id == made.id and len(store.clients()) == 1


@pytest.mark.rendered
def test_a_session_saved_under_another_case_goes_to_that_client_and_says_so(tmp_path, screen, capsys, result):
    db = tmp_path / "s.db"
    store = Store(db)
    emile = store.add_client("Émile Durand")
    store.save_session("émile durand", screen)
    store.save_session(unicodedata.normalize("NFD", "ÉMILE DURAND"), screen)
    assert [c.name for c in store.clients()] == ["Émile Durand"]
    assert len(store.sessions(emile.id)) == 2
    code, out, _ = run(capsys, "history", "émile durand", "--store", str(db))
    assert code == 0 and out.startswith("Émile Durand: 2 session(s)")


@pytest.mark.rendered
def test_delete_by_another_case_erases_only_the_one_client_it_names(tmp_path, screen, capsys):
    db = tmp_path / "s.db"
    store = Store(db)
    store.save_session("Émile Durand", screen)
    store.save_session("Emile Durand", screen)  # another person: no accent
    code, out, _ = run(capsys, "delete", "émile durand", "--yes", "--store", str(db))
    assert code == 0 and "Deleted    Émile Durand and 1 session(s)" in out
    assert [c.name for c in Store(db).clients()] == ["Emile Durand"]
    code, _, err = run(capsys, "history", "émile durand", "--store", str(db))  # gone; the other one is named
    assert code == 2 and "there is 'Emile Durand', a name with other accents" in err


def old_store(path: Path, names: list[str], version: int = 2) -> None:
    """A store as an earlier version wrote it, holding ``names`` (each with one session and one override)."""
    con = sqlite3.connect(path)
    for step in MIGRATIONS[:version]:
        for statement in step:
            con.execute(statement)
    con.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    con.execute(f"PRAGMA user_version = {version}")
    for k, name in enumerate(names, start=1):
        con.execute("INSERT INTO clients (name, notes, created_at) VALUES (?, '', '2026-01-05T10:00:00+00:00')", (name,))
        con.execute("INSERT INTO sessions (client_id, recorded_at, saved_at, pattern, level, verdict, screen_json) "
                    "VALUES (?, '2026-01-05T10:00:00+00:00', '2026-01-05T10:00:00+00:00', 'hinge', 2, 'hold', '{}')", (k,))
        con.execute("INSERT INTO overrides (session_id, verdict, reason, at) VALUES (?, 'progress', 'seen', "
                    "'2026-01-06T10:00:00+00:00')", (k,))
    con.commit()
    con.close()


@pytest.mark.fast
def test_an_older_store_holding_look_alike_names_keeps_both_records_apart(tmp_path):
    """Two records an older version let in ('Émile Durand' and 'émile durand', a name with a zero-width space):
    the upgrade keeps every row and id, names the later look-alike by its id, and drops the invisible character."""
    db = tmp_path / "old.db"
    old_store(db, ["Émile Durand", "émile durand", "Anna\u200b Straße", "Anna Strasse"])
    store = Store(db)
    assert store.version == SCHEMA_VERSION and store.integrity() == "ok"
    names = {c.id: c.name for c in store.clients()}
    assert names == {1: "Émile Durand", 2: "émile durand (client 2)", 3: "Anna Straße", 4: "Anna Strasse (client 4)"}
    assert [s.id for s in store.sessions("émile durand (client 2)")] == [2]
    assert store.client("anna straße").id == 3  # typed without the invisible character
    assert store.session(4).override_verdict == "progress"  # overrides kept with their sessions


# -------------------------------------------------------------- 2. ids never reused
@pytest.mark.rendered
def test_ids_of_deleted_clients_and_sessions_are_never_given_again(tmp_path, screen):
    store = Store(tmp_path / "s.db")
    first = store.save_session("Ada Lovelace", screen)
    store.override(first, "progress", "seen in clinic")
    gone_client = store.client("Ada Lovelace").id
    store.delete_client("Ada Lovelace")
    second = store.save_session("Grace Hopper", screen)
    assert second > first and store.client("Grace Hopper").id > gone_client
    # a tab left open on the deleted session: its notes and override name nobody, never Grace's session
    with pytest.raises(StoreError, match="no session"):
        store.set_notes(first, "left knee sore")
    with pytest.raises(StoreError, match="no session"):
        store.override(first, "hold", "late note")
    with pytest.raises(StoreError, match="no longer in the store"):
        store.client(gone_client)
    assert store.session(second).clinician_notes == "" and store.session(second).override_verdict is None


@pytest.mark.rendered
def test_ids_are_not_reused_after_an_upgrade_either(tmp_path, screen):
    db = tmp_path / "old.db"
    old_store(db, ["One", "Two"])
    store = Store(db)
    store.delete_client("Two")  # the highest id goes
    assert store.save_session("Three", screen) == 3


# -------------------------------------------------------------- 4. backups cannot destroy the store
@pytest.mark.rendered
@pytest.mark.parametrize("suffix", ["", "-wal", "-shm", "-journal"])
def test_a_backup_onto_the_stores_own_files_is_refused(tmp_path, screen, capsys, suffix):
    db = tmp_path / "s.db"
    Store(db).save_session("Ada Lovelace", screen)
    code, _, err = run(capsys, "backup", str(tmp_path / f"s.db{suffix}"), "--store", str(db))
    assert code == 2 and "one of the store's own files" in err or (suffix == "" and "already exists" in err)
    assert not Path(f"{db}{suffix}").exists() or suffix == ""
    code, out, _ = run(capsys, "history", "ada lovelace", "--store", str(db))  # the next command: all there
    assert code == 0 and "1 session(s)" in out and Store(db).integrity() == "ok"


# -------------------------------------------------------------- 5. private to the user on disk
@pytest.mark.rendered
def test_the_store_its_folder_backups_and_exports_are_private(tmp_path, screen, capsys):
    old = os.umask(0o022)  # the usual umask: files 0644 and folders 0755 unless the tool says otherwise
    try:
        db = tmp_path / "data" / "screening" / "s.db"
        store = Store(db)
        store.save_session("Ada Lovelace", screen)
        assert mode(db.parent) == 0o700 and mode(db) == 0o600
        for side in db.parent.glob("s.db-*"):
            assert mode(side) == 0o600, side
        assert run(capsys, "backup", str(tmp_path / "backups" / "b.db"), "--store", str(db))[0] == 0
        assert mode(tmp_path / "backups") == 0o700 and mode(tmp_path / "backups" / "b.db") == 0o600
        assert run(capsys, "export", "Ada Lovelace", "--out", str(tmp_path / "exports"), "--store", str(db))[0] == 0
        for p in [tmp_path / "exports", *(tmp_path / "exports").rglob("*")]:
            assert mode(p) == (0o700 if p.is_dir() else 0o600), p
    finally:
        os.umask(old)


@pytest.mark.fast
def test_an_older_store_readable_by_others_is_made_private_on_opening(tmp_path):
    db = tmp_path / "old.db"
    old_store(db, ["One"])
    db.chmod(0o644)
    Store(db)
    assert mode(db) == 0o600


# -------------------------------------------------------------- 6. names that can be seen and typed
@pytest.mark.fast
@pytest.mark.parametrize("name, why", [("Eve\x1b[2J", "U+001B"), ("Nul\x00l", "U+0000"), ("Zero\u200bWidth", "U+200B"),
                                       ("Right\u202eto left", "U+202E"), ("x" * (NAME_MAX_CHARS + 1), "too long"),
                                       ("漢" * (NAME_MAX_CHARS + 1), "too long")])
def test_a_name_that_cannot_be_seen_typed_or_stored_is_refused_before_the_analysis(tmp_path, capsys, name, why):
    db = tmp_path / "s.db"
    t0 = time.monotonic()
    code, _, err = run(capsys, "analyze", str(CLIP), "--out", str(tmp_path / "o"), "--client", name, "--store", str(db))
    assert code == 2 and why in err and "what to do:" in err
    assert time.monotonic() - t0 < 5 and not (tmp_path / "o").exists()  # refused before any tracking
    assert "\x1b" not in err and "\x00" not in err


@pytest.mark.rendered
def test_a_long_cjk_name_exports(tmp_path, screen, capsys):
    db = tmp_path / "s.db"
    Store(db).save_session("漢" * NAME_MAX_CHARS, screen)
    code, out, _ = run(capsys, "export", "漢" * NAME_MAX_CHARS, "--out", str(tmp_path / "e"), "--store", str(db))
    assert code == 0 and len(list((tmp_path / "e").iterdir())) == 1


@pytest.mark.fast
def test_names_from_an_older_store_reach_the_terminal_harmless(tmp_path, capsys):
    db = tmp_path / "old.db"
    old_store(db, ["Eve\x1b[2J Mallory"])
    code, out, _ = run(capsys, "clients", "--store", str(db))
    assert code == 0 and "\x1b" not in out and "Eve[2J Mallory" in out


# -------------------------------------------------------------- 6. what cannot be done: exit 2 and what to do
@pytest.mark.rendered
def test_export_onto_a_file_or_a_dangling_link_says_what_to_do(tmp_path, screen, capsys):
    db = tmp_path / "s.db"
    Store(db).save_session("Ada Lovelace", screen)
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    for out in ("a_file", "dangling"):
        code, _, err = run(capsys, "export", "Ada Lovelace", "--out", str(tmp_path / out), "--store", str(db))
        assert code == 2 and "what to do: Give a folder" in err, err


@pytest.mark.fast
@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_store_folder_says_what_to_do(tmp_path, capsys):
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o500)
    try:
        code, _, err = run(capsys, "clients", "--store", str(folder / "s.db"))
        assert code == 2 and "cannot be opened for writing" in err
    finally:
        folder.chmod(0o700)


@pytest.mark.fast
def test_a_store_that_cannot_be_written_says_what_to_do(tmp_path, capsys):
    """As root, too: the store's path runs through a file, which no permission can make a folder."""
    (tmp_path / "plain").write_text("x")
    code, _, err = run(capsys, "clients", "--store", str(tmp_path / "plain" / "s.db"))
    assert code == 2 and "what to do:" in err and "Traceback" not in err


@pytest.mark.rendered
@pytest.mark.parametrize("value", ["NaN", "Infinity", "-Infinity", "1e308"])
def test_a_result_holding_impossible_numbers_is_refused(tmp_path, result, capsys, value):
    text = result.read_text()
    data = json.loads(text)
    rep_metrics = data["reps"][0]["metrics"]
    key = next(k for k, v in rep_metrics.items() if isinstance(v, float))
    doctored = tmp_path / "result.json"
    doctored.write_text(text.replace(json.dumps({key: rep_metrics[key]})[1:-1], f'"{key}": {value}', 1))
    assert value in doctored.read_text()
    code, out, err = run(capsys, "report", str(doctored), "--out", str(tmp_path / "r.html"))
    assert code == 2 and "what to do:" in err and not (tmp_path / "r.html").exists()
    assert len(err) < 600  # no 300-digit angle


@pytest.mark.fast
def test_name_key_is_the_unicode_caseless_match():
    assert name_key("Straße") == name_key("STRASSE") == "strasse"
    assert name_key("  Émile\tDurand ") == name_key(unicodedata.normalize("NFD", "émile durand"))
    assert name_key("Émile") != name_key("Emile")  # an accent is a different name, not a different case
