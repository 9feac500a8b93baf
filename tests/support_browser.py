"""The browser tests' shared parts: the Streamlit server (``streamlit run app.py`` as the README says), the
headless Chromium (Debian's /usr/bin/chromium through Playwright, never ``playwright install``), a page on it,
and a Chromium whose camera plays a clip. Not a test module: tests/conftest.py registers the fixtures, the
browser tests import the helpers.

Needs: ``apt-get install -y chromium chromium-driver`` and ``pip install playwright``. Locally the tests skip,
with the reason, when the browser, Playwright or ../shared/videos is missing; with CI=true they fail instead.
"""
from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VIDEOS = REPO.parent / "shared" / "videos"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    # Without these Chromium keeps calling Google services, which floods a closed network.
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]
ANALYSIS_TIMEOUT_MS = 180_000


def _unavailable(reason: str) -> None:
    """Skip locally; fail on CI, which always has the browser and the videos."""
    if os.environ.get("CI") == "true":
        pytest.fail(reason)
    pytest.skip(reason)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    port: int
    tmpdir: Path  # the server's TMPDIR: what the page leaves behind is seen here
    log_path: Path
    store: Path  # the clients' store the page uses (SCREENING_STORE): never the user's own

    def leftovers(self) -> list[Path]:
        return sorted(self.tmpdir.rglob("*"))


@pytest.fixture(scope="module")
def server(request, tmp_path_factory):
    """``streamlit run app.py`` from the project's folder, as the README says, on a free port and with a
    TMPDIR of its own; stopped when the module's tests are done. Only the port and headless mode are given
    on the command line: everything else (localhost only, no usage statistics, no deploy button) must come
    from the project's .streamlit/config.toml."""
    port = _free_port()
    base = tmp_path_factory.mktemp("streamlit")
    tmpdir = base / "tmp"
    tmpdir.mkdir()
    log_path = base / "server.log"
    log = open(log_path, "wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py",
         "--server.headless", "true", "--server.port", str(port), "--server.fileWatcherType", "none"],
        cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
        env={**os.environ, "TMPDIR": str(tmpdir), "SCREENING_STORE": str(base / "store" / "clinic.db")},
    )

    def stop():
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()

    request.addfinalizer(stop)
    url = f"http://localhost:{port}"
    deadline = time.monotonic() + 60
    while True:
        if proc.poll() is not None:
            pytest.fail(f"streamlit exited with code {proc.returncode}:\n{log_path.read_text(errors='replace')}")
        try:
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as r:
                if r.status == 200:
                    return Server(url, port, tmpdir, log_path, base / "store" / "clinic.db")
        except OSError:
            pass
        if time.monotonic() > deadline:
            pytest.fail(f"streamlit did not answer on {url} within 60 s:\n{log_path.read_text(errors='replace')}")
        time.sleep(0.5)


@pytest.fixture(scope="module")
def app_url(server) -> str:
    return server.url


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        _unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium chromium-driver")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        _unavailable("the playwright Python package is missing: pip install playwright")
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(browser, app_url):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    pg.set_default_timeout(30_000)
    pg.goto(app_url)
    pg.locator('[data-testid="stFileUploader"] input[type="file"]').wait_for(state="attached")
    yield pg
    context.close()


def _upload(page, path: Path) -> None:
    page.locator('[data-testid="stFileUploader"] input[type="file"]').set_input_files(str(path))


def _body_text(page) -> str:
    return page.locator("body").inner_text()


def _assert_video_plays(page, timeout_s: float = 30) -> None:
    """The browser fetched and decoded the annotated video (H.264): it knows the picture size."""
    state = {}
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        state = page.evaluate(
            """() => { const v = document.querySelector('video');
                       return {width: v.videoWidth, error: v.error && v.error.message, src: v.src}; }""")
        if state["width"] > 0 or state["error"]:
            break
        page.wait_for_timeout(250)
    assert state.get("width", 0) > 0, (
        f"the browser cannot play the annotated video: {state}. If the server log shows \"Expected ASGI "
        f"message 'http.response.start'\", Streamlit's /media route is broken by the installed Starlette "
        f"(streamlit 1.60 needs starlette<1.5)."
    )


def _is_local(url: str) -> bool:
    parts = urllib.parse.urlparse(url)
    return parts.scheme in ("data", "blob") or parts.hostname in ("localhost", "127.0.0.1", "::1")


def _wait_idle(page, timeout_ms: int = 60_000) -> None:
    """Until the script's run has ended and no element of the previous run is left on the page (a
    download button of the previous run still offers the previous run's data)."""
    page.wait_for_function(
        """() => !document.querySelector('[data-testid="stStatusWidgetRunningIcon"]')
                 && !document.querySelector('[data-stale="true"]')""", timeout=timeout_ms)


# ------------------------------------------------------------------ a Chromium whose camera is a clip
WEBRTC_FRAME = "iframe[title='streamlit_webrtc.component.webrtc_streamer']"
#: Recorded in every frame before the page's own scripts: each RTCPeerConnection's configuration and the
#: ICE candidates it gathers (a server-reflexive or relay candidate means a STUN or TURN server was asked),
#: and what the page gives the speech synthesis.
SPY = """
window.__rtc = [];
window.__spoken = [];
if (window.RTCPeerConnection) {
  const Orig = window.RTCPeerConnection;
  window.RTCPeerConnection = function (config) {
    const pc = new Orig(config);
    const rec = {config: JSON.parse(JSON.stringify(config || null)), candidates: []};
    window.top.__rtc = window.top.__rtc || [];
    window.top.__rtc.push(rec);
    pc.addEventListener('icecandidate', (e) => { if (e.candidate) rec.candidates.push(e.candidate.candidate); });
    return pc;
  };
  window.RTCPeerConnection.prototype = Orig.prototype;
}
if (window.speechSynthesis) {
  window.speechSynthesis.speak = (u) => { (window.top.__spoken = window.top.__spoken || []).push(u.text); };
}
"""


def _y4m(clip: Path, out: Path, **kw) -> Path:
    from bench.live import write_y4m

    if not clip.exists():
        _unavailable(f"{clip} is missing (the shared test videos live in ../shared/videos)")
    return write_y4m(clip, out, **kw)


class Camera:
    """A Chromium whose camera plays ``y4m`` (looped), with the spy in every frame and every request noted."""

    def __init__(self, y4m: Path):
        if not CHROMIUM.exists():
            _unavailable(f"{CHROMIUM} is missing: apt-get install -y chromium")
        try:
            from playwright.sync_api import sync_playwright
        except ImportError:
            _unavailable("the playwright Python package is missing: pip install playwright")
        self._pw = sync_playwright().start()
        self.browser = self._pw.chromium.launch(
            executable_path=str(CHROMIUM), headless=True,
            args=CHROMIUM_ARGS + ["--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
                                  f"--use-file-for-fake-video-capture={y4m}"])
        self.context = self.browser.new_context(viewport={"width": 1280, "height": 1600})
        self.context.add_init_script(SPY)
        self.requests: list[str] = []
        self.console: list[str] = []  # the browser's errors and warnings: what a missing component said
        self.page = self.context.new_page()
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}")
                     if m.type in ("error", "warning") and not m.text.startswith("Unrecognized feature") else None)
        self.page.on("pageerror", lambda e: self.console.append(f"page error: {e}"))
        self.page.on("response", lambda r: self.console.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        self.page.set_default_timeout(30_000)

    def open(self, url: str) -> None:
        self.page.goto(url)
        self.page.get_by_role("button", name=re.compile("finished|Finish the set")).wait_for()

    def start(self, server=None) -> None:
        """Press the camera component's start button. The component must be on the page from its first load:
        in about 1 load in 30 it never came while a fragment redrew the status on a timer during the load
        (Streamlit 1.60); the page now redraws the status on a timer only while the camera plays. When it is
        missing, the message gives the page's frames and DOM, the browser's errors and the server log's end."""
        button = self.page.frame_locator(WEBRTC_FRAME).get_by_role("button", name="Start the camera")
        try:
            button.click(timeout=30_000)
        except Exception as exc:  # say what the page showed instead
            frames = [f.url for f in self.page.frames]
            dom = self.page.evaluate("""() => ({
                iframes: Array.from(document.querySelectorAll('iframe')).map(f => (f.title || '') + ' ' + (f.src || '').slice(0, 80)),
                containers: Array.from(document.querySelectorAll('[data-testid="stElementContainer"]')).map(e => e.innerText.slice(0, 40)),
                running: !!document.querySelector('[data-testid="stStatusWidget"]'),
            })""")
            log = server.log_path.read_text(errors="replace")[-1500:] if server is not None else ""
            raise AssertionError(f"no camera start button after 30 s. The page's frames: {frames}; its DOM: {dom}; "
                                 f"the browser said: {self.console[-10:]}; the server log ends: {log!r}") from exc

    def status(self) -> str:
        box = self.page.locator('[class*="st-key-"][class*="_status"]').first
        return box.inner_text() if box.count() else ""

    def wait_status(self, pattern: str, timeout_s: float) -> str:
        deadline = time.monotonic() + timeout_s
        text = ""
        while time.monotonic() < deadline:
            text = self.status()
            if re.search(pattern, text):
                return text
            self.page.wait_for_timeout(500)
        raise AssertionError(f"the live status never showed {pattern!r} in {timeout_s} s; last: {text!r}")

    def reps(self) -> int:
        m = re.search(r"Repetitions\s+(\d+)", self.status())
        return int(m.group(1)) if m else 0

    def body(self) -> str:
        return self.page.locator("body").inner_text()

    def shot(self, name: str) -> None:
        """A screenshot into $LIVE_SCREENSHOTS (for looking at the page by eye), when set."""
        folder = os.environ.get("LIVE_SCREENSHOTS")
        if folder:
            self.page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()
        self.browser.close()
        self._pw.stop()

    def assert_local(self) -> None:
        """Every request went to the local server, and WebRTC was given no STUN or TURN server and
        gathered only this machine's own addresses."""
        outside = [u for u in self.requests if not _is_local(u)]
        assert not outside, f"requests beyond the local server: {outside}"
        rtc = self.page.evaluate("() => window.__rtc")
        assert rtc, "no RTCPeerConnection was made"
        for pc in rtc:
            assert pc["config"] is not None and pc["config"].get("iceServers") == [], pc["config"]
            kinds = {re.search(r" typ (\w+)", c).group(1) for c in pc["candidates"] if " typ " in c}
            assert kinds <= {"host"}, f"ICE candidates other than this machine's own: {pc['candidates']}"
