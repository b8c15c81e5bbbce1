"""The API reference page in the built book: every public name documented, every link to it resolved."""
import functools
import importlib
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

import convlib

ROOT = Path(__file__).resolve().parent.parent
ROLE = re.compile(r"\{py:func\}`([^`<>]+)`")
# autodoc reads a constant's "#:" comment only in the module that assigns it, so a constant
# that convlib re-exports is documented under that module.
DEFINED_IN = {"KERNEL_NAMES": "convlib.kernels"}
# Entries of submodules, beyond convlib.__all__.
SUBMODULE_ENTRIES = [
    "convlib.architectures.KERAS_PUBLISHED", "convlib.architectures.KERAS_PUBLISHED_SOURCE",
    "convlib.transfer.BASES", "convlib.transfer.ImageNetBase", "convlib.transfer.base_spec",
    "convlib.transfer.find_weights", "convlib.transfer.WeightsFile", "convlib.transfer.ImageNetPreprocess",
    "convlib.transfer.trainable_counts", "convlib.transfer.square_photos", "convlib.transfer.decode_top",
    "convlib.transfer.imagenet_top5", "convlib.transfer.print_top5", "convlib.transfer.WeightsUnavailableError",
    "convlib.transfer.keras_cache_dir",
]


@functools.lru_cache(maxsize=None)  # the API page is large: parse it once for all the tests
def page(built_site, name):
    html, _, _ = built_site
    path = html / name
    assert path.is_file(), f"{name} is missing from the build"
    return BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser")


def role_targets():
    """Every {py:func}`target` written in the book's pages and chapters."""
    texts = [p.read_text(encoding="utf-8") for p in (ROOT / "book").glob("*.md")]
    for nb in (ROOT / "lessons").glob("*.ipynb"):
        texts += ["".join(c["source"]) for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "markdown"]
    return sorted({target for text in texts for target in ROLE.findall(text)})


def test_the_page_is_in_the_table_of_contents(built_site):
    intro = page(built_site, "book/intro.html")
    assert intro.find("a", href=re.compile(r"(^|/)api\.html$")), "the API page is not in the navigation"


def test_re_exported_constants_are_the_documented_ones():
    for name, module in DEFINED_IN.items():
        assert getattr(importlib.import_module(module), name) is getattr(convlib, name)


@pytest.mark.parametrize("name", convlib.__all__)
def test_every_public_name_has_an_entry(built_site, name):
    anchor = f"{DEFINED_IN.get(name, 'convlib')}.{name}"
    entry = page(built_site, "book/api.html").find(id=anchor)
    assert entry is not None, f"convlib.{name} has no anchor {anchor} on the API page"
    assert entry.name == "dt" and "sig" in entry.get("class", []), f"convlib.{name}: anchor is not a signature"
    body = entry.find_next_sibling("dd")
    assert body is not None and body.get_text(strip=True), f"convlib.{name}: empty description"
    if callable(getattr(convlib, name)):
        # napoleon turns the numpydoc sections into field lists
        fields = {dt.get_text(strip=True).rstrip(":") for dt in body.select("dl.field-list > dt")}
        assert {"Parameters", "Returns"} <= fields, f"convlib.{name}: sections rendered as {sorted(fields)}"


@pytest.mark.parametrize("anchor", SUBMODULE_ENTRIES)
def test_submodule_entries(built_site, anchor):
    entry = page(built_site, "book/api.html").find(id=anchor)
    assert entry is not None and entry.name == "dt", f"{anchor} has no entry on the API page"
    body = entry.find_next_sibling("dd")
    assert body is not None and body.get_text(strip=True), f"{anchor}: empty description"


def test_constants_are_described_by_their_comments(built_site):
    # Without a "#:" comment autodoc shows the docstring of the value's type ("Built-in
    # immutable sequence..."); napoleon reads a comment whose first line has a colon as
    # "type: description" and renders a Type field.
    builtin_docs = [type_.__doc__.split("\n")[0] for type_ in (tuple, dict, list, str, int, float)]
    for entry in page(built_site, "book/api.html").select("dl.py.data > dt"):
        body = entry.find_next_sibling("dd")
        text = body.get_text(" ", strip=True)
        assert text, f"{entry.get('id')}: empty description"
        assert not any(doc in text for doc in builtin_docs), f"{entry.get('id')}: described by its type: {text[:80]}"
        fields = [dt.get_text(strip=True).rstrip(":") for dt in body.select("dl.field-list > dt")]
        assert "Type" not in fields, f"{entry.get('id')}: the comment was read as a type: {text[:80]}"


@pytest.mark.parametrize("target", role_targets())
def test_every_function_the_pages_link_to_is_documented(built_site, target):
    assert page(built_site, "book/api.html").find(id=target) is not None, f"{target} is linked but not documented"


def test_links_from_the_chapters_resolve(built_site):
    html, _, _ = built_site
    unresolved = []
    for path in sorted(html.rglob("*.html")):
        if "_static" in path.parts or "_sources" in path.parts:
            continue
        for code in BeautifulSoup(path.read_text(encoding="utf-8"), "html.parser").select("code.xref.py"):
            if code.find_parent("a") is None:  # Sphinx leaves an unresolved role as bare code
                unresolved.append(f"{path.relative_to(html)}: {code.get_text()}")
    assert not unresolved, "\n".join(unresolved)


def test_chapter_13_links_memory_table(built_site):
    chapter = page(built_site, "lessons/13-architecture-tour.html")
    assert chapter.find("a", href="../book/api.html#convlib.memory.memory_table"), \
        "chapter 13's {py:func} role to convlib.memory.memory_table did not become a link"
