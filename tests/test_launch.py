"""The command's start: the garbage collector is paused while the command
loads, and resumed (with what the start loaded frozen) once its work begins."""

from __future__ import annotations

import gc
import subprocess
import sys

from broadsheet import settle


def test_settle_resumes_a_paused_collector_and_freezes_what_exists():
    frozen = gc.get_freeze_count()
    gc.disable()
    try:
        settle()
        assert gc.isenabled()
        assert gc.get_freeze_count() > frozen
    finally:
        gc.unfreeze()
        gc.enable()


def test_settle_leaves_a_running_collector_alone():
    assert gc.isenabled()
    frozen = gc.get_freeze_count()
    settle()
    assert gc.isenabled() and gc.get_freeze_count() == frozen


# Runs a command through broadsheet.launch.run in a fresh interpreter and
# notes whether the collector ran at a few moments along the way.
SCRIPT = """
import gc, sys, asyncio
notes = []
import broadsheet.services as services
real_open, real_refresh = services.Services.open.__func__, services.Services.refresh
def opened(cls, *args, **kwargs):
    notes.append(("open", gc.isenabled()))
    return real_open(cls, *args, **kwargs)
async def refresh(self, *args, **kwargs):
    notes.append(("refresh", gc.isenabled()))
    return await real_refresh(self, *args, **kwargs)
services.Services.open = classmethod(opened)
services.Services.refresh = refresh
sys.argv = ["broadsheet", "--library", sys.argv[1], *sys.argv[2:]]
from broadsheet.launch import run
code = run()
print(code, notes, gc.isenabled())
"""


def _run(tmp_path, *command: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, str(tmp_path / "lib.sqlite3"), *command],
        capture_output=True, text=True, timeout=60, check=True)
    return done.stdout.strip()


def test_a_command_runs_with_the_collector_resumed(tmp_path):
    assert _run(tmp_path, "tags") == "0 [('open', True)] True"


def test_a_refresh_resumes_it_when_its_event_loop_starts(tmp_path):
    # Opening the library is still part of the start; fetching is the work.
    assert _run(tmp_path, "refresh", "--quiet") == "0 [('open', False), ('refresh', True)] True"
