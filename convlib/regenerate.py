"""Re-execute chapters in place with a chosen run profile, for instructors.

    python -m convlib.regenerate --profile cpu                      # every chapter
    python -m convlib.regenerate --profile full lessons/09-*.ipynb  # some chapters
    CNN_BOOK_DATA=/path/to/datasets python -m convlib.regenerate --profile cpu

Each notebook is run top to bottom by a fresh kernel in the lessons/ folder and
saved with its new outputs (cleaned as `clean_outputs` says); the time each one
took is printed. A notebook whose
cell fails is left unchanged on disk and the command exits non-zero.

Without internet, cells tagged `needs-imagenet` (they need VGG16's ImageNet weights)
cannot run in the cpu or full profile. `--skip-tag needs-imagenet` runs everything
else and leaves those cells without output:

    python -m convlib.regenerate --profile cpu --skip-tag needs-imagenet lessons/14-*.ipynb
"""
import argparse
import os
import re
import sys
import time
from pathlib import Path

PROFILES = ("quick", "cpu", "full")
LESSONS = Path(__file__).resolve().parent.parent / "lessons"
# Matplotlib's to_jshtml links Font Awesome 4 from a CDN for its buttons; the book's theme
# already ships Font Awesome (with the v4 names), so the page needs no outside request.
FONT_AWESOME_CDN = re.compile(r'<link rel="stylesheet"\s+href="https://maxcdn\.bootstrapcdn\.com/font-awesome/[^"]*">\n?')


def clean_outputs(nb):
    """Keep only what a static page should show.

    - stderr streams: TensorFlow writes timestamped start-up lines there, whatever
      TF_CPP_MIN_LOG_LEVEL says; the book hides stderr anyway. The stdout pieces
      around them are joined into one output.
    - saved widget state and widget views: in a static page they would load the
      widget JavaScript from a CDN and still do nothing without a kernel. Each widget
      keeps its text fallback, and its static twin (an animation) is on the page.
    - the Font Awesome CDN link of matplotlib's animations (see FONT_AWESOME_CDN).
    - per-cell execution timestamps, which would make every run a diff.
    """
    for cell in nb.cells:
        cell.metadata.pop("execution", None)
        if cell.cell_type != "code":
            continue
        cell.outputs = _merge_streams([o for o in cell.outputs if not (o.output_type == "stream" and o.name == "stderr")])
        for out in cell.outputs:
            out.get("data", {}).pop("application/vnd.jupyter.widget-view+json", None)
            html = out.get("data", {}).get("text/html")
            if html:
                out["data"]["text/html"] = FONT_AWESOME_CDN.sub("", html if isinstance(html, str) else "".join(html))
    nb.metadata.pop("widgets", None)
    return nb


def _merge_streams(outputs):
    """Join consecutive stdout outputs into one, so that a cell's printout is one box on the page.

    The kernel sends stdout in pieces, and a stderr piece between two of them (removed
    above) would otherwise leave them as separate outputs.
    """
    merged = []
    for out in outputs:
        if merged and out.output_type == "stream" and merged[-1].output_type == "stream" \
                and out.name == merged[-1].name:
            merged[-1]["text"] = merged[-1]["text"] + out["text"]
        else:
            merged.append(out)
    return merged


def regenerate(path, profile, timeout=3600, skip_tags=()):
    """Run the notebook at `path` in place; cells tagged with one of `skip_tags` are not run
    and keep no output. Returns the wall time in seconds."""
    import nbformat
    from nbclient import NotebookClient

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    skipped = [c for c in nb.cells if set(c.metadata.get("tags", [])) & set(skip_tags)]
    for cell in skipped:
        if cell.cell_type == "code":
            cell.outputs, cell.execution_count = [], None
    run = nbformat.v4.new_notebook(metadata=nb.metadata)
    run.cells = [c for c in nb.cells if not any(c is s for s in skipped)]  # the same cell objects
    os.environ["CNN_BOOK_PROFILE"] = profile
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    start = time.perf_counter()
    NotebookClient(run, timeout=timeout, kernel_name="python3",
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    nbformat.write(clean_outputs(nb), path)
    return time.perf_counter() - start


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="notebooks to run (default: every lessons/*.ipynb)")
    parser.add_argument("--profile", choices=PROFILES, required=True,
                        help="run profile the chapters read from CNN_BOOK_PROFILE")
    parser.add_argument("--skip-tag", action="append", default=[], metavar="TAG",
                        help="leave cells with this tag unrun and without output (e.g. needs-imagenet offline)")
    args = parser.parse_args(argv)
    notebooks = args.notebooks or sorted(str(p) for p in LESSONS.glob("*.ipynb"))
    failed = []
    for nb in notebooks:
        if not Path(nb).is_file():
            parser.error(f"no such notebook: {nb}")
        try:
            print(f"{nb}: {regenerate(nb, args.profile, skip_tags=args.skip_tag):.1f} s", flush=True)
        except Exception as exc:  # report and go on with the other chapters
            print(f"{nb}: FAILED ({type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''})", flush=True)
            failed.append(nb)
    if failed:
        print(f"{len(failed)} notebook(s) failed and were left unchanged: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
