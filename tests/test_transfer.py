"""convlib.transfer, offline: VGG16 with random weights on 32x32 images; downloads are mocked to fail."""
import warnings

import keras
import numpy as np
import pytest

import convlib
from convlib import transfer
from convlib.architectures import VGG_BLOCKS, VGG_FILTERS
from convlib.profiles import get_profile

SHAPE = (32, 32, 3)
REAL_VGG16 = keras.applications.VGG16


def vgg_conv_counts():
    """Parameters of each of VGG16's 13 convolutions, from the formula: {layer name: count}."""
    counts, c_in = {}, 3
    for block, (n_convs, filters) in enumerate(zip(VGG_BLOCKS[16], VGG_FILTERS), start=1):
        for j in range(1, n_convs + 1):
            counts[f"block{block}_conv{j}"] = convlib.conv_params(3, c_in, filters)
            c_in = filters
    return counts


def random_base():
    return REAL_VGG16(weights=None, include_top=False, input_shape=SHAPE)


@pytest.fixture
def offline(monkeypatch):
    """keras.applications.VGG16 fails for weights='imagenet' as it does without network access."""
    calls = []

    def fake_vgg16(*args, weights="imagenet", **kwargs):
        calls.append(weights)
        if weights == "imagenet":
            raise Exception("URL fetch failure on https://storage.googleapis.com/...: None -- "
                            "[Errno -2] Name or service not known")
        return REAL_VGG16(*args, weights=weights, **kwargs)

    monkeypatch.setattr(keras.applications, "VGG16", fake_vgg16)
    return calls


def test_expected_counts_match_the_published_base():
    assert sum(vgg_conv_counts().values()) == 14_714_688 == random_base().count_params()


def test_quick_profile_falls_back_to_random_weights_loudly(offline, capsys):
    base, weights = transfer.load_vgg16_base("quick", input_shape=SHAPE)
    out = capsys.readouterr().out
    assert offline == ["imagenet", None]
    assert weights.imagenet is False and "RANDOM" in str(weights)
    assert "!!" in out and "MEANINGLESS" in out and transfer.VGG16_NOTOP_FILE in out
    assert "RANDOM WEIGHTS, NOT IMAGENET" in out and "STAND-IN DATA" not in out
    assert base.count_params() == 14_714_688 and tuple(base.inputs[0].shape[1:]) == SHAPE


def test_quick_profile_uses_its_image_size_by_default(offline):
    base, _ = transfer.load_vgg16_base(get_profile("quick"))
    size = get_profile("quick").image_size
    assert tuple(base.inputs[0].shape[1:]) == (size, size, 3)


@pytest.mark.parametrize("name", ["cpu", "full"])
def test_other_profiles_name_the_missing_file(offline, name):
    with pytest.raises(RuntimeError) as info:
        transfer.load_vgg16_base(name, input_shape=SHAPE)
    message = str(info.value)
    assert isinstance(info.value, transfer.WeightsUnavailableError)
    assert "vgg16_weights_tf_dim_ordering_tf_kernels_notop.h5" in message
    assert "58,889,256 bytes" in message and transfer.keras_cache_dir() in message
    assert "internet" in message and "copy" in message and "Name or service not known" in message
    assert offline == ["imagenet"]  # no silent random-weight fallback outside the quick profile


def test_weights_description_when_the_download_works(monkeypatch):
    monkeypatch.setattr(keras.applications, "VGG16", lambda weights, **kw: REAL_VGG16(weights=None, **kw))
    base, weights = transfer.load_vgg16_base("full", input_shape=SHAPE)
    assert weights.imagenet is True and "ImageNet" in str(weights) and transfer.VGG16_NOTOP_FILE in str(weights)


def test_frozen_base_trains_the_head_only_then_block5():
    model = transfer.build_transfer_classifier(random_base(), num_classes=2)
    convs = vgg_conv_counts()
    head = convlib.dense_params(512, 2)
    assert transfer.trainable_counts(model) == (head, sum(convs.values()))
    unfrozen = transfer.unfreeze_top_block(model, "block5")
    block5 = sum(v for k, v in convs.items() if k.startswith("block5_"))
    assert unfrozen == ["block5_conv1", "block5_conv2", "block5_conv3"]
    assert block5 == 3 * 2_359_808
    assert transfer.trainable_counts(model) == (head + block5, sum(convs.values()) - block5)
    transfer.unfreeze_top_block(model, "block4")
    block45 = sum(v for k, v in convs.items() if k.startswith(("block4_", "block5_")))
    assert transfer.trainable_counts(model) == (head + block45, sum(convs.values()) - block45)


def test_head_options_change_the_head_count():
    model = transfer.build_transfer_classifier(random_base(), num_classes=1, dropout=0, hidden_units=16,
                                               pooling="flatten")
    # 32x32 input: the last pooled map is 1x1x512
    assert transfer.trainable_counts(model)[0] == convlib.dense_params(512, 16) + convlib.dense_params(16, 1)
    assert "dropout" not in [layer.name for layer in model.layers]
    assert model.layers[-1].activation.__name__ == "sigmoid"


def weights_of(model, names):
    return {n: [w.copy() for w in model.get_layer(n).get_weights()] for n in names}


def changed(before, model):
    flat = {layer.name: layer for layer in model.layers}
    return {n for n, ws in before.items()
            if any(not np.array_equal(a, b) for a, b in zip(ws, flat[n].get_weights()))}


def test_one_training_step_changes_the_head_only():
    keras.utils.set_random_seed(0)
    model = transfer.compile_transfer(transfer.build_transfer_classifier(random_base(), num_classes=2), 1e-2)
    base = model.get_layer("vgg16")
    x = np.random.default_rng(0).integers(0, 256, (8,) + SHAPE).astype(np.uint8)
    y = np.array([0, 1] * 4)
    conv_names = list(vgg_conv_counts())
    base_before = weights_of(base, conv_names)
    head_before = weights_of(model, ["classifier"])
    model.train_on_batch(x, y)
    assert changed(base_before, base) == set()
    assert changed(head_before, model) == {"classifier"}

    transfer.unfreeze_top_block(model, "block5")
    transfer.compile_transfer(model, learning_rate=1e-2)
    base_before = weights_of(base, conv_names)
    model.train_on_batch(x, y)
    assert changed(base_before, base) == {"block5_conv1", "block5_conv2", "block5_conv3"}


def test_preprocessing_layer_is_keras_preprocess_input():
    x = np.random.default_rng(1).integers(0, 256, (2,) + SHAPE).astype(np.uint8)
    expected = keras.applications.vgg16.preprocess_input(x.astype("float32"))
    got = keras.ops.convert_to_numpy(transfer.VGG16Preprocess()(x))
    np.testing.assert_allclose(got, expected, atol=1e-4)
    assert not np.allclose(got, x)  # it does change the input: BGR order, mean subtracted


def test_save_and_load_keras_format(tmp_path):
    model = transfer.build_transfer_classifier(random_base(), num_classes=2)
    transfer.unfreeze_top_block(model)
    transfer.compile_transfer(model, 1e-5)
    x = np.random.default_rng(2).integers(0, 256, (3,) + SHAPE).astype(np.uint8)
    model.train_on_batch(x, np.array([0, 1, 1]))
    path = tmp_path / "transfer.keras"
    model.save(path)
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)  # e.g. "Skipping variable loading for optimizer"
        loaded = keras.models.load_model(path)  # safe_mode: no Lambda layer, no pickled code
    assert int(loaded.optimizer.iterations) == 1
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    assert isinstance(loaded.get_layer("vgg16_preprocess"), transfer.VGG16Preprocess)
    assert transfer.trainable_counts(loaded) == transfer.trainable_counts(model)


def tiny_imagenet_model():
    """A stand-in 1,000-class model whose probabilities grow with the class number."""
    inputs = keras.Input(SHAPE)
    x = keras.layers.GlobalAveragePooling2D()(inputs)
    dense = keras.layers.Dense(1000, activation="softmax")
    model = keras.Model(inputs, dense(x))
    dense.set_weights([np.zeros((3, 1000)), np.linspace(0, 5, 1000)])
    return model


def test_imagenet_top5_without_class_names(monkeypatch, capsys):
    def no_download(preds, top=5):
        raise Exception("URL fetch failure on imagenet_class_index.json")

    monkeypatch.setattr(keras.applications.vgg16, "decode_predictions", no_download)
    photos = {"cat": np.full((40, 60, 3), 100, np.uint8), "rocket": np.zeros((50, 30, 3), np.uint8)}
    result = transfer.imagenet_top5(tiny_imagenet_model(), photos, profile="quick")
    assert "!! NO IMAGENET CLASS NAMES" in capsys.readouterr().out
    assert list(result) == ["cat", "rocket"]
    assert [label for label, _ in result["cat"]] == [f"ImageNet class {i}" for i in (999, 998, 997, 996, 995)]
    probs = [p for _, p in result["cat"]]
    assert probs == sorted(probs, reverse=True) and 0 < probs[-1] < probs[0] < 1
    with pytest.raises(RuntimeError, match="imagenet_class_index.json"):
        transfer.imagenet_top5(tiny_imagenet_model(), photos, profile="cpu")


def test_imagenet_top5_passes_keras_labels_through(monkeypatch):
    seen = {}

    def fake_decode(preds, top=5):
        seen["shape"] = preds.shape
        return [[("n0", f"label {i}", row[i]) for i in np.argsort(-row)[:top]] for row in preds]

    monkeypatch.setattr(keras.applications.vgg16, "decode_predictions", fake_decode)
    result = transfer.imagenet_top5(tiny_imagenet_model(), [np.zeros((32, 32, 3), np.uint8)], profile="full", top=3)
    assert seen["shape"] == (1, 1000)
    assert [label for label, _ in result["photo 0"]] == ["label 999", "label 998", "label 997"]


def test_square_photos_crops_the_centre():
    img = np.zeros((40, 80, 3), np.uint8)
    img[:, 20:60] = 255  # the central 40x40 square is white, the sides black
    names, out = transfer.square_photos({"x": img}, 10)
    assert names == ["x"] and out.shape == (1, 10, 10, 3) and out.dtype == np.uint8
    assert out.min() == 255


@pytest.mark.parametrize("call, match", [
    (lambda: transfer.load_vgg16_base("quick", input_shape=(16, 16, 3)), "input_shape must be"),
    (lambda: transfer.load_vgg16_base("quick", input_shape=(64, 64, 1)), "three colour channels"),
    (lambda: transfer.load_vgg16_base(42), "profile must be"),
    (lambda: transfer.load_vgg16_base("slow"), "profile must be a Profile or one of"),
    (lambda: transfer.build_transfer_classifier("vgg"), "base must be a keras.Model"),
    (lambda: transfer.build_transfer_classifier(random_base(), num_classes=0), "num_classes must be"),
    (lambda: transfer.build_transfer_classifier(random_base(), dropout=1.0), "dropout must be"),
    (lambda: transfer.build_transfer_classifier(random_base(), pooling="max"), "pooling must be 'avg'"),
    (lambda: transfer.unfreeze_top_block(random_base(), block="block6"), "block must be one of"),
    (lambda: transfer.unfreeze_top_block(tiny_imagenet_model()), "must be a VGG network"),
    (lambda: transfer.compile_transfer(tiny_imagenet_model(), learning_rate=0), "learning_rate must be"),
    (lambda: transfer.trainable_counts([1, 2]), "model must be a Keras model"),
    (lambda: transfer.imagenet_top5(random_base(), {}), "1,000 outputs"),
    (lambda: transfer.square_photos({"x": np.zeros((5, 5))}, 8), r"shape \(height, width, 3\)"),
    (lambda: transfer.square_photos({}, 8), "at least one image"),
])
def test_errors_name_the_argument(call, match):
    with pytest.raises((ValueError, TypeError), match=match):
        call()
