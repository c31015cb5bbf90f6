"""Layers, packaging and the things a fresh install must carry."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_import_contracts_hold():
    lint = shutil.which("lint-imports") or str(Path(sys.executable).parent / "lint-imports")
    result = subprocess.run([lint, "--config", str(ROOT / ".importlinter")], cwd=ROOT,
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Textual is imported only under broadsheet.ui KEPT" in result.stdout
    assert "Layers point down only KEPT" in result.stdout


def test_core_imports_without_textual():
    code = (
        "import sys, broadsheet.cli, broadsheet.services, broadsheet.extract, broadsheet.net;"
        "print('textual' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(out)],
                   cwd=ROOT, check=True, capture_output=True)
    (path,) = out.glob("broadsheet-*.whl")
    return path


def test_wheel_carries_themes_and_samples(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    bundled = {Path(n).name for n in names if n.startswith("broadsheet/themes/")}
    assert {p.name for p in (ROOT / "themes").glob("*.toml")} <= bundled
    assert {"dark.toml", "light.toml"} <= bundled
    assert "broadsheet/samples/index.json" in names
    assert any(n.startswith("broadsheet/ui/") and n.endswith(".tcss") for n in names)
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "broadsheet = broadsheet.launch:run" in zipfile.ZipFile(wheel).read(entry_points).decode()
