"""The web page (``streamlit run app.py``), one module per page; app.py sets up the process and routes to them.

Pages: :mod:`.upload` (Analyse a video), :mod:`.live` (Live screen), :mod:`.home` (Screen yourself at home),
:mod:`.clients` (Clients), :mod:`.client` (A client's record), :mod:`.session` (A session), :mod:`.compare`
(Compare two sessions), and :mod:`.signin` (the password asked when the page is served beyond this computer).
Shared by them: :mod:`.layout` (words, warnings, the choices of what was filmed), :mod:`.analysis` (an analysis
run for the page), :mod:`.result` (a result shown), :mod:`.camera` (the live set), :mod:`.charts` and
:mod:`.store` (the clinic's records).

The pages use the public API (:mod:`screening`) only. Importing :mod:`screening` never imports this package
(nor Streamlit).
"""
