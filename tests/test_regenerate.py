"""The instructors' command that re-executes chapters in place."""
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat

from convlib.regenerate import clean_outputs

ROOT = Path(__file__).resolve().parent.parent


def small_notebook(path, source):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("# A test chapter"), nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_regenerate_runs_in_place_with_the_profile(tmp_path):
    nb_path = tmp_path / "chapter.ipynb"
    small_notebook(nb_path, "import os, sys\nprint(os.environ['CNN_BOOK_PROFILE'], 6 * 7)\nprint('noise', file=sys.stderr)")
    result = subprocess.run([sys.executable, "-m", "convlib.regenerate", "--profile", "quick", str(nb_path)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert f"{nb_path}: " in result.stdout and result.stdout.strip().endswith("s")  # per-notebook time
    outputs = nbformat.read(nb_path, as_version=4).cells[1].outputs
    assert [o.text for o in outputs] == ["quick 42\n"]  # stdout kept, stderr dropped


def test_a_failing_notebook_is_left_unchanged_and_reported(tmp_path):
    nb_path = tmp_path / "broken.ipynb"
    small_notebook(nb_path, "1 / 0")
    before = nb_path.read_bytes()
    result = subprocess.run([sys.executable, "-m", "convlib.regenerate", "--profile", "quick", str(nb_path)],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 1
    assert "FAILED" in result.stdout and "left unchanged" in result.stderr
    assert nb_path.read_bytes() == before


def test_unknown_profile_is_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "convlib.regenerate", "--profile", "huge"],
                            capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 2 and "invalid choice: 'huge'" in result.stderr


def test_clean_outputs_drops_widget_state_and_stderr():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("w")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stderr", text="I0000 log line\n"),
        nbformat.v4.new_output("execute_result", data={
            "text/plain": "[Explorer: run the notebook]",
            "application/vnd.jupyter.widget-view+json": {"model_id": "abc", "version_major": 2, "version_minor": 0}},
            execution_count=1),
    ]
    cell.metadata["execution"] = {"iopub.status.busy": "2026-01-01T00:00:00"}
    nb.cells = [cell]
    nb.metadata["widgets"] = {"application/vnd.jupyter.widget-state+json": {}}
    clean_outputs(nb)
    assert "widgets" not in nb.metadata and "execution" not in cell.metadata
    assert len(cell.outputs) == 1 and dict(cell.outputs[0].data) == {"text/plain": "[Explorer: run the notebook]"}


def test_clean_outputs_joins_the_stdout_pieces_around_stderr():
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("train()")
    cell.outputs = [
        nbformat.v4.new_output("stream", name="stdout", text="epoch 1/2\n"),
        nbformat.v4.new_output("stream", name="stderr", text="W0000 a TensorFlow log line\n"),
        nbformat.v4.new_output("stream", name="stdout", text="epoch 2/2\n"),
        nbformat.v4.new_output("display_data", data={"text/plain": "<Figure>"}),
        nbformat.v4.new_output("stream", name="stdout", text="done\n"),
    ]
    nb.cells = [cell]
    clean_outputs(nb)
    assert [o.output_type for o in cell.outputs] == ["stream", "display_data", "stream"]
    assert cell.outputs[0].text == "epoch 1/2\nepoch 2/2\n" and cell.outputs[2].text == "done\n"


def test_committed_chapters_are_already_clean():
    for path in sorted((ROOT / "lessons").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        stored = nbformat.writes(nb)
        assert nbformat.writes(clean_outputs(nb)) == stored, f"{path.name}: run clean_outputs on it (see convlib/regenerate.py)"


def test_clean_outputs_drops_the_font_awesome_cdn_link_of_animations():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.animation import FuncAnimation

    fig, ax = plt.subplots(figsize=(1, 1), dpi=20)
    html = FuncAnimation(fig, lambda i: ax.set_title(str(i)), frames=2).to_jshtml()
    plt.close(fig)
    assert "maxcdn.bootstrapcdn.com/font-awesome" in html  # what matplotlib writes
    nb = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell("anim")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html, "text/plain": "<anim>"})]
    nb.cells = [cell]
    cleaned = clean_outputs(nb).cells[0].outputs[0].data["text/html"]
    assert "bootstrapcdn" not in cleaned and 'class="animation"' in cleaned
    assert cleaned.count("<") == html.count("<") - 1  # only the <link> went


def test_skip_tag_leaves_tagged_cells_unrun_and_without_output(tmp_path):
    nb_path = tmp_path / "online.ipynb"
    nb = nbformat.v4.new_notebook()
    needs = nbformat.v4.new_code_cell("raise RuntimeError('needs the ImageNet weights')")
    needs.metadata["tags"] = ["needs-imagenet"]
    needs.outputs = [nbformat.v4.new_output("stream", name="stdout", text="an old output\n")]
    nb.cells = [nbformat.v4.new_code_cell("a = 20"), needs, nbformat.v4.new_code_cell("print(a + 22)")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, nb_path)
    command = [sys.executable, "-m", "convlib.regenerate", "--profile", "quick", str(nb_path)]
    assert subprocess.run(command, capture_output=True, text=True, cwd=ROOT).returncode == 1  # the cell does fail
    result = subprocess.run(command + ["--skip-tag", "needs-imagenet"], capture_output=True, text=True, cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    cells = nbformat.read(nb_path, as_version=4).cells
    assert len(cells) == 3 and cells[1].outputs == [] and cells[1].execution_count is None
    assert [o.text for o in cells[2].outputs] == ["42\n"]
