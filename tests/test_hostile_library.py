"""The library file under hostile conditions: damage, foreign files, newer
schemas, read-only places, kill -9 during writes, two writers at once."""

from __future__ import annotations

import hashlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from broadsheet.library import Library, LibraryError
from broadsheet.library.schema import APPLICATION_ID, SCHEMA_VERSION
from broadsheet.model import Document

WORKER = r'''
import sys
from broadsheet.library import Library
from broadsheet.model import TextQuoteSelector, TextPositionSelector
path, prefix, count = sys.argv[1], sys.argv[2], int(sys.argv[3])
library = Library.open(path)
story = int(sys.argv[4])
print("ready", flush=True)
for i in range(count):
    if i % 2:
        library.add_tags(story, [f"{prefix}{i}"])
        print(f"tag {prefix}{i}", flush=True)
    else:
        note = f"{prefix}{i}"
        library.add_annotation(story, TextQuoteSelector("word"), TextPositionSelector(0, 4), note=note)
        print(f"note {note}", flush=True)
library.close()
'''


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def make_library(path: Path) -> int:
    library = Library.open(path)
    try:
        story_id, _ = library.add_story(
            library.saved_source_id(), url="http://example.org/a", title="A story",
            document=Document(blocks=[], title="A story"),
        )
        return story_id
    finally:
        library.close()


def one_sentence(error: Exception) -> str:
    text = str(error)
    assert text and "\n" not in text and len(text) < 400
    return text


# ---------------------------------------------------------------- files that are not (good) libraries


def test_random_bytes_after_a_valid_header(tmp_path):
    path = tmp_path / "lib.sqlite"
    path.write_bytes(b"SQLite format 3\x00" + random.Random(1).randbytes(64 * 1024))
    before = digest(path)
    with pytest.raises(LibraryError) as info:
        Library.open(path)
    assert "damaged" in one_sentence(info.value) or "not a broadsheet library" in str(info.value)
    assert digest(path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["lib.sqlite"]


@pytest.mark.parametrize("keep", [0.5, 0.1])
def test_truncated_library(tmp_path, keep):
    path = tmp_path / "lib.sqlite"
    library = Library.open(path)
    for i in range(300):
        library.add_story(library.saved_source_id(), url=f"http://example.org/{i}", title=f"Story {i} " * 20)
    library._db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    library.close()
    data = path.read_bytes()
    path.write_bytes(data[: int(len(data) * keep)])
    before = digest(path)
    try:
        library = Library.open(path)
    except LibraryError as error:
        one_sentence(error)
        assert digest(path) == before
        return
    # Opened: then reading must fail cleanly or work, never crash with a raw sqlite error.
    try:
        try:
            library.count_stories()
            library.stories("", 0, 1000)
        except sqlite3.DatabaseError as error:
            pytest.fail(f"raw sqlite error escaped: {error}")
    finally:
        library.close()


def test_another_programs_sqlite_file(tmp_path):
    path = tmp_path / "other.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE stories (x)")
    db.execute("INSERT INTO stories VALUES (1)")
    db.commit()
    db.close()
    before = digest(path)
    with pytest.raises(LibraryError) as info:
        Library.open(path)
    assert "another program" in one_sentence(info.value)
    assert digest(path) == before
    assert not (tmp_path / "other.db-wal").exists()


def test_newer_schema_version(tmp_path):
    path = tmp_path / "lib.sqlite"
    make_library(path)
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 5}")
    db.commit()
    db.close()
    before = digest(path)
    with pytest.raises(LibraryError) as info:
        Library.open(path)
    assert "newer broadsheet" in one_sentence(info.value)
    assert digest(path) == before


def _ro_bind_available() -> bool:
    if os.geteuid() != 0 or not shutil.which("unshare") or not shutil.which("mount"):
        return False
    probe = subprocess.run(["unshare", "-m", "sh", "-c", "mount --bind -o ro /tmp /tmp"],
                           capture_output=True)
    return probe.returncode == 0


def _open_in_read_only_place(tmp_path) -> tuple[str, bool]:
    """Open a library in a read-only folder in a child process: (its output, file unchanged)."""
    path = tmp_path / "ro" / "lib.sqlite"
    path.parent.mkdir()
    make_library(path)
    before = digest(path)
    script = (
        "import sys\nfrom broadsheet.library import Library, LibraryError\n"
        "try:\n    lib = Library.open(sys.argv[1])\nexcept LibraryError as e:\n"
        "    print('ERROR', e)\nelse:\n"
        "    try:\n        print('COUNT', lib.count_stories())\n"
        "        lib.set_read(1, True)\n        print('WROTE')\n"
        "    except Exception as e:\n        print('RAISED', type(e).__name__, e)\n"
    )
    if _ro_bind_available():
        # root ignores file modes: a read-only bind mount is what a read-only place really is
        command = ["unshare", "-m", "sh", "-c",
                   f'mount --bind -o ro "{path.parent}" "{path.parent}" && exec "$0" -c "$1" "$2"',
                   sys.executable, script, str(path)]
    elif os.geteuid() != 0:
        os.chmod(path.parent, 0o555)
        os.chmod(path, 0o444)
        command = [sys.executable, "-c", script, str(path)]
    else:
        pytest.skip("running as root without mount namespaces: nothing is read-only")
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=30)
    finally:
        os.chmod(path.parent, 0o755)
        os.chmod(path, 0o644)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip().replace(str(path), "PATH"), digest(path) == before


def test_read_only_library_is_refused_untouched(tmp_path):
    out, unchanged = _open_in_read_only_place(tmp_path)
    assert out.startswith("ERROR PATH ") and "\n" not in out, out
    assert unchanged


def test_read_only_library_is_called_read_only(tmp_path):
    out, _ = _open_in_read_only_place(tmp_path)
    assert "read-only" in out and "damaged" not in out, out


# ---------------------------------------------------------------- kill -9 and two writers


def _reported(lines: list[str]) -> tuple[set[str], set[str]]:
    tags = {line.split()[1] for line in lines if line.startswith("tag ")}
    notes = {line.split()[1] for line in lines if line.startswith("note ")}
    return tags, notes


def _check(path: Path, story_id: int, tags: set[str], notes: set[str]) -> None:
    db = sqlite3.connect(path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        db.close()
    library = Library.open(path)
    try:
        stored_tags = set(library.story(story_id).tags)
        stored_notes = {a.note for a in library.annotations(story_id)}
    finally:
        library.close()
    assert tags <= stored_tags, sorted(tags - stored_tags)[:5]
    assert notes <= stored_notes, sorted(notes - stored_notes)[:5]


def _kill_trials(path: Path, story_id: int, worker: Path, trials: int, seed: int, errors: list,
                 saved: list) -> None:
    rng = random.Random(seed)
    tags: set[str] = set()
    notes: set[str] = set()
    try:
        for trial in range(trials):
            proc = subprocess.Popen(
                [sys.executable, str(worker), str(path), f"s{seed}t{trial}x", "100000", str(story_id)],
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            )
            lines: list[str] = []
            assert proc.stdout.readline().strip() == "ready"
            deadline = time.monotonic() + rng.uniform(0.0, 0.08)
            while time.monotonic() < deadline:
                line = proc.stdout.readline()
                if not line:
                    break
                lines.append(line.strip())
            proc.send_signal(signal.SIGKILL)
            rest, err = proc.communicate(timeout=10)
            lines += rest.splitlines()
            assert "Traceback" not in err, err[-2000:]
            t, n = _reported(lines)
            tags |= t
            notes |= n
            _check(path, story_id, tags, notes)
        saved.append(len(tags) + len(notes))
    except BaseException as error:  # noqa: BLE001 - handed back to the test's thread
        errors.append(error)


def test_kill_9_during_writes_loses_nothing_reported(tmp_path):
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER)
    started = time.monotonic()
    runs = []
    errors: list = []
    saved: list[int] = []
    for lane in range(4):  # four libraries in parallel, 25 kills each: 100 in all
        path = tmp_path / f"lib{lane}.sqlite"
        story_id = make_library(path)
        runs.append(threading.Thread(target=_kill_trials, args=(path, story_id, worker, 25, lane, errors, saved)))
    for run in runs:
        run.start()
    for run in runs:
        run.join(timeout=120)
    if errors:
        raise errors[0]
    assert len(saved) == 4 and sum(saved) > 200  # the kills did land in the middle of writing
    assert time.monotonic() - started < 60


def test_two_processes_writing_at_once(tmp_path):
    worker = tmp_path / "worker.py"
    worker.write_text(WORKER)
    path = tmp_path / "lib.sqlite"
    story_id = make_library(path)
    procs = [
        subprocess.Popen([sys.executable, str(worker), str(path), prefix, "300", str(story_id)],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for prefix in ("a", "b")
    ]
    outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err[-2000:]
        assert "locked" not in err
    tags: set[str] = set()
    notes: set[str] = set()
    for out, _ in outputs:
        t, n = _reported(out.splitlines())
        tags |= t
        notes |= n
    assert len(tags) == 300 and len(notes) == 300
    _check(path, story_id, tags, notes)
