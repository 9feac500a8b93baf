"""Benchmarks and the helpers the tests share with them (the rendered corpus, the UI-PRMD motion capture)."""
