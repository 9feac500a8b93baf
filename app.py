"""Web page for the movement screen: upload a clip, get the verdict, the annotated video, the reps and the report.

Run with ``streamlit run app.py`` from this folder (its .streamlit/config.toml keeps the page to this
computer). Everything happens on this machine: the upload goes from the browser to the local Streamlit
server, into a temporary folder that is deleted as soon as the analysis is done. The pages, one module each
in :mod:`screening.app`, only parse what the user chose, call the public API (:mod:`screening`) and show what
it returns, in the words of :mod:`screening.present`. This file sets up the process and routes to the pages.
"""
from __future__ import annotations

import streamlit as st

from screening import filter_native_logs, limit_arenas, sweep
from screening.app.client import client_page
from screening.app.clients import clients_page
from screening.app.compare import compare_page
from screening.app.home import home_page
from screening.app.live import live_page
from screening.app.session import session_page
from screening.app.signin import guard_uploads, mark_signed_in, signed_in
from screening.app.upload import upload_page

limit_arenas()  # this process is the app
filter_native_logs()  # MediaPipe's C++ start-up lines stay off the server's terminal (once per process)


@st.cache_resource
def _swept() -> int:
    """Once per server: remove what a killed earlier run left in the temporary folder (a client's video)."""
    return len(sweep())


_swept()


def main() -> None:
    st.set_page_config(page_title="Movement screen", layout="centered")
    guard_uploads()
    if not signed_in():
        return
    mark_signed_in()
    pages = {"Screen": [st.Page(upload_page, title="Analyse a video", url_path="upload", default=True),
                        st.Page(live_page, title="Live screen", url_path="live"),
                        st.Page(home_page, title="Screen yourself at home", url_path="home")],
             "Records": [st.Page(clients_page, title="Clients", url_path="clients"),
                         st.Page(client_page, title="A client's record", url_path="client"),
                         st.Page(session_page, title="A session", url_path="session"),
                         st.Page(compare_page, title="Compare two sessions", url_path="compare")]}
    st.navigation(pages).run()


if __name__ == "__main__":  # `streamlit run app.py` runs it as __main__; tests import its functions
    main()
