"""The book builds from the committed outputs without a single warning."""
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent


def toc_files():
    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [entry["file"] for entry in part["chapters"]]
    return files


@pytest.fixture(scope="session")
def built_site(tmp_path_factory):
    out = tmp_path_factory.mktemp("site")
    cmd = [str(Path(sys.executable).with_name("jupyter-book")), "build", str(ROOT), "--path-output", str(out),
           "-W", "-n", "--keep-going"]
    result = subprocess.run(cmd, capture_output=True, text=True)
    log = result.stdout + result.stderr
    return out / "_build" / "html", result.returncode, log


def test_build_is_warning_free(built_site):
    html, returncode, log = built_site
    warnings = [line for line in log.splitlines() if "WARNING" in line or "ERROR" in line]
    assert returncode == 0 and not warnings, "\n".join(warnings) or log[-3000:]


@pytest.mark.parametrize("entry", toc_files())
def test_every_toc_entry_has_a_page(built_site, entry):
    html, _, _ = built_site
    assert (html / f"{entry}.html").is_file(), f"{entry} is in _toc.yml but has no page in the build"


def test_launch_buttons_point_at_the_configured_repository(built_site):
    html, _, _ = built_site
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    page = (html / "lessons" / "01-images-as-arrays.html").read_text()
    slug = repo.split("github.com/")[1]
    assert f"mybinder.org/v2/gh/{slug}" in page
    assert f"colab.research.google.com/github/{slug}" in page
