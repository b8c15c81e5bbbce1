"""The environment files that Binder, Colab and CI rely on."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def requirement_lines():
    lines = [l.split("#")[0].strip() for l in (ROOT / "requirements.txt").read_text().splitlines()]
    return [l for l in lines if l]


def test_every_requirement_is_pinned_exactly():
    loose = [l for l in requirement_lines() if l != "-e ." and not re.fullmatch(r"[A-Za-z0-9_.\-\[\]]+==[\w.]+", l)]
    assert not loose, f"pin these with ==: {loose}"


def test_jupyter_book_stays_below_2():
    pin = next(l for l in requirement_lines() if l.startswith("jupyter-book=="))
    assert int(pin.split("==")[1].split(".")[0]) < 2, "Jupyter Book 2 is a different tool (mystmd); keep 1.x"


def test_binder_gets_python_311_and_the_library():
    assert (ROOT / "runtime.txt").read_text().strip() == "python-3.11"
    assert "-e ." in requirement_lines()


def test_import_convlib_needs_only_numpy():
    import subprocess
    import sys

    code = ("import sys, convlib; heavy = [m for m in ('tensorflow', 'keras', 'matplotlib', 'ipywidgets', "
            "'scipy', 'sklearn', 'skimage') if m in sys.modules]; print(heavy)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]", f"import convlib pulled in {out.strip()}"
