"""Helpers the Keras chapters share: banner, seeds, timed fit with a run card, history plots.

Every training cell of the book ends with a *run card*: the profile, the data
source and size, the epochs, the wall time and the final metrics, so a reader
always knows what produced the numbers shown.
"""
import dataclasses
import logging
import os
import platform
import time
from pathlib import Path

import keras
import numpy as np

from .data import DATA_ENV_VAR
from .profiles import get_profile


def setup(seed=0, profile=None):
    """Fix all random seeds (Python, NumPy, the backend), print the profile banner, return the profile."""

    profile = get_profile(profile)
    # TensorFlow's Python logger prints to stdout in notebooks (e.g. tf.function retracing notes); keep errors only
    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    keras.utils.set_random_seed(seed)
    print(profile.banner())
    # the folder is named in run cards as $CNN_BOOK_DATA/..., never by its local path
    where = "set: local copies first" if os.environ.get(DATA_ENV_VAR) else "not set: Keras' cache and downloads"
    print(f"  data folder {DATA_ENV_VAR} {where}")
    print(f"  Keras {keras.__version__}, backend {keras.backend.backend()}, random seed {seed}")
    return profile


@dataclasses.dataclass
class RunResult:
    """What a timed fit returns: the history dict, wall time, epochs run and test metrics."""

    name: str
    history: dict
    wall_time_s: float
    epochs_requested: int
    epochs_run: int
    test_metrics: dict

    @property
    def test_accuracy(self):
        return self.test_metrics.get("accuracy", float("nan"))


def accelerator():
    """The GPU the Keras backend computes on ("GPU: <name>"), or "no GPU"."""

    backend = keras.backend.backend()
    try:
        if backend == "tensorflow":
            import tensorflow as tf

            gpus = tf.config.list_physical_devices("GPU")
            names = [tf.config.experimental.get_device_details(g).get("device_name", g.name) for g in gpus]
        elif backend == "jax":
            import jax

            names = [d.device_kind for d in jax.devices() if d.platform == "gpu"]
        elif backend == "torch":
            import torch

            names = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
        else:
            names = []
    except Exception:  # a broken driver is no reason to fail a run card
        names = []
    return "GPU: " + ", ".join(names) if names else "no GPU"


def hardware():
    """One line for run cards: processor, CPU cores and accelerator."""
    return f"{platform.machine()}, {os.cpu_count()} CPU cores, {accelerator()}"


def run_card(result, profile, data_description, extra=None):
    """Print the run card of a finished training run."""
    last = {k: v[-1] for k, v in result.history.items() if v}
    lines = [
        f"Run card: {result.name}",
        f"  profile      : {profile.name}",
        f"  data         : {data_description}",
        f"  epochs       : {result.epochs_run} run of {result.epochs_requested} requested",
        f"  wall time    : {result.wall_time_s:.1f} s on {hardware()}",
        "  last epoch   : " + ", ".join(f"{k} {v:.4f}" for k, v in sorted(last.items()) if k != "learning_rate"),
        "  test         : " + ", ".join(f"{k} {v:.4f}" for k, v in result.test_metrics.items()),
    ]
    for key, value in (extra or {}).items():
        lines.append(f"  {key:<13}: {value}")
    print("\n".join(lines))


def timed_fit(model, x, y, *, name, profile, data_description, role, x_test, y_test,
              epochs=None, callbacks=None, restore=None, card_extra=None, **fit_kwargs):
    """model.fit with verbose=2, timed; evaluate on the test set; print the run card.

    `role` picks the epochs from the profile unless `epochs` is given.
    `restore` is an optional path to reload weights from after training (for
    example the best checkpoint) before evaluating.
    """
    epochs = profile.epochs_for(role) if epochs is None else epochs
    fit_kwargs.setdefault("batch_size", profile.batch_size)
    fit_kwargs.setdefault("verbose", 2)
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, callbacks=callbacks, **fit_kwargs)
    wall = time.perf_counter() - start
    if restore is not None:
        model.load_weights(restore)
    scores = model.evaluate(x_test, y_test, verbose=0, return_dict=True)
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    result = RunResult(name, hist, wall, epochs, len(next(iter(hist.values()), [])),
                       {k: float(v) for k, v in scores.items()})
    run_card(result, profile, data_description, card_extra)
    return result


def fit_result(name, history, wall_time_s, epochs_requested, test_metrics=None):
    """A :class:`RunResult` from what ``model.fit`` returned (a History) and how long it took."""
    hist = {k: [float(v) for v in vals] for k, vals in history.history.items()}
    return RunResult(name, hist, float(wall_time_s), int(epochs_requested),
                     len(next(iter(hist.values()), [])), {k: float(v) for k, v in (test_metrics or {}).items()})


class EpochLog(keras.callbacks.Callback):
    """One short line per epoch, validation metrics included, that fits the page.

    Use it with ``model.fit(..., verbose=0, callbacks=[training.EpochLog()])``.
    Metric names are shortened ("accuracy" -> "acc"); the learning rate is
    shown when the logs carry it. Lines stay under `width` characters.
    """

    def __init__(self, width=88):
        super().__init__()
        self.width = width

    def on_train_begin(self, logs=None):
        self._epochs = self.params.get("epochs")

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch_start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        print(format_epoch(epoch + 1, self._epochs, logs or {}, time.perf_counter() - self._epoch_start,
                           self.width), flush=True)


def format_epoch(epoch, epochs, logs, seconds, width=88):
    """The line :class:`EpochLog` prints: 'epoch  3/10  acc 0.8820  loss 0.2911  | val acc 0.9500  loss 0.1200  41 s'."""
    short = lambda k: k.replace("accuracy", "acc")  # noqa: E731
    train = [f"{short(k)} {v:.4f}" for k, v in logs.items() if not k.startswith("val_") and k != "learning_rate"]
    val = [f"{short(k[4:])} {v:.4f}" for k, v in logs.items() if k.startswith("val_")]
    digits = len(str(epochs)) if epochs else 1
    parts = [f"epoch {epoch:>{digits}}/{epochs}", "  ".join(train)]
    if val:
        parts.append("| val " + "  ".join(val))
    if "learning_rate" in logs:
        parts.append(f"lr {float(logs['learning_rate']):.1e}")
    parts.append(f"{seconds:.0f} s")
    line = "  ".join(parts)
    return line if len(line) <= width else line[:width - 1] + "…"


def standard_callbacks(checkpoint_path, monitor="val_accuracy", patience=4, lr_patience=2, lr_factor=0.5,
                       min_lr=1e-5):
    """ModelCheckpoint (best only), EarlyStopping and ReduceLROnPlateau, all watching `monitor`."""

    mode = "max" if "acc" in monitor else "min"
    return [
        keras.callbacks.ModelCheckpoint(str(checkpoint_path), monitor=monitor, mode=mode, save_best_only=True),
        keras.callbacks.EarlyStopping(monitor=monitor, mode=mode, patience=patience, restore_best_weights=True),
        keras.callbacks.ReduceLROnPlateau(monitor=monitor, mode=mode, factor=lr_factor, patience=lr_patience,
                                          min_lr=min_lr),
    ]


def plot_history(results, metrics=("loss", "accuracy"), figsize=(9, 3.2)):
    """Training (solid) and validation (dashed) curves for one or more RunResults."""
    import matplotlib.pyplot as plt

    results = [results] if isinstance(results, RunResult) else list(results)
    fig, axes = plt.subplots(1, len(metrics), figsize=figsize, dpi=75)
    axes = np.atleast_1d(axes)
    for ax, metric in zip(axes, metrics):
        for i, r in enumerate(results):
            colour = f"C{i}"
            epochs = np.arange(1, len(r.history.get(metric, [])) + 1)
            if metric in r.history:
                ax.plot(epochs, r.history[metric], "-o", ms=3, color=colour, label=f"{r.name} (train)")
            if "val_" + metric in r.history:
                ax.plot(epochs, r.history["val_" + metric], "--s", ms=3, color=colour, label=f"{r.name} (validation)")
        ax.set_xlabel("epoch")
        ax.set_title(metric)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    return fig


# --------------------------------------------------------------------------- models kept between chapters

MODELS_ENV_VAR = "CNN_BOOK_MODELS"


def models_dir(environ=None):
    """Where chapters keep trained models for later chapters: $CNN_BOOK_MODELS or ~/.keras/cnn-book-models."""
    environ = os.environ if environ is None else environ
    return Path(environ.get(MODELS_ENV_VAR) or Path.home() / ".keras" / "cnn-book-models")


def _model_path(name, profile):
    if not isinstance(name, str) or not name.replace("_", "").isalnum():
        raise ValueError(f"name must be letters, digits and underscores (it becomes a file name); got {name!r}.")
    return models_dir() / f"{name}-{profile.name}.keras"


def save_book_model(model, name, profile):
    """Save `model` as <models_dir>/<name>-<profile>.keras for a later chapter; return the path.

    The profile is part of the file name, so a quick test run never stands in for a real one.
    """
    path = _model_path(name, profile)
    path.parent.mkdir(parents=True, exist_ok=True)
    model.save(path)
    print(f"saved {name!r} for later chapters ({profile.name} profile) in ${MODELS_ENV_VAR} or ~/.keras: {path.name}")
    return path


def load_book_model(name, profile, saved_by):
    """Load a model that chapter `saved_by` saved with :func:`save_book_model` in this profile.

    If it is missing: in the quick profile return None (the caller builds a stand-in and says
    so); in the other profiles raise an error that names the chapter to run first.
    """

    path = _model_path(name, profile)
    if path.is_file():
        print(f"loaded {name!r} ({profile.name} profile), saved by {saved_by}: {path.name}")
        return keras.models.load_model(path)
    if profile.allow_offline_fallback:
        return None
    raise FileNotFoundError(
        f"No saved model {name!r} for the {profile.name} profile: {path} does not exist. Run {saved_by} "
        f"first with the same profile (and the same {MODELS_ENV_VAR}, if you set it); it saves the model there.")


# --------------------------------------------------------------------------- run logs that later chapters read

RUN_LOGS = Path(__file__).resolve().parent / "run_logs"


def load_run_log(name):
    """A committed run log (convlib/run_logs/<name>.json): results of a chapter's run that another page shows.

    The logs travel with convlib, so they are there in Colab too.
    """
    import json

    path = RUN_LOGS / f"{name}.json"
    if not path.is_file():
        known = ", ".join(sorted(p.stem for p in RUN_LOGS.glob("*.json"))) or "none"
        raise FileNotFoundError(f"name must name a run log in {RUN_LOGS}; got {name!r} (known: {known}).")
    return json.loads(path.read_text())
