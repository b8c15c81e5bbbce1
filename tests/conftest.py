import os
import subprocess
import sys
from pathlib import Path

import pytest

# Before any test imports TensorFlow: quiet it, and compare against its plain reference
# kernels. With the oneDNN kernels, tf.nn.conv2d on CPU returns zeros or uninitialised
# values for some strided 'same' cases (see test_tf_onednn_case in
# test_against_references.py), so they are not a trustworthy reference.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    """Build the book once per test session: (html folder, exit code, log)."""
    out = tmp_path_factory.mktemp("site")
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT), "--path-output", str(out),
           "-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    log = result.stdout + result.stderr
    return out / "_build" / "html", result.returncode, log
