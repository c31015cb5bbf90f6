"""Extraction quality and speed of broadsheet next to the reference extractors.

Runs the extraction benchmark's scorer once with broadsheet's
``extract_text`` and the trafilatura (without comments) and readability
built-ins, so their figures are printed side by side and their timings share
the same machine noise.

    python benchmarks/extraction.py [BENCHMARK_DIR] [score.py options…]

BENCHMARK_DIR defaults to ``../shared/extraction-benchmark`` next to the
repository.  The references need ``pip install trafilatura html-text``; a
reference that is not installed is left out.  Extra options go to score.py,
e.g. ``--worst 10``, ``--limit 20``, ``--json out.json``.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEFAULT_DATA = REPO.parent / "shared" / "extraction-benchmark"

BROADSHEET = "broadsheet:=broadsheet.extract:extract_text"
REFERENCES = (
    ("trafilatura-nocomments", "trafilatura"),
    ("readability-text_content", None),
    ("readability-html_text", "html_text"),
)


def main(argv: list[str]) -> int:
    data = DEFAULT_DATA
    if argv and not argv[0].startswith("-"):
        data = Path(argv[0])
        argv = argv[1:]
    script = data / "score.py" if data.is_dir() else data
    if script.is_file() and data.is_file():
        data = script.parent
    if not script.is_file():
        print(f"no benchmark at {data} (expected score.py there)", file=sys.stderr)
        return 2
    command = [sys.executable, str(script), "--data", str(data), "--py", BROADSHEET]
    for builtin, module in REFERENCES:
        if module is None or importlib.util.find_spec(module) is not None:
            command += ["--builtin", builtin]
        else:
            print(f"({builtin} left out: {module} is not installed)", file=sys.stderr)
    if "--worst" not in argv:
        argv = [*argv, "--worst", "10"]
    command += argv
    src = REPO / "src"
    env = None
    if src.is_dir():
        import os

        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p)
    return subprocess.call(command, env=env)


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
