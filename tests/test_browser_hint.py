"""Without Chromium the browser tests are skipped, and the run's summary says so with the command that enables them."""
import os
import subprocess
import sys

from tests.conftest import ROOT


def test_missing_chromium_is_named_in_the_summary():
    env = {**os.environ, "LATENT_CHROMIUM": "/nonexistent/chromium"}
    run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/pages/test_browser.py"],
                         capture_output=True, text=True, timeout=300, cwd=ROOT, env=env)
    assert run.returncode in (0, 5), run.stdout[-2000:]  # 5: the whole module skipped, nothing else ran
    assert "Browser tests were skipped" in run.stdout and "apt-get install -y chromium" in run.stdout
    assert "/nonexistent/chromium" in run.stdout
