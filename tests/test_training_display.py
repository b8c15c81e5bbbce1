"""convlib.training: the one-line-per-epoch display, results from a History, and the hardware line of run cards."""
import keras
import numpy as np
import pytest

from convlib import training
from convlib.profiles import PROFILES


def test_format_epoch_shows_training_and_validation_metrics():
    line = training.format_epoch(3, 10, {"accuracy": 0.88123, "loss": 0.29, "val_accuracy": 0.95, "val_loss": 0.12,
                                         "learning_rate": 1e-4}, 41.2)
    assert line == "epoch  3/10  acc 0.8812  loss 0.2900  | val acc 0.9500  loss 0.1200  lr 1.0e-04  41 s"


def test_format_epoch_cuts_long_lines_to_the_width():
    logs = {f"metric_{i}": 0.5 for i in range(20)}
    line = training.format_epoch(1, 1, logs, 1.0, width=60)
    assert len(line) == 60 and line.endswith("…")


def test_epoch_log_prints_one_short_line_per_epoch(capsys):
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    x, y = np.random.default_rng(0).random((32, 4)), np.arange(32) % 2
    history = model.fit(x, y, validation_data=(x, y), epochs=3, verbose=0, callbacks=[training.EpochLog()])
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3 and all(len(line) <= 88 for line in lines)
    assert [line.split()[1] for line in lines] == ["1/3", "2/3", "3/3"]
    assert all("| val acc" in line and line.count("loss") == 2 for line in lines)
    assert f"val acc {history.history['val_accuracy'][-1]:.4f}" in lines[-1]

    result = training.fit_result("tiny", history, 2.5, 3, {"accuracy": 0.5})
    assert result.epochs_run == 3 and result.wall_time_s == 2.5 and result.test_accuracy == 0.5
    assert result.history["val_loss"] == pytest.approx(history.history["val_loss"])


def test_run_cards_name_the_accelerator(capsys, monkeypatch):
    monkeypatch.setattr(training, "accelerator", lambda: "GPU: NVIDIA H200")
    result = training.RunResult("tiny", {"loss": [0.5]}, 1.0, 1, 1, {"accuracy": 0.75})
    training.run_card(result, PROFILES["quick"], "random")
    assert "GPU: NVIDIA H200" in capsys.readouterr().out
    monkeypatch.undo()
    assert training.accelerator() in ("no GPU",) or training.accelerator().startswith("GPU: ")
    assert training.hardware().endswith(training.accelerator())
