"""Run every chapter under nbval in the quick profile.

Each notebook declares its mode in its metadata (`book.nbval`):
  strict -> `--nbval`: every stored output must be reproduced (deterministic NumPy chapters);
  lax    -> `--nbval-lax`: cells run without error, and only cells marked
            with the tag `nbval-check-output` are compared (training chapters).
Each notebook runs in its own pytest process so the two modes can coexist.
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "lessons").glob("*.ipynb"))
MODES = {"strict": "--nbval", "lax": "--nbval-lax"}


def nbval_mode(path):
    return json.loads(path.read_text())["metadata"].get("book", {}).get("nbval")


def test_there_are_chapters():
    assert NOTEBOOKS, "no notebooks found in lessons/"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_declares_a_mode(path):
    assert nbval_mode(path) in MODES, f"{path.name}: set metadata book.nbval to 'strict' or 'lax'"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_runs_under_nbval(path, tmp_path):
    env = dict(os.environ, CNN_BOOK_PROFILE="quick", TF_CPP_MIN_LOG_LEVEL="3", PYTHONHASHSEED="0",
               CNN_BOOK_MODELS=str(tmp_path / "models"))  # chapters save models for later ones: not in ~/.keras
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)  # chapters run TensorFlow as readers do (conftest.py turns it off)
    cmd = [
        sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
        MODES[nbval_mode(path)], str(path),
        "--nbval-sanitize-with", str(ROOT / "tests" / "nbval_sanitize.cfg"),
        "--nbval-current-env", "--nbval-cell-timeout", "600",
    ]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, f"nbval failed on {path.name}:\n{result.stdout[-6000:]}\n{result.stderr[-2000:]}"
