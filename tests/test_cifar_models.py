"""CIFAR-10 model builders: shapes and parameter counts against the curriculum's figures and
hand formulas (convlib's and written-out arithmetic), augmentation behaviour, and the
save/reload/resume round trip the chapter relies on."""
import numpy as np
import pytest

import keras  # noqa: E402

from convlib import conv_output_shape, conv_params, dense_params, models, output_size  # noqa: E402
from convlib.profiles import PROFILES  # noqa: E402


def table(model):
    return {name: (shape, params) for name, shape, params in models.layer_table(model)}


def test_baseline_is_three_same_blocks_32_64_128():
    rows = table(models.build_cifar_baseline())
    assert [rows[f"conv_{i}"][0] for i in (1, 2, 3)] == [(32, 32, 32), (16, 16, 64), (8, 8, 128)]
    assert [rows[f"pool_{i}"][0] for i in (1, 2, 3)] == [(16, 16, 32), (8, 8, 64), (4, 4, 128)]
    assert rows["conv_1"][0] == conv_output_shape((32, 32, 3), 3, 32, padding="same")
    assert rows["flatten"][0] == (4 * 4 * 128,)
    # (3*3*3+1)*32, (3*3*32+1)*64, (3*3*64+1)*128, (2048+1)*128, (128+1)*10
    expected = {"conv_1": 896, "conv_2": 18_496, "conv_3": 73_856, "dense": 262_272, "output": 1_290}
    assert {k: rows[k][1] for k in expected} == expected
    assert expected == {"conv_1": conv_params(3, 3, 32), "conv_2": conv_params(3, 32, 64),
                        "conv_3": conv_params(3, 64, 128), "dense": dense_params(2048, 128),
                        "output": dense_params(128, 10)}
    assert models.build_cifar_baseline().count_params() == 896 + 18_496 + 73_856 + 262_272 + 1_290 == 356_810
    assert not [layer for layer in models.build_cifar_baseline().layers
                if isinstance(layer, (keras.layers.Dropout, keras.layers.BatchNormalization))]


def test_dropout_cnn_matches_the_curriculum_shapes_30_28_14_12_10_5():
    model = models.build_cifar_dropout_cnn()
    rows = table(model)
    sizes = [rows[n][0][0] for n in ("conv_1a", "conv_1b", "pool_1", "conv_2a", "conv_2b", "pool_2")]
    assert sizes == [30, 28, 14, 12, 10, 5]  # CURRICULUM.md item 10
    n = 32
    for step, size in zip(("conv", "conv", "pool", "conv", "conv", "pool"), sizes):
        n = output_size(n, 3) if step == "conv" else output_size(n, 2, strides=2)
        assert n == size
    assert rows["flatten"][0] == (5 * 5 * 64,)
    expected = {"conv_1a": 896, "conv_1b": 9_248, "conv_2a": 18_496, "conv_2b": 36_928,
                "dense": 409_856, "output": 2_570}
    assert {k: rows[k][1] for k in expected} == expected
    assert [conv_params(3, 3, 32), conv_params(3, 32, 32), conv_params(3, 32, 64), conv_params(3, 64, 64),
            dense_params(1600, 256), dense_params(256, 10)] == list(expected.values())
    assert model.count_params() == 896 + 9_248 + 18_496 + 36_928 + 409_856 + 2_570 == 477_994
    rates = [layer.rate for layer in model.layers if isinstance(layer, keras.layers.Dropout)]
    assert rates == [0.25, 0.25, 0.5]


def bn_formula(width, convs_per_block, num_classes=10):
    total, c_in = 0, 3
    for block, n in enumerate(convs_per_block):
        c_out = width * 2 ** block
        for _ in range(n):
            total += conv_params(3, c_in, c_out, use_bias=False) + 4 * c_out  # conv + gamma, beta, mean, var
            c_in = c_out
    return total + dense_params(c_in, num_classes)


def test_bn_cnn_counts_follow_the_hand_formula():
    model = models.build_cifar_bn_cnn()
    rows = table(model)
    assert rows["conv_1_1"][1] == 3 * 3 * 3 * 32 == conv_params(3, 3, 32, use_bias=False)
    assert rows["bn_1_1"][1] == 4 * 32
    assert rows["conv_3_2"][1] == 3 * 3 * 128 * 128
    assert rows["pool_3"][0] == (4, 4, 128) and rows["global_pool"][0] == (128,)
    written_out = (864 + 128) + (18_432 + 256) + (36_864 + 256) + (73_728 + 512) + (147_456 + 512) + 1_290
    assert model.count_params() == bn_formula(32, (1, 2, 2)) == written_out == 280_298
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert model.count_params() - trainable == 2 * (32 + 64 + 64 + 128 + 128)  # moving mean and variance
    wide = models.build_cifar_bn_cnn(width=64, convs_per_block=(2, 2, 2))
    assert wide.count_params() == bn_formula(64, (2, 2, 2))
    assert not any(getattr(layer, "use_bias", False) for layer in model.layers
                   if isinstance(layer, keras.layers.Conv2D))


def test_chapter_exercise_fourth_block_adds_888064_parameters():
    bigger = models.build_cifar_bn_cnn(convs_per_block=(1, 2, 2, 2))
    added = 3 * 3 * 128 * 256 + 3 * 3 * 256 * 256 + 2 * 4 * 256 + (2_570 - 1_290)
    assert added == 888_064
    assert bigger.count_params() == 280_298 + added == 1_168_362 == bn_formula(32, (1, 2, 2, 2))
    assert table(bigger)["pool_4"][0] == (2, 2, 256)


def test_cifar_augmentation_flips_and_is_identity_at_inference():
    aug = models.build_cifar_augmentation(seed=3)
    assert aug.get_layer("flip").mode == "horizontal"
    x = np.random.default_rng(0).random((8, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(aug(x, training=False)), x)
    changed = keras.ops.convert_to_numpy(aug(x, training=True))
    assert changed.shape == x.shape and not np.allclose(changed, x)
    assert aug.count_params() == 0  # preprocessing layers have no weights
    flip = keras.layers.RandomFlip("horizontal", seed=0)
    flipped = keras.ops.convert_to_numpy(flip(x, training=True))
    for out, img in zip(flipped, x):  # each image is either unchanged or mirrored left-right, never upside down
        assert np.allclose(out, img) or np.allclose(out, img[:, ::-1])
    model = models.build_cifar_dropout_cnn(augmentation=models.build_cifar_augmentation())
    assert model.count_params() == 477_994


def test_checkpoint_keeps_the_schedule_position_and_resumes(tmp_path):
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.random((64, 32, 32, 3)).astype("float32"), rng.integers(0, 10, 64)
    schedule = keras.optimizers.schedules.CosineDecay(1e-4, decay_steps=20, warmup_target=1e-3, warmup_steps=4)
    model = models.build_cifar_bn_cnn(width=8, augmentation=models.build_cifar_augmentation(seed=0))
    models.compile_classifier(model, learning_rate=schedule)
    model.fit(x, y, batch_size=16, epochs=2, verbose=0)  # 8 steps
    path = tmp_path / "m.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    assert int(keras.ops.convert_to_numpy(reloaded.optimizer.iterations)) == 8
    # warm-up is over after 4 steps: the rate is on the cosine, 1e-3 * (1 + cos(pi * 4/20)) / 2
    lr = float(keras.ops.convert_to_numpy(reloaded.optimizer.learning_rate))
    assert lr == pytest.approx(1e-3 * (1 + np.cos(np.pi * 4 / 20)) / 2, rel=1e-5)
    np.testing.assert_allclose(reloaded.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)
    history = reloaded.fit(x, y, batch_size=16, epochs=3, initial_epoch=2, verbose=0)
    assert len(history.history["loss"]) == 1
    assert int(keras.ops.convert_to_numpy(reloaded.optimizer.iterations)) == 12


def test_every_profile_has_the_cifar_roles():
    for role in ("cifar_baseline", "cifar_compare", "cifar_final", "cifar_resume"):
        q, c, f = (PROFILES[name].epochs_for(role) for name in ("quick", "cpu", "full"))
        assert 1 <= q <= c <= f


def test_zero_strength_leaves_a_layer_out_and_negative_is_refused():
    flip_shift = models.build_cifar_augmentation(rotation_degrees=0, zoom=0, seed=0)
    inner = flip_shift.get_layer("augmentation")
    assert [layer.name for layer in inner.layers] == ["shift"]
    x = np.random.default_rng(1).random((4, 32, 32, 3)).astype("float32")
    np.testing.assert_allclose(keras.ops.convert_to_numpy(flip_shift(x, training=False)), x)
    full = models.build_augmentation()
    assert [layer.name for layer in full.layers] == ["rotate", "zoom", "shift"]
    with pytest.raises(ValueError, match=r"zoom must be a number >= 0 \(0 leaves the layer out\); got -0.1"):
        models.build_augmentation(zoom=-0.1)


def test_conv_base_shares_the_trained_weights_and_freezes_them():
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x, y = rng.random((32, 32, 32, 3)).astype("float32"), rng.integers(0, 2, 32)
    model = models.build_cifar_bn_cnn(num_classes=8, width=8, augmentation=models.build_cifar_augmentation(seed=0))
    base = models.conv_base(model)
    assert [layer.name for layer in base.layers][0] == "conv_1_1" and base.layers[-1].name == "global_pool"
    assert base.count_params() == model.count_params() - dense_params(4 * 8, 8)
    features = keras.Model(model.inputs, model.get_layer("global_pool").output)
    np.testing.assert_allclose(keras.ops.convert_to_numpy(base(x, training=False)),
                               keras.ops.convert_to_numpy(features(x, training=False)), atol=1e-6)
    base.trainable = False
    head_model = models.build_head_model(base, 2, augmentation=models.build_cifar_augmentation(seed=1))
    assert sum(int(np.prod(w.shape)) for w in head_model.trainable_weights) == dense_params(4 * 8, 2)
    before = [w.copy() for w in base.get_weights()]
    head_before = head_model.get_layer("new_output").get_weights()[0].copy()
    models.compile_classifier(head_model, 1e-2)
    head_model.fit(x, y, batch_size=16, epochs=1, verbose=0)
    for b, a in zip(before, base.get_weights()):  # BN moving statistics included: a frozen BN runs in inference mode
        np.testing.assert_array_equal(a, b)
    assert not np.allclose(head_model.get_layer("new_output").get_weights()[0], head_before)
    with pytest.raises(ValueError, match="last_layer must name a layer of 'cifar_bn_cnn_augmented'"):
        models.conv_base(model, last_layer="pool_9")
