"""The book builds from the committed outputs without a single warning."""
import json
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


# ----------------------------------------------------------------------------------------
# Site quality. Budget: a chapter page with its images must stay under 4 MB, so that it
# loads on a slow connection; most of that is the base64 frames of the static
# animations (a notebook itself is capped at 3 MB).
PAGE_BUDGET_MB = 4.0
LOG_NOISE = ("I0000 00:", "oneDNN custom operations", "tensorflow/core/", "cuda_", "WARNING: All log messages",
             "Kernel is running over TCP")


def html_pages(html):
    return sorted(p for p in html.rglob("*.html") if "_static" not in p.parts and "_sources" not in p.parts)


def soup(path):
    from bs4 import BeautifulSoup

    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def notebooks():
    return sorted((ROOT / "lessons").glob("*.ipynb"))


def local_target(page, ref):
    """The file a relative href/src points to, or None for external and in-page links."""
    if not ref or ref.startswith(("http://", "https://", "mailto:", "data:", "javascript:", "#", "//")):
        return None
    return (page.parent / ref.split("#")[0].split("?")[0]).resolve()


def test_no_broken_internal_links_or_images(built_site):
    html, _, _ = built_site
    broken = []
    for page in html_pages(html):
        tree = soup(page)
        for tag, attr in (("a", "href"), ("img", "src"), ("link", "href"), ("script", "src")):
            for node in tree.find_all(tag):
                target = local_target(page, node.get(attr))
                if target is not None and not target.exists():
                    broken.append(f"{page.relative_to(html)}: <{tag} {attr}={node.get(attr)!r}>")
    assert not broken, "\n".join(broken)


def test_internal_anchors_exist(built_site):
    html, _, _ = built_site
    ids = {}
    missing = []
    for page in html_pages(html):
        for node in soup(page).find_all("a", href=True):
            href = node["href"]
            if "#" not in href or href.startswith(("http://", "https://")) or href.endswith("#"):
                continue
            path, anchor = href.split("#", 1)
            target = (page.parent / path).resolve() if path else page.resolve()
            if target.suffix != ".html" or not target.exists():
                continue
            if target not in ids:
                ids[target] = {n.get("id") for n in soup(target).find_all(id=True)}
            if anchor not in ids[target]:
                missing.append(f"{page.relative_to(html)} -> {href}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_notebook_stores_no_errors_or_log_noise(path):
    nb = json.loads(path.read_text())
    problems = []
    for i, cell in enumerate(nb["cells"]):
        for out in cell.get("outputs", []):
            if out["output_type"] == "error":
                problems.append(f"cell {i}: stored error {out.get('ename')}")
            text = "".join(out.get("text", "")) + "".join(out.get("data", {}).get("text/plain", ""))
            noise = [n for n in LOG_NOISE if n in text]
            if noise:
                problems.append(f"cell {i}: log noise {noise}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_page_shows_its_figures_animations_and_stays_small(built_site, path):
    html, _, _ = built_site
    page = html / "lessons" / f"{path.stem}.html"
    assert page.is_file()
    text = page.read_text(encoding="utf-8")
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        name = cell.get("metadata", {}).get("mystnb", {}).get("figure", {}).get("name")
        if name:
            assert f'id="{name}"' in text, f"figure {name} missing from {page.name}"
    promises_animation = any("_animation(" in "".join(c["source"]) or "to_jshtml" in "".join(c["source"])
                             for c in nb["cells"] if c["cell_type"] == "code")
    if promises_animation:
        assert 'class="animation"' in text, f"{page.name}: the static animation is missing"
    images = {local_target(page, img.get("src")) for img in soup(page).find_all("img")}
    size = page.stat().st_size + sum(p.stat().st_size for p in images if p is not None and p.exists())
    assert size / 2**20 < PAGE_BUDGET_MB, f"{page.name}: {size / 2**20:.1f} MB with its images"


def test_no_log_noise_or_tracebacks_on_pages(built_site):
    html, _, _ = built_site
    problems = []
    for page in html_pages(html):
        text = page.read_text(encoding="utf-8")
        problems += [f"{page.name}: {n!r}" for n in LOG_NOISE + ("Traceback (most recent call last)",) if n in text]
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("path", notebooks(), ids=lambda p: p.name)
def test_colab_install_cell_names_the_configured_repository(path):
    repo = yaml.safe_load((ROOT / "_config.yml").read_text())["repository"]["url"]
    first_code = next(c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code")
    source = "".join(first_code["source"])
    assert '"google.colab" in sys.modules' in source and f"git+{repo}" in source, (
        f"{path.name}: the first code cell must install convlib from {repo} when running in Colab"
    )
