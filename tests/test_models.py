"""Model builders (checked against the curriculum's figures, convlib's counts and Keras),
evaluation helpers (against scikit-learn) and the training helpers."""
import numpy as np
import pytest

import keras  # noqa: E402
from sklearn.metrics import confusion_matrix as sk_confusion_matrix  # noqa: E402
from sklearn.metrics import precision_recall_fscore_support  # noqa: E402

from convlib import conv_output_shape, conv_params, dense_params, evaluation, models, training  # noqa: E402
from convlib.profiles import PROFILES  # noqa: E402


def test_mnist_cnn_matches_the_curriculum_summary():
    model = models.build_mnist_cnn()
    rows = {name: (shape, params) for name, shape, params in models.layer_table(model)}
    # CURRICULUM.md item 9: 320 / 18,496 / 36,928 / 36,928 / 650; 26x26x32, 13x13x32, 11x11x64, 5x5x64, 3x3x64, 576.
    assert [rows[n][1] for n in ("conv_1", "conv_2", "conv_3", "dense", "output")] == [320, 18496, 36928, 36928, 650]
    assert [rows[n][0] for n in ("conv_1", "pool_1", "conv_2", "pool_2", "conv_3", "flatten")] == [
        (26, 26, 32), (13, 13, 32), (11, 11, 64), (5, 5, 64), (3, 3, 64), (576,)]
    # the same numbers from convlib's formulas
    assert rows["conv_1"][1] == conv_params(3, 1, 32) and rows["conv_2"][1] == conv_params(3, 32, 64)
    assert rows["conv_3"][1] == conv_params(3, 64, 64)
    assert rows["dense"][1] == dense_params(576, 64) and rows["output"][1] == dense_params(64, 10)
    assert rows["conv_1"][0] == conv_output_shape((28, 28, 1), 3, 32)
    assert model.count_params() == 320 + 18496 + 36928 + 36928 + 650 == 93322


def test_wide_conv_example_matches_the_curriculum():
    model = models.build_wide_conv_example()
    params = {name: p for name, _, p in models.layer_table(model)}
    assert params["conv_valid"] == 1792 == conv_params(3, 3, 64)
    assert params["conv_same"] == 36928 == conv_params(3, 64, 64)
    assert params["dense"] == 11_076_608 == dense_params(13 * 13 * 64, 1024)
    assert model.get_layer("flatten").output.shape[1] == 13 * 13 * 64


def test_dense_baseline_is_784_512_512_10():
    model = models.build_dense_baseline()
    dense = [layer for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    assert [d.units for d in dense] == [512, 512, 10]
    assert [d.count_params() for d in dense] == [dense_params(784, 512), dense_params(512, 512), dense_params(512, 10)]
    assert [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)] == [0.2, 0.2]
    assert model.count_params() == 669_706


def test_augmentation_is_random_in_training_and_identity_in_inference():
    aug = models.build_augmentation(seed=1)
    assert aug.get_layer("rotate").factor == (-5 / 360, 5 / 360)
    x = np.zeros((4, 28, 28, 1), "float32")
    x[:, 10:18, 12:16] = 1
    np.testing.assert_allclose(keras.ops.convert_to_numpy(aug(x, training=False)), x)
    changed = keras.ops.convert_to_numpy(aug(x, training=True))
    assert changed.shape == x.shape and not np.allclose(changed, x)
    model = models.build_mnist_cnn(augmentation=models.build_augmentation(), dropout=0.25)
    assert model.count_params() == 93322  # augmentation and dropout add no parameters


def test_augmented_model_continues_from_the_cnn_by_copying_weights_by_name():
    # Chapter 09's cpu profile starts the augmented model (with dropout) from the trained CNN.
    keras.utils.set_random_seed(2)
    cnn = models.build_mnist_cnn()
    augmented = models.build_mnist_cnn(augmentation=models.build_augmentation(seed=0), dropout=0.25)
    x = np.random.default_rng(2).random((8, 28, 28, 1)).astype("float32")
    assert not np.allclose(augmented.predict(x, verbose=0), cnn.predict(x, verbose=0))
    for layer in cnn.layers:
        augmented.get_layer(layer.name).set_weights(layer.get_weights())
    np.testing.assert_allclose(augmented.predict(x, verbose=0), cnn.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


def test_sparse_and_one_hot_losses_agree():
    rng = np.random.default_rng(0)
    x, y = rng.random((16, 28, 28, 1)).astype("float32"), rng.integers(0, 10, 16)
    keras.utils.set_random_seed(0)
    model = models.compile_classifier(models.build_dense_baseline(), sparse_labels=True)
    sparse = model.evaluate(x, y, verbose=0)[0]
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    one_hot = model.evaluate(x, keras.utils.to_categorical(y, 10), verbose=0)[0]
    assert sparse == pytest.approx(one_hot, rel=1e-5)
    probs = model.predict(x, verbose=0)
    assert sparse == pytest.approx(-np.mean(np.log(probs[np.arange(16), y])), rel=1e-4)


def test_confusion_matrix_and_report_match_scikit_learn():
    rng = np.random.default_rng(3)
    y_true = rng.integers(0, 5, 300)
    y_pred = np.where(rng.random(300) < 0.7, y_true, rng.integers(0, 5, 300))
    y_pred[y_pred == 4] = 3  # class 4 is never predicted
    names = list("abcde")
    np.testing.assert_array_equal(evaluation.confusion_matrix(y_true, y_pred, 5),
                                  sk_confusion_matrix(y_true, y_pred, labels=range(5)))
    report = evaluation.per_class_report(y_true, y_pred, names)
    p, r, f, s = precision_recall_fscore_support(y_true, y_pred, labels=range(5), zero_division=0)
    for key, ref in (("precision", p), ("recall", r), ("f1", f), ("support", s)):
        np.testing.assert_allclose(report[key], ref)
    one_hot = np.eye(5)[y_true]
    np.testing.assert_array_equal(evaluation.confusion_matrix(one_hot, y_pred, 5),
                                  evaluation.confusion_matrix(y_true, y_pred, 5))


def test_evaluation_errors():
    with pytest.raises(ValueError, match="y_true and y_pred must have the same length; got 3 and 2"):
        evaluation.confusion_matrix([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match=r"y_pred must be integer class labels .* got shape \(2,\) and dtype float64"):
        evaluation.confusion_matrix([0, 1], [0.5, 1.0])


def test_misclassified_grid_shows_the_mistakes():
    import matplotlib
    matplotlib.use("Agg")
    y_true = np.array([0, 1, 2, 3, 4, 5])
    y_pred = np.array([0, 2, 2, 0, 4, 1])
    fig, shown = evaluation.misclassified_grid(np.zeros((6, 28, 28)), y_true, y_pred, [str(i) for i in range(6)], cols=2)
    np.testing.assert_array_equal(shown, [1, 3, 5])
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    assert titles == ["1->2", "3->0", "5->1"]


def test_timed_fit_prints_a_run_card(capsys, tmp_path):
    import matplotlib
    matplotlib.use("Agg")
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 28, 28, 1)).astype("float32"), rng.integers(0, 10, 64)
    keras.utils.set_random_seed(0)
    model = models.compile_classifier(models.build_dense_baseline(units=16))
    callbacks = training.standard_callbacks(tmp_path / "best.keras", patience=1)
    assert [type(c).__name__ for c in callbacks] == ["ModelCheckpoint", "EarlyStopping", "ReduceLROnPlateau"]
    result = training.timed_fit(model, x, y, name="tiny", profile=PROFILES["quick"], data_description="random",
                                role="baseline", x_test=x, y_test=y, validation_data=(x, y), callbacks=callbacks,
                                restore=tmp_path / "best.keras")
    out = capsys.readouterr().out
    assert "Run card: tiny" in out and "profile      : quick" in out and "data         : random" in out
    assert f"{result.epochs_run} run of {PROFILES['quick'].epochs['baseline']} requested" in out
    assert result.wall_time_s > 0 and 0 <= result.test_accuracy <= 1
    assert (tmp_path / "best.keras").is_file()
    fig = training.plot_history(result)
    assert len(fig.axes) == 2


def test_book_models_are_kept_per_profile_and_a_missing_one_is_explained(tmp_path, monkeypatch, capsys):
    from convlib.profiles import get_profile

    monkeypatch.setenv(training.MODELS_ENV_VAR, str(tmp_path))
    quick, cpu = get_profile("quick"), get_profile("cpu")
    model = models.build_dense_baseline(units=4)
    path = training.save_book_model(model, "tiny_dense", quick)
    assert path == tmp_path / "tiny_dense-quick.keras" and path.is_file()
    loaded = training.load_book_model("tiny_dense", quick, saved_by="chapter 9")
    x = np.random.default_rng(0).random((3, 28, 28, 1)).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert "saved by chapter 9" in capsys.readouterr().out
    assert training.load_book_model("other", quick, saved_by="chapter 9") is None  # quick: caller builds a stand-in
    with pytest.raises(FileNotFoundError, match=r"No saved model 'tiny_dense' for the cpu profile: .* Run chapter 9 first"):
        training.load_book_model("tiny_dense", cpu, saved_by="chapter 9")
    with pytest.raises(ValueError, match="name must be letters, digits and underscores"):
        training.save_book_model(model, "../escape", quick)
