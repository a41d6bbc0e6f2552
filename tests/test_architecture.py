"""The house rule, checked: import-linter's contracts (.importlinter) over core/, and the size limits."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ROOT

LINT = Path(sys.executable).with_name("lint-imports")


def _lint(cwd: Path, config: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run([str(LINT), "--config", str(config), "--no-cache"], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=120)


@pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (requirements-dev.txt)")
def test_core_keeps_its_layers_and_streamlit_stays_in_ui():
    run = _lint(ROOT, ROOT / ".importlinter")
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    assert "Contracts: 3 kept, 0 broken." in run.stdout


def _fake_core(root: Path, modules: dict[str, str]) -> None:
    """A package tree named core with the same packages as the real one, and the given module bodies."""
    for package in ["", "io", "models", "store", "directions", "explore", "latent", "images", "engines", "cli", "ui"]:
        folder = root / "core" / package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "__init__.py").write_text("")
    for name in ("config", "files", "vectors", "errors"):
        (root / "core" / f"{name}.py").write_text("")
    for name in ("batch", "ray"):
        (root / "core" / "engines" / f"{name}.py").write_text("")
    for path, body in modules.items():
        (root / "core" / path).write_text(body)


@pytest.mark.skipif(not LINT.exists(), reason="import-linter is not installed (requirements-dev.txt)")
@pytest.mark.parametrize("path,body,broken", [
    ("io/bad.py", "import core.ui\n", "core.io is not allowed to import core.ui"),
    ("models/bad.py", "def f():\n    from core.latent import ops\n", "core.models is not allowed to import core.latent"),
    ("store/bad.py", "import core.directions\n", "core.store is not allowed to import core.directions"),
    ("directions/bad.py", "import streamlit\n", "Streamlit only in core.ui"),
    ("engines/ray.py", "from core.engines import batch\n", "never import each other"),
])
def test_the_contracts_fail_on_a_violation(tmp_path, path, body, broken):
    _fake_core(tmp_path, {path: body})
    shutil.copy(ROOT / ".importlinter", tmp_path / ".importlinter")
    run = _lint(tmp_path, tmp_path / ".importlinter")
    assert run.returncode != 0
    assert broken in run.stdout.replace("\n", " "), run.stdout[-3000:]


def _lines(path: Path) -> int:
    return len(path.read_text(encoding="utf-8").splitlines())


def test_files_stay_small_enough_to_read_in_one_sitting():
    big = {str(p.relative_to(ROOT)): _lines(p) for p in (ROOT / "core").rglob("*.py") if _lines(p) > 300}
    fat = {str(p.relative_to(ROOT)): _lines(p) for p in [*(ROOT / "pages").glob("*.py"), ROOT / "Home.py"]
           if _lines(p) > 150}
    assert big == {}, "core modules over 300 lines"
    assert fat == {}, "pages over 150 lines (pages hold layout only)"
