"""A real browser reads every page of the built book.

Headless Chromium (Debian's `chromium`, which .ci/run installs) loads each page from a
local server and must see: no JavaScript errors, MathJax-rendered math where a page has
math, and the embedded animations where a page has them. The one external resource the
pages use, MathJax from its CDN, is served from the copy in the `django-static-mathjax`
package (pinned in requirements.txt) because these machines have no internet; any other
external request is blocked and reported as a warning. A screenshot of each page is saved to
_build/screenshots/ (not committed).

Where Chromium cannot be installed, set CNN_BOOK_SKIP_BROWSER=1 to skip these checks;
the skip is reported loudly. Without that variable a missing Chromium is a failure.
"""
import functools
import http.server
import importlib.util
import os
import shutil
import threading
import warnings
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic"]
MATHJAX_CDN = "https://cdn.jsdelivr.net/npm/mathjax@3/es5/"


def chromium_path():
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


@pytest.fixture(scope="module")
def browser():
    path = chromium_path()
    if path is None:
        if os.environ.get("CNN_BOOK_SKIP_BROWSER") == "1":
            print("\n" + "!" * 78 + "\n!! BROWSER CHECKS SKIPPED: no Chromium here and CNN_BOOK_SKIP_BROWSER=1.\n" + "!" * 78)
            pytest.skip("CNN_BOOK_SKIP_BROWSER=1 and no Chromium installed: browser checks NOT run")
        pytest.fail("Chromium not found: install it (Debian: apt-get install chromium), or set "
                    "CNN_BOOK_SKIP_BROWSER=1 where it cannot be installed.")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=path, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def site_url(built_site):
    html, returncode, log = built_site
    assert returncode == 0, log[-3000:]
    handler = functools.partial(QuietHandler, directory=str(html))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}", html
    server.shutdown()


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


def mathjax_dir():
    spec = importlib.util.find_spec("mathjax")
    assert spec is not None, "the django-static-mathjax package (requirements.txt) is missing"
    return Path(list(spec.submodule_search_locations)[0]) / "static" / "mathjax" / "es5"


def pages():
    import yaml

    toc = yaml.safe_load((ROOT / "_toc.yml").read_text())
    return [toc["root"]] + [c["file"] for part in toc.get("parts", []) for c in part["chapters"]]


@pytest.mark.parametrize("page_name", pages())
def test_page_renders_in_chromium(browser, site_url, page_name):
    base, html = site_url
    source = (html / f"{page_name}.html").read_text(encoding="utf-8")
    errors, blocked = [], []
    page = browser.new_page(viewport={"width": 1200, "height": 900})

    def route(request_route):
        url = request_route.request.url
        if url.startswith(base):
            return request_route.continue_()
        if url.startswith(MATHJAX_CDN):
            local = mathjax_dir() / url[len(MATHJAX_CDN):].split("?")[0]
            if local.is_file():
                return request_route.fulfill(path=str(local))
        blocked.append(url)
        return request_route.abort()

    page.route("**/*", route)
    page.on("pageerror", lambda exc: errors.append(f"uncaught: {exc}"))
    page.on("console", lambda msg: errors.append(f"console.{msg.type}: {msg.text}")
            if msg.type == "error" and "Failed to load resource" not in msg.text else None)
    response = page.goto(f"{base}/{page_name}.html", wait_until="load")
    assert response is not None and response.ok, f"{page_name}: HTTP {response and response.status}"

    if 'class="math' in source:
        page.wait_for_function("window.MathJax && MathJax.startup && MathJax.startup.promise", timeout=20000)
        page.evaluate("MathJax.startup.promise")
        rendered = page.evaluate("document.querySelectorAll('mjx-container').length")
        assert rendered > 0, f"{page_name}: the page has math but MathJax rendered none"
    if 'class="animation"' in source:
        frames = page.evaluate(
            "Array.from(document.querySelectorAll('.animation img')).filter(i => i.naturalWidth > 0).length")
        assert frames >= page.evaluate("document.querySelectorAll('.animation').length") > 0, (
            f"{page_name}: an embedded animation shows no frame")
    shots = ROOT / "_build" / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(shots / f"{page_name.replace('/', '__')}.png"), full_page=False)
    page.close()
    assert not errors, f"{page_name}: JavaScript errors:\n" + "\n".join(errors)
    if blocked:  # allowed (no internet here), but worth knowing about
        warnings.warn(f"{page_name}: external requests blocked offline: {blocked}")
