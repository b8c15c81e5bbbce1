"""convlib.transfer, offline: finding weight files, preprocessing, counts, top-5; downloads are mocked to fail."""
import json
import re
import warnings
from pathlib import Path

import h5py
import keras
import nbformat
import numpy as np
import pytest

import convlib
from convlib import data, training, transfer

ROOT = Path(__file__).resolve().parent.parent
SHAPE = (32, 32, 3)


@pytest.fixture
def homes(tmp_path, monkeypatch):
    """An empty Keras cache (KERAS_HOME), an empty data folder ($CNN_BOOK_DATA), and no network."""
    keras_home, data_root = tmp_path / "keras-home", tmp_path / "data"
    keras_home.mkdir()
    data_root.mkdir()
    monkeypatch.setenv("KERAS_HOME", str(keras_home))
    monkeypatch.setenv(data.DATA_ENV_VAR, str(data_root))
    downloads = []

    def no_network(fname, origin, **kwargs):
        downloads.append(origin)
        raise Exception(f"URL fetch failure on {origin}: [Errno -2] Name or service not known")

    monkeypatch.setattr(keras.utils, "get_file", no_network)
    return keras_home / "models", data_root / transfer.WEIGHTS_SUBDIR, downloads


def tiny_mobilenet_weights(path):
    """A weight file in the legacy HDF5 layout of Keras' released files, for MobileNetV2(alpha=0.35) at
    32x32 with known random weights; returns the model."""
    from keras.src.legacy.saving import legacy_h5_format  # how Keras' own .h5 weight files are laid out

    keras.utils.set_random_seed(3)
    model = keras.applications.MobileNetV2(alpha=0.35, include_top=False, weights=None, input_shape=SHAPE)
    path.parent.mkdir(parents=True, exist_ok=True)
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)
    return model


def test_weights_in_the_keras_cache_are_used_as_they_are(homes):
    cache, _, downloads = homes
    spec = transfer.base_spec("mobilenet_v2")
    saved = tiny_mobilenet_weights(cache / spec.notop_file)
    weights = transfer.find_weights("mobilenet_v2", profile="cpu")
    assert weights.imagenet and Path(weights.path) == cache / spec.notop_file and downloads == []
    assert str(weights) == f"{spec.notop_file} (Keras cache)"
    loaded = spec.application(include_top=False, weights=weights.path, input_shape=SHAPE, **spec.kwargs)
    x = np.random.default_rng(0).random((1,) + SHAPE).astype("float32")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), saved.predict(x, verbose=0), atol=1e-6)


def test_weights_in_the_data_folder_are_copied_into_the_cache(homes):
    cache, local, downloads = homes
    spec = transfer.base_spec("mobilenet_v2")
    tiny_mobilenet_weights(local / spec.notop_file)
    weights = transfer.find_weights("mobilenet_v2", profile="cpu")
    assert Path(weights.path) == cache / spec.notop_file and (cache / spec.notop_file).is_file()
    assert (cache / spec.notop_file).read_bytes() == (local / spec.notop_file).read_bytes()
    assert "$CNN_BOOK_DATA/keras-models, copied into the Keras cache" in str(weights) and downloads == []
    with h5py.File(weights.path) as f:  # a real weight file, not an empty copy
        assert len(f.keys()) > 0


def test_missing_weights_name_the_file_and_where_to_put_it(homes):
    cache, local, downloads = homes
    with pytest.raises(transfer.WeightsUnavailableError) as info:
        transfer.find_weights("mobilenet", include_top=True, profile="cpu")
    message = str(info.value)
    assert "mobilenet_2_5_224_tf.h5" in message and str(cache) in message and "keras-models" in message
    assert downloads == [transfer.KERAS_APPS_URL + "mobilenet/mobilenet_2_5_224_tf.h5"]


def test_quick_profile_goes_on_with_random_weights_loudly(homes, capsys):
    weights = transfer.find_weights("vgg16", profile="quick")
    out = capsys.readouterr().out
    assert weights.path is None and not weights.imagenet and "RANDOM" in str(weights)
    assert "!! RANDOM WEIGHTS, NOT IMAGENET" in out and "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" in out


def test_every_base_names_a_real_keras_network_and_fine_tuning_layer():
    for name, spec in transfer.BASES.items():
        model = spec.application(include_top=False, weights=None, input_shape=(64, 64, 3), **spec.kwargs)
        assert spec.fine_tune_from in [layer.name for layer in model.layers], name
        assert spec.notop_file.endswith(".h5") and spec.top_file.endswith(".h5")


@pytest.mark.parametrize("base", ["mobilenet_v2", "mobilenet", "vgg16"])
def test_preprocessing_layer_is_the_bases_own_preprocess_input(base):
    x = np.random.default_rng(1).integers(0, 256, (2,) + SHAPE).astype(np.uint8)
    module = getattr(keras.applications, base)
    expected = module.preprocess_input(x.astype("float32"))
    got = keras.ops.convert_to_numpy(transfer.ImageNetPreprocess(base)(x))
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert not np.allclose(got, x)


def test_mobilenet_preprocessing_maps_bytes_to_minus_one_one():
    got = keras.ops.convert_to_numpy(transfer.ImageNetPreprocess("mobilenet_v2")(np.array([[[[0, 255, 51]]]])))
    np.testing.assert_allclose(got[0, 0, 0], [-1.0, 1.0, 51 / 127.5 - 1], atol=1e-6)


def chapter_model(base):
    """The model of chapter 12 (augmentation, preprocessing, frozen base, pooled softmax head), small."""
    inputs = keras.Input(SHAPE, dtype="uint8")
    x = keras.layers.RandomFlip("horizontal")(keras.ops.cast(inputs, "float32"))
    x = transfer.ImageNetPreprocess("mobilenet_v2", name="preprocess")(x)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(2, activation="softmax", name="head")(x)
    return keras.Model(inputs, outputs)


def test_counts_of_the_frozen_and_the_fine_tuned_model():
    spec = transfer.base_spec("mobilenet_v2")
    base = spec.application(include_top=False, weights=None, input_shape=SHAPE, **spec.kwargs)
    base.trainable = False
    model = chapter_model(base)
    head = convlib.dense_params(base.output.shape[-1], 2)
    assert transfer.trainable_counts(model) == (head, base.count_params())

    base.trainable = True
    first = [layer.name for layer in base.layers].index(spec.fine_tune_from)
    for layer in base.layers[:first]:
        layer.trainable = False
    bn = [layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in bn:
        layer.trainable = False
    top_convs = sum(layer.count_params() for layer in base.layers[first:] if not isinstance(layer, keras.layers.BatchNormalization))
    trainable, frozen = transfer.trainable_counts(model)
    assert trainable == head + top_convs and trainable + frozen == model.count_params()
    moving = sum(2 * layer.moving_mean.shape[0] for layer in bn)
    assert frozen >= moving > 0  # batch normalisation's running statistics are never trainable


def test_fine_tuning_with_frozen_batch_norm_keeps_its_statistics():
    keras.utils.set_random_seed(0)
    spec = transfer.base_spec("mobilenet_v2")
    base = spec.application(include_top=False, weights=None, input_shape=SHAPE, **spec.kwargs)
    model = chapter_model(base)
    base.trainable = True
    bn = [layer for layer in base.layers if isinstance(layer, keras.layers.BatchNormalization)]
    for layer in bn:
        layer.trainable = False
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="sparse_categorical_crossentropy")
    before = [keras.ops.convert_to_numpy(w).copy() for layer in bn for w in layer.weights]
    conv = base.get_layer("Conv1")
    conv_before = keras.ops.convert_to_numpy(conv.kernel).copy()
    x = np.random.default_rng(0).integers(0, 256, (8,) + SHAPE).astype(np.uint8)
    model.train_on_batch(x, np.array([0, 1] * 4))
    after = [keras.ops.convert_to_numpy(w) for layer in bn for w in layer.weights]
    assert all(np.array_equal(a, b) for a, b in zip(before, after))
    assert not np.array_equal(conv_before, keras.ops.convert_to_numpy(conv.kernel))


def test_chapter_model_saves_and_loads_with_its_preprocessing(tmp_path):
    spec = transfer.base_spec("mobilenet_v2")
    model = chapter_model(spec.application(include_top=False, weights=None, input_shape=SHAPE, **spec.kwargs))
    path = tmp_path / "pets.keras"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        loaded = keras.models.load_model(path)  # safe_mode: no Lambda layer, no pickled code
    assert isinstance(loaded.get_layer("preprocess"), transfer.ImageNetPreprocess)
    assert loaded.get_layer("preprocess").base == "mobilenet_v2"
    x = np.random.default_rng(2).integers(0, 256, (3,) + SHAPE).astype(np.uint8)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def tiny_imagenet_model():
    """A stand-in 1,000-class model whose probabilities grow with the class number."""
    inputs = keras.Input(SHAPE)
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    dense = keras.layers.Dense(1000, activation="softmax")
    model = keras.Model(inputs, dense(x))
    dense.set_weights([np.zeros((3, 1000)), np.linspace(0, 5, 1000)])
    return model


def test_imagenet_top5_without_class_names(homes, capsys):
    photos = {"cat": np.full((40, 60, 3), 100, np.uint8), "rocket": np.zeros((50, 30, 3), np.uint8)}
    result = transfer.imagenet_top5(tiny_imagenet_model(), photos, profile="quick")
    assert "!! NO IMAGENET CLASS NAMES" in capsys.readouterr().out
    assert list(result) == ["cat", "rocket"]
    assert [label for label, _ in result["cat"]] == [f"ImageNet class {i}" for i in (999, 998, 997, 996, 995)]
    probs = [p for _, p in result["cat"]]
    assert probs == sorted(probs, reverse=True) and 0 < probs[-1] < probs[0] < 1
    with pytest.raises(transfer.WeightsUnavailableError, match="imagenet_class_index.json"):
        transfer.imagenet_top5(tiny_imagenet_model(), photos, profile="cpu")


def test_imagenet_top5_reads_the_class_index_from_the_data_folder(homes):
    _, local, _ = homes
    local.mkdir(parents=True)
    index = {str(i): [f"n{i:08d}", f"label {i}"] for i in range(1000)}
    (local / transfer.CLASS_INDEX_FILE).write_text(json.dumps(index))
    result = transfer.imagenet_top5(tiny_imagenet_model(), [np.zeros((32, 32, 3), np.uint8)], profile="full", top=3)
    assert [label for label, _ in result["photo 0"]] == ["label 999", "label 998", "label 997"]


def test_square_photos_crops_the_centre():
    img = np.zeros((40, 80, 3), np.uint8)
    img[:, 20:60] = 255  # the central 40x40 square is white, the sides black
    names, out = transfer.square_photos({"x": img}, 10)
    assert names == ["x"] and out.shape == (1, 10, 10, 3) and out.dtype == np.uint8
    assert out.min() == 255


@pytest.mark.parametrize("call, match", [
    (lambda: transfer.base_spec("resnet"), "base must be one of 'mobilenet_v2', 'mobilenet', 'vgg16'"),
    (lambda: transfer.find_weights("vgg19"), "base must be one of"),
    (lambda: transfer.find_weights("vgg16", profile="slow"), "profile must be a Profile or one of"),
    (lambda: transfer.ImageNetPreprocess("alexnet"), "base must be one of"),
    (lambda: transfer.trainable_counts([1, 2]), "model must be a Keras model"),
    (lambda: transfer.imagenet_top5(tiny_imagenet_model(), {}, base="inception"), "base must be one of"),
    (lambda: transfer.imagenet_top5("model", {}), "model must be a keras.Model"),
    (lambda: transfer.decode_top(np.zeros((2, 10))), r"probs must have shape \(n, 1000\)"),
    (lambda: transfer.decode_top(np.zeros((1, 1000)), top=0), "top must be a whole number"),
    (lambda: transfer.square_photos({"x": np.zeros((5, 5))}, 8), r"shape \(height, width, 3\)"),
    (lambda: transfer.square_photos({}, 8), "at least one image"),
])
def test_errors_name_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()


# ------------------------------------------------------------------ the cats-vs-dogs folder and the chapters


def test_cats_vs_dogs_folder_finds_the_data_folder(homes):
    _, _, _ = homes
    root = Path(data.data_dir())
    for split in ("train", "validation"):
        for name in ("cats", "dogs"):
            (root / "cats-vs-dogs" / split / name).mkdir(parents=True)
    folder = data.cats_vs_dogs_folder("cpu")
    assert folder.path == root / "cats-vs-dogs" and folder.source == "cats vs dogs photos in $CNN_BOOK_DATA/cats-vs-dogs"
    assert not folder.offline_fallback


def test_cats_vs_dogs_stand_in_folder_reads_with_keras(homes, capsys):
    folder = data.cats_vs_dogs_folder("quick")
    assert folder.offline_fallback and "OFFLINE STAND-IN" in folder.source
    assert "!! OFFLINE STAND-IN DATA" in capsys.readouterr().out
    ds = keras.utils.image_dataset_from_directory(folder.path / "train", image_size=(32, 32), batch_size=None,
                                                  verbose=False)
    assert ds.class_names == ["cats", "dogs"] and int(ds.cardinality()) == 100
    with pytest.raises(data.DataUnavailableError, match="cats-vs-dogs"):
        data.cats_vs_dogs_folder("cpu")


def test_chapter_11_run_log_matches_the_stored_chapter():
    """The run log that chapter 12 shows must say what chapter 11's stored seed table says."""
    log = training.load_run_log("11-transfer-vs-scratch-cpu")
    nb = nbformat.read(ROOT / "lessons" / "11-vgg16-and-transfer.ipynb", as_version=4)
    text = "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert "Run profile: cpu" in text  # the chapter's stored run is the cpu profile's
    header = re.search(r"^validation accuracy, ([\d,]+) photos; (\d+) steps per run; seeds \[([\d, ]+)\]$",
                       text, flags=re.M)
    assert header, "the stored chapter has no seed table"
    seeds = [int(s) for s in header.group(3).split(",")]
    assert (log["validation_photos"], log["steps"], log["seeds"]) == (
        int(header.group(1).replace(",", "")), int(header.group(2)), seeds)
    assert log["seeds"] == [0, 1, 2] and log["image_size"] == 32
    # one row per arm and size: arm, photos, mean, min, max, then one accuracy per seed
    rows = re.findall(r"^(frozen|fine-tuned|scratch) +([\d,]+)((?: +[01]\.\d{4}){%d})$" % (3 + len(seeds)),
                      text, flags=re.M)
    arms = list(dict.fromkeys(arm for arm, _, _ in rows))
    assert arms == ["frozen", "fine-tuned", "scratch"]
    names = list(log["validation_accuracy"])
    assert list(log["validation_accuracy_by_seed"]) == names and len(names) == len(arms)
    for arm, name in zip(arms, names):
        assert arm.replace("-", " ") in name.replace("-", " "), (arm, name)  # the log's names say which arm
    assert len(rows) == 9 and {n for _, n, _ in rows} == {"100", "500", "2,000"}
    for arm, n, numbers in rows:
        mean, low, high, *per_seed = (float(v) for v in numbers.split())
        name, size = names[arms.index(arm)], n.replace(",", "")
        assert log["validation_accuracy"][name][size] == mean
        assert log["validation_accuracy_by_seed"][name][size] == per_seed
        assert (low, high) == (min(per_seed), max(per_seed))
        assert abs(mean - sum(per_seed) / len(per_seed)) <= 5e-5 + 1e-9  # the mean, rounded to 4 decimals
    with pytest.raises(FileNotFoundError, match="name must name a run log"):
        training.load_run_log("no-such-run")


@pytest.mark.parametrize("chapter", ["12-transfer-from-imagenet", "14-inside-a-cnn"])
def test_imagenet_chapters_store_a_real_weights_run(chapter):
    """Every code cell has output, and none of it comes from random stand-in weights."""
    nb = nbformat.read(ROOT / "lessons" / f"{chapter}.ipynb", as_version=4)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        assert "needs-imagenet" not in cell.metadata.get("tags", []), f"{chapter} cell {i} is tagged needs-imagenet"
        assert cell.outputs, f"{chapter} cell {i} stores no output"
        text = "".join(o.get("text", "") + str(o.get("data", {}).get("text/plain", "")) for o in cell.outputs)
        assert "RANDOM WEIGHTS" not in text and "OFFLINE STAND-IN" not in text, f"{chapter} cell {i}: stand-in output"
