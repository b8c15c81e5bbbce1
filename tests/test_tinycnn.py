"""The NumPy TinyCNN against finite differences and the same network in Keras; its training."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

from convlib.backprop import check_gradient
from convlib.tinycnn import SGD, Adam, TinyCNN, train


@pytest.fixture(autouse=True)
def keras_in_float64():
    """Keras' losses and optimisers compute in floatx; float64 makes the comparisons sharp."""
    before = keras.config.floatx()
    keras.config.set_floatx("float64")
    yield
    keras.config.set_floatx(before)


def keras_twin(model):
    """The same architecture in Keras (float64), with the NumPy model's weights copied in."""
    h, w, c = model.input_shape
    inputs = keras.Input((h, w, c), dtype="float64")
    z = keras.layers.Conv2D(model.filters, model.kernel_size, padding=model.padding, activation="relu",
                            dtype="float64")(inputs)
    z = keras.layers.MaxPooling2D(model.pool_size, dtype="float64")(z)
    z = keras.layers.Flatten(dtype="float64")(z)
    logits = keras.layers.Dense(model.classes, dtype="float64")(z)
    twin = keras.Model(inputs, logits)
    p = model.params
    twin.set_weights([p["conv_kernel"], p["conv_bias"], p["dense_kernel"], p["dense_bias"]])
    return twin


def digits_split():
    digits = load_digits()
    x = (digits.images / 16.0)[..., None]
    return train_test_split(x, digits.target, test_size=0.25, random_state=0, stratify=digits.target)


@pytest.mark.parametrize("padding, size", [("same", 8), ("valid", 7)])
def test_network_gradients_match_finite_differences(padding, size):
    rng = np.random.default_rng(3)
    model = TinyCNN(input_shape=(size, size, 2), filters=3, padding=padding, classes=4, seed=1)
    for name in ("conv_bias", "dense_bias"):  # non-zero biases exercise more of the backward pass
        model.params[name] = rng.normal(scale=0.1, size=model.params[name].shape)
    x, labels = rng.random((3, size, size, 2)), rng.integers(0, 4, 3)
    _, grads = model.loss_and_gradients(x, labels)
    for name, value in model.params.items():
        def loss_at(v, name=name, original=value.copy()):
            model.params[name] = v
            loss = model.loss_and_gradients(x, labels)[0]
            model.params[name] = original
            return loss
        result = check_gradient(loss_at, value, grads[name], tol=1e-6)
        assert result, f"{name}: {result}"


@pytest.mark.parametrize("padding", ["same", "valid"])
def test_network_matches_keras_predictions_and_gradients(padding):
    rng = np.random.default_rng(4)
    model = TinyCNN(input_shape=(8, 8, 1), padding=padding, seed=2)
    model.params["conv_bias"] = rng.normal(scale=0.1, size=8)
    twin = keras_twin(model)
    x, labels = rng.random((16, 8, 8, 1)), rng.integers(0, 10, 16)
    logits, _ = model.forward(x)
    np.testing.assert_allclose(logits, twin(x).numpy(), rtol=1e-10, atol=1e-10)
    loss, grads = model.loss_and_gradients(x, labels)
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    with tf.GradientTape() as tape:
        keras_loss = loss_fn(labels, twin(x))
    keras_grads = tape.gradient(keras_loss, twin.trainable_variables)
    assert loss == pytest.approx(float(keras_loss), rel=1e-10)
    for name, ref in zip(["conv_kernel", "conv_bias", "dense_kernel", "dense_bias"], keras_grads):
        np.testing.assert_allclose(grads[name], ref.numpy(), rtol=1e-8, atol=1e-12, err_msg=name)


def run_optimizer_against_keras(ours, theirs, steps=5):
    rng = np.random.default_rng(5)
    start = {"a": rng.normal(size=(3, 2)), "b": rng.normal(size=4)}
    gradients = [{k: rng.normal(size=v.shape) for k, v in start.items()} for _ in range(steps)]
    params = {k: v.copy() for k, v in start.items()}
    variables = [keras.Variable(start["a"], dtype="float64"), keras.Variable(start["b"], dtype="float64")]
    for g in gradients:
        ours.step(params, g)
        theirs.apply([tf.constant(g["a"]), tf.constant(g["b"])], variables)
    np.testing.assert_allclose(params["a"], variables[0].numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(params["b"], variables[1].numpy(), rtol=1e-10, atol=1e-12)


# Keras keeps hyperparameters in float32 (0.9 becomes 0.899999976...), so the comparisons
# use values that float32 holds exactly: 0.125, 0.875, 1 - 2**-10.


@pytest.mark.parametrize("momentum", [0.0, 0.875])
def test_sgd_matches_keras(momentum):
    run_optimizer_against_keras(SGD(0.125, momentum), keras.optimizers.SGD(0.125, momentum=momentum))


def test_adam_matches_keras():
    # Keras adds epsilon to sqrt(v) before the bias correction; with a tiny epsilon the
    # two placements agree, so this checks m, v, the squares and the bias corrections.
    hyper = dict(learning_rate=0.0625, beta_1=0.875, beta_2=1 - 2**-10, epsilon=1e-14)
    run_optimizer_against_keras(Adam(**hyper), keras.optimizers.Adam(**hyper))


def test_adam_first_step_moves_every_weight_by_the_learning_rate():
    """At t = 1, m_hat = g and v_hat = g**2, so the step is lr * g / (|g| + eps): lr * sign(g)."""
    params = {"w": np.zeros(4)}
    Adam(0.05, epsilon=0.0).step(params, {"w": np.array([3.0, -0.2, 1e-3, -50.0])})
    np.testing.assert_allclose(params["w"], [-0.05, 0.05, -0.05, 0.05])


def test_training_on_digits_reduces_the_loss_and_reaches_95_percent():
    """The chapter's configuration: 8x8 digits, 8 filters 3x3 'same', SGD(0.05, momentum 0.9)."""
    x_train, x_test, y_train, y_test = digits_split()
    model = TinyCNN(seed=0)
    start_loss, _ = model.evaluate(x_train, y_train)
    history = train(model, x_train, y_train, SGD(0.05, momentum=0.9), epochs=20, batch_size=32, seed=0,
                    validation_data=(x_test, y_test))
    assert start_loss == pytest.approx(np.log(10), abs=0.3)  # a fresh model guesses about uniformly
    assert history["loss"][-1] < 0.1 * start_loss
    assert history["loss"][-1] < history["loss"][0]
    _, test_accuracy = model.evaluate(x_test, y_test)
    assert test_accuracy >= 0.95
    assert len(history["conv_kernel"]) == 21 and not np.allclose(history["conv_kernel"][0], history["conv_kernel"][-1])


def test_adam_training_also_learns():
    x_train, x_test, y_train, y_test = digits_split()
    model = TinyCNN(seed=1)
    train(model, x_train, y_train, Adam(0.01), epochs=5, batch_size=64, seed=1)
    assert model.evaluate(x_test, y_test)[1] >= 0.9


def test_training_is_reproducible_with_a_seed():
    x_train, _, y_train, _ = digits_split()
    runs = [train(TinyCNN(seed=7), x_train[:200], y_train[:200], SGD(0.05, 0.9), epochs=2, seed=3) for _ in range(2)]
    assert runs[0]["loss"] == runs[1]["loss"]


def test_initialisation_follows_glorot_uniform():
    model = TinyCNN(input_shape=(8, 8, 1), filters=8, seed=0)
    assert model.params["conv_kernel"].shape == (3, 3, 1, 8) and model.flat_size == 4 * 4 * 8
    assert np.abs(model.params["conv_kernel"]).max() <= np.sqrt(6 / (9 + 72))
    assert np.abs(model.params["dense_kernel"]).max() <= np.sqrt(6 / (128 + 10))
    assert not model.params["conv_bias"].any() and not model.params["dense_bias"].any()


def test_error_messages():
    model = TinyCNN()
    with pytest.raises(ValueError, match=r"input_shape must be \(height, width, channels\); got \(8, 8\)"):
        TinyCNN(input_shape=(8, 8))
    with pytest.raises(ValueError, match=r"x must be a batch of shape \(N, 8, 8, 1\); got \(5, 8, 8\).*x\[\.\.\., None\]"):
        model.forward(np.zeros((5, 8, 8)))
    with pytest.raises(ValueError, match=r"labels must hold one class index per image, shape \(5,\); got \(4,\)"):
        train(model, np.zeros((5, 8, 8, 1)), np.zeros(4, int), SGD())
    with pytest.raises(TypeError, match=r"optimizer must have a step\(params, grads\) method"):
        train(model, np.zeros((5, 8, 8, 1)), np.zeros(5, int), "sgd")
    with pytest.raises(ValueError, match=r"epochs must be a positive integer"):
        train(model, np.zeros((5, 8, 8, 1)), np.zeros(5, int), SGD(), epochs=0)
    with pytest.raises(ValueError, match=r"learning_rate must be a number >= 0; got -0.1"):
        SGD(-0.1)
    with pytest.raises(ValueError, match=r"momentum must be a number in \[0, 1\); got 1"):
        SGD(0.1, momentum=1)
    with pytest.raises(ValueError, match=r"beta_2 must be a number in \[0, 1\); got 1.5"):
        Adam(beta_2=1.5)
