"""Benchmarks and the helpers the tests share with them (the rendered corpus, the UI-PRMD motion capture)."""


def publish(name: str, md: str, result: dict, as_json: bool, drop: str) -> int:
    """A benchmark's last step: write its markdown as bench/NAME.md, print it, and with ``as_json`` print the
    result without its bulky ``drop`` key as the last line, one JSON object."""
    import json
    from pathlib import Path

    (Path(__file__).resolve().parent / f"{name}.md").write_text(md)
    print(md)
    if as_json:
        print(json.dumps({k: v for k, v in result.items() if k != drop}))
    return 0
