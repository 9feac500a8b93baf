"""Privacy on export: the face pixelated in the key frame (and so the reports) from the pose model's own
face landmarks; result.json naming the file, not its folder; the page's password, kept as a hash only, asked
for when the page is served beyond this computer (in a real browser)."""
from __future__ import annotations

import json
import os
import socket
import stat
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import cv2
import numpy as np
import pytest

from screening import cli
from screening.access import check_password, password_is_set, set_password

REPO = Path(__file__).resolve().parents[1]
CLIP = REPO / "sample_videos" / "hinge_side_clean_a.mp4"


@pytest.mark.rendered
def test_blurred_faces_in_the_key_frame_and_the_file_name_only(tmp_path):
    outs = {}
    for blur in (False, True):
        out = tmp_path / f"blur{int(blur)}"
        assert cli.main(["analyze", str(CLIP), "--out", str(out), "--quiet", "--no-video"]
                        + (["--blur-faces"] if blur else [])) == 0
        outs[blur] = out
    plain = cv2.imread(str(outs[False] / "key_frame.jpg"), cv2.IMREAD_GRAYSCALE).astype(float)
    blurred = cv2.imread(str(outs[True] / "key_frame.jpg"), cv2.IMREAD_GRAYSCALE).astype(float)
    changed = np.abs(plain - blurred) > 25
    ys, xs = np.nonzero(changed)
    assert len(ys) > 200, "the key frame was not blurred"
    # what changed is one compact patch (the head), not the picture
    box = (ys.max() - ys.min() + 1) * (xs.max() - xs.min() + 1)
    assert box < 0.06 * plain.size, box / plain.size
    y0, y1, x0, x1 = ys.min(), ys.max() + 1, xs.min(), xs.max() + 1
    assert np.abs(plain - blurred)[changed].mean() > 40  # changed for real, not by the JPEG's noise
    # the head is at the top of the body: the patch lies in the picture's upper half
    assert y1 < 0.5 * plain.shape[0]
    r = json.loads((outs[True] / "result.json").read_text())
    assert r["video"]["path"] == CLIP.name  # the name, not the folder it came from


@pytest.mark.fast
def test_the_head_is_pixelated_in_coarse_blocks_and_the_rest_untouched():
    from screening.annotate import blur_face, face_circle
    from screening.landmarks import LM

    rng = np.random.default_rng(5)
    img = rng.integers(0, 255, (480, 640, 3), dtype=np.uint8)  # all detail
    before = img.copy()
    pts = np.full((33, 2), np.nan)
    pts[LM.NOSE], pts[LM.LEFT_EYE], pts[LM.RIGHT_EYE] = (320, 100), (312, 92), (328, 92)
    pts[LM.LEFT_EAR], pts[LM.RIGHT_EAR] = (300, 96), (340, 96)
    pts[LM.LEFT_SHOULDER], pts[LM.RIGHT_SHOULDER], pts[LM.LEFT_HIP] = (280, 150), (360, 150), (285, 290)
    (cx, cy), r = face_circle(pts)
    assert abs(cx - 320) < 5 and abs(cy - 95) < 5 and 40 <= r <= 60  # the head: wider than the face's points
    blur_face(img, ((cx, cy), r))
    yy, xx = np.mgrid[:480, :640]
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= (r - 1) ** 2
    outside = (xx - cx) ** 2 + (yy - cy) ** 2 > (r + 1) ** 2
    assert (img[outside] == before[outside]).all()
    patch = img[inside].astype(int)
    # a few dozen flat blocks instead of thousands of distinct pixels
    assert len(np.unique(patch.reshape(-1, 3), axis=0)) < 0.05 * inside.sum()
    assert face_circle(np.full((33, 2), np.nan)) is None


def test_the_password_is_kept_as_a_salted_hash_readable_by_this_user_only(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("SCREENING_PASSWORD_FILE", str(tmp_path / "pw"))
    assert not password_is_set() and not check_password("anything")
    with pytest.raises(Exception):
        set_password("short")
    path = set_password("clinic-room-2-tablet")
    text = path.read_text()
    assert "clinic-room-2-tablet" not in text and text.startswith("scrypt$")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert check_password("clinic-room-2-tablet") and not check_password("clinic-room-2-tablet ")
    first = text
    set_password("clinic-room-2-tablet")
    assert path.read_text() != first  # a new salt each time
    monkeypatch.setattr(sys, "stdin", __import__("io").StringIO("another-long-one\n"))
    assert cli.main(["set-password", "--from-stdin"]) == 0
    assert check_password("another-long-one")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _session_ids(frame) -> list[str]:
    """The tab's session id, from the server's first message on the page's websocket (a ForwardMsg)."""
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    if not isinstance(frame, (bytes, bytearray)):
        return []
    msg = ForwardMsg()
    try:
        msg.ParseFromString(bytes(frame))
    except Exception:  # noqa: BLE001 - a frame of another kind
        return []
    sid = msg.new_session.initialize.session_id if msg.HasField("new_session") else ""
    return [sid] if sid else []


def _upload_status(page, url: str, session_id: str) -> int:
    """The status of a small upload to the page's upload route for ``session_id``, sent from the page itself
    (its cookies and XSRF token, as Streamlit's own uploader sends it)."""
    return page.evaluate("""async ([url, sid]) => {
        const token = (document.cookie.match(/_streamlit_xsrf=([^;]+)/) || [])[1] || "";
        const form = new FormData();
        form.append("file", new Blob([new Uint8Array(1024)]), "clip.mp4");
        const r = await fetch(`${url}/_stcore/upload_file/${sid}/probe-file`, {method: "PUT", body: form,
            headers: {"X-Xsrftoken": decodeURIComponent(token)}, credentials: "include"});
        return r.status; }""", [url, session_id])


@pytest.mark.browser
def test_served_beyond_this_computer_the_page_asks_for_the_password(tmp_path):
    """Started on an address other than localhost (127.0.0.2 stands in for the clinic's network address):
    closed while no password is set; then the sign-in form, a wrong password refused, the right one opens
    the pages."""
    from tests.support_browser import CHROMIUM, CHROMIUM_ARGS, _unavailable

    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing")
    from playwright.sync_api import sync_playwright

    port = _free_port()
    env = {**os.environ, "SCREENING_PASSWORD_FILE": str(tmp_path / "pw"), "TMPDIR": str(tmp_path),
           "SCREENING_STORE": str(tmp_path / "store.db")}
    log = open(tmp_path / "server.log", "wb")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--server.address", "127.0.0.2",
                             "--server.fileWatcherType", "none"], cwd=REPO, env=env, stdout=log,
                            stderr=subprocess.STDOUT)
    url = f"http://127.0.0.2:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(url + "/_stcore/health", timeout=2):
                    break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail((tmp_path / "server.log").read_text())
                time.sleep(0.5)
        with sync_playwright() as p:
            b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
            page = b.new_page()
            sessions: list[str] = []
            page.on("websocket", lambda ws: ws.on("framereceived", lambda f: sessions.extend(_session_ids(f))))
            page.goto(url)
            page.get_by_text("no password has been set").wait_for(timeout=30_000)
            assert page.locator('[data-testid="stFileUploader"]').count() == 0
            monkey_env = dict(os.environ, SCREENING_PASSWORD_FILE=str(tmp_path / "pw"))
            subprocess.run([sys.executable, "-m", "screening.cli", "set-password", "--from-stdin"], input="front-desk-2026\n",
                           text=True, env=monkey_env, check=True, capture_output=True)
            page.reload()
            field = page.get_by_label("The clinic's password for this page")
            field.fill("not-it-at-all")
            page.get_by_role("button", name="Sign in").click()
            page.get_by_text("That is not the password.").wait_for(timeout=30_000)
            assert page.locator('[data-testid="stFileUploader"]').count() == 0
            # the tab at the sign-in form cannot upload through Streamlit's own route: refused unread
            assert sessions, "the page's session id was not seen"
            assert _upload_status(page, url, sessions[-1]) == 400
            field.fill("front-desk-2026")
            page.get_by_role("button", name="Sign in").click()
            page.locator('[data-testid="stFileUploader"]').wait_for(timeout=30_000)
            assert "served to the network" in page.locator("body").inner_text()
            assert _upload_status(page, url, sessions[-1]) == 204  # signed in: the same request is taken
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=15)
        log.close()
