"""A tiny CNN written with NumPy and convlib only, its optimisers and its training loop.

The network (Keras layout, channels last)::

    x (N, H, W, C)
      -> conv2d, `filters` kernels of size k x k      (N, H', W', F)   H' = H with 'same'
      -> relu
      -> max_pool2d(pool_size)                         (N, H'/2, W'/2, F)
      -> flatten                                       (N, D)
      -> dense to `classes` logits (class scores)      (N, classes)
      -> softmax cross-entropy against integer labels

It equals the Keras model ``Input((H, W, C)) - Conv2D(F, k, padding, activation="relu")
- MaxPooling2D(pool_size) - Flatten() - Dense(classes)`` trained with SparseCategoricalCrossentropy(from_logits=True), and it has the same
weight shapes, so weights can be copied across in either direction.
"""
import numpy as np

from ._validate import as_array, positive_int
from .activations import relu, softmax
from .backprop import conv2d_backward, dense, dense_backward, max_pool2d_backward, relu_backward, softmax_cross_entropy
from .conv import conv2d
from .pooling import max_pool2d

__all__ = ["TinyCNN", "SGD", "Adam", "train", "glorot_uniform"]

PARAM_NAMES = ("conv_kernel", "conv_bias", "dense_kernel", "dense_bias")


def glorot_uniform(shape, rng):
    """Keras' default initialiser: uniform in [-l, l], l = sqrt(6 / (fan_in + fan_out)).

    For a kernel (fh, fw, C, F): fan_in = fh*fw*C, fan_out = fh*fw*F; for (D, M): D and M.
    """
    receptive = int(np.prod(shape[:-2])) if len(shape) > 2 else 1
    fan_in, fan_out = shape[-2] * receptive, shape[-1] * receptive
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, size=shape)


class TinyCNN:
    """conv - ReLU - max-pool - flatten - dense, with a forward and a backward pass.

    `params` is a dict of float64 arrays: conv_kernel (k, k, C, filters), conv_bias
    (filters,), dense_kernel (D, classes) and dense_bias (classes,), initialised as Keras does (Glorot uniform kernels, zero biases) from `seed`.
    """

    def __init__(self, input_shape=(8, 8, 1), filters=8, kernel_size=3, padding="same", pool_size=2,
                 classes=10, seed=0):
        if not (isinstance(input_shape, (tuple, list)) and len(input_shape) == 3):
            raise ValueError(f"input_shape must be (height, width, channels); got {input_shape!r}.")
        h, w, c = (positive_int(v, "input_shape entries") for v in input_shape)
        self.input_shape = (h, w, c)
        self.filters = positive_int(filters, "filters")
        self.kernel_size = positive_int(kernel_size, "kernel_size")
        self.padding = padding
        self.pool_size = positive_int(pool_size, "pool_size")
        self.classes = positive_int(classes, "classes")
        rng = np.random.default_rng(seed)
        kernel = glorot_uniform((self.kernel_size, self.kernel_size, c, self.filters), rng)
        # One forward pass on zeros tells the size of the flattened feature maps.
        pooled = max_pool2d(conv2d(np.zeros((1, h, w, c)), kernel, padding=padding), self.pool_size)
        self.flat_size = int(pooled[0].size)
        self.params = {
            "conv_kernel": kernel,
            "conv_bias": np.zeros(self.filters),
            "dense_kernel": glorot_uniform((self.flat_size, self.classes), rng),
            "dense_bias": np.zeros(self.classes),
        }

    def _check_x(self, x):
        x = as_array(x, "x").astype(np.float64, copy=False)
        if x.ndim != 4 or x.shape[1:] != self.input_shape:
            raise ValueError(
                f"x must be a batch of shape (N, {', '.join(map(str, self.input_shape))}); got {x.shape}. "
                "Add the channel axis with x[..., None]."
            )
        return x

    def forward(self, x):
        """Logits (N, classes) for x (N, H, W, C), and the cache the backward pass needs."""
        x = self._check_x(x)
        p = self.params
        z = conv2d(x, p["conv_kernel"], p["conv_bias"], padding=self.padding)  # (N, H', W', F)
        a = relu(z)
        pooled = max_pool2d(a, self.pool_size)                                   # (N, H'', W'', F)
        flat = pooled.reshape(len(x), -1)                                        # (N, D)
        logits = dense(flat, p["dense_kernel"], p["dense_bias"])                 # (N, classes)
        return logits, (x, z, a, pooled.shape, flat)

    def backward(self, dlogits, cache):
        """Gradients of the loss for every parameter, from dL/dlogits; the forward pass in reverse."""
        x, z, a, pooled_shape, flat = cache
        p = self.params
        dflat, dW, db = dense_backward(dlogits, flat, p["dense_kernel"])
        dpooled = dflat.reshape(pooled_shape)
        da = max_pool2d_backward(dpooled, a, self.pool_size)
        dz = relu_backward(da, z)
        _, dK, dc = conv2d_backward(dz, x, p["conv_kernel"], padding=self.padding)
        return {"conv_kernel": dK, "conv_bias": dc, "dense_kernel": dW, "dense_bias": db}

    def loss_and_gradients(self, x, labels):
        """Mean cross-entropy on the batch and its gradient for every parameter."""
        logits, cache = self.forward(x)
        loss, dlogits = softmax_cross_entropy(logits, labels)
        return loss, self.backward(dlogits, cache)

    def predict_proba(self, x):
        """Class probabilities (N, classes)."""
        return softmax(self.forward(x)[0], axis=1)

    def predict(self, x):
        """The most probable class of each image (N,)."""
        return self.forward(x)[0].argmax(axis=1)

    def evaluate(self, x, labels):
        """(mean loss, accuracy) on a labelled set."""
        logits, _ = self.forward(x)
        loss, _ = softmax_cross_entropy(logits, labels)
        return loss, float(np.mean(logits.argmax(axis=1) == np.asarray(labels)))


def _rate(value, name, upper=None):
    ok = isinstance(value, (int, float, np.floating)) and not isinstance(value, bool) and value >= 0
    if not ok or (upper is not None and value >= upper):
        valid = f"in [0, {upper})" if upper is not None else ">= 0"
        raise ValueError(f"{name} must be a number {valid}; got {value!r}.")
    return float(value)


class SGD:
    """Stochastic gradient descent with momentum, as keras.optimizers.SGD computes it::

        velocity = momentum * velocity - learning_rate * g
        w        = w + velocity

    (momentum = 0 is plain gradient descent: w = w - learning_rate * g).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0):
        self.learning_rate = _rate(learning_rate, "learning_rate")
        self.momentum = _rate(momentum, "momentum", upper=1)
        self.velocity = {}

    def step(self, params, grads):
        """Update every array in `params` in place from the matching entry of `grads`."""
        for name, g in grads.items():
            v = self.velocity.get(name, 0.0)
            v = self.momentum * v - self.learning_rate * g
            self.velocity[name] = v
            params[name] += v


class Adam:
    """Adam (Kingma and Ba, 2015): momentum on the gradient plus RMSProp's per-weight scale.

    At step t = 1, 2, ... with gradient g_t::

        m_t   = beta_1 * m_{t-1} + (1 - beta_1) * g_t          running mean of g
        v_t   = beta_2 * v_{t-1} + (1 - beta_2) * g_t ** 2     running mean of g squared
        m_hat = m_t / (1 - beta_1 ** t),  v_hat = v_t / (1 - beta_2 ** t)   bias correction
        w     = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7):
        self.learning_rate = _rate(learning_rate, "learning_rate")
        self.beta_1 = _rate(beta_1, "beta_1", upper=1)
        self.beta_2 = _rate(beta_2, "beta_2", upper=1)
        self.epsilon = _rate(epsilon, "epsilon")
        self.t = 0
        self.m, self.v = {}, {}

    def step(self, params, grads):
        """Update every array in `params` in place from the matching entry of `grads`."""
        self.t += 1
        for name, g in grads.items():
            m = self.beta_1 * self.m.get(name, 0.0) + (1 - self.beta_1) * g
            v = self.beta_2 * self.v.get(name, 0.0) + (1 - self.beta_2) * g ** 2
            self.m[name], self.v[name] = m, v
            m_hat = m / (1 - self.beta_1 ** self.t)
            v_hat = v / (1 - self.beta_2 ** self.t)
            params[name] -= self.learning_rate * m_hat / (np.sqrt(v_hat) + self.epsilon)


def train(model, x, labels, optimizer, epochs=10, batch_size=32, seed=0, validation_data=None):
    """Mini-batch training: each epoch shuffles the data and takes one optimiser step per batch.

    Returns a history dict of per-epoch lists::

        loss, accuracy          on the training batches, averaged over the epoch
                                (measured before each step, as Keras reports them)
        val_loss, val_accuracy  on validation_data=(x_val, labels_val), if given
        conv_kernel             copies of the first-layer kernels: before training, then
                                after every epoch (epochs + 1 entries)
    """
    x = model._check_x(x)
    labels = np.asarray(labels)
    if labels.shape != (len(x),):
        raise ValueError(f"labels must hold one class index per image, shape ({len(x)},); got {labels.shape}.")
    epochs = positive_int(epochs, "epochs")
    batch_size = positive_int(batch_size, "batch_size")
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(f"optimizer must have a step(params, grads) method, like SGD or Adam; got {optimizer!r}.")
    rng = np.random.default_rng(seed)
    history = {"loss": [], "accuracy": [], "conv_kernel": [model.params["conv_kernel"].copy()]}
    if validation_data is not None:
        history.update(val_loss=[], val_accuracy=[])
    for _ in range(epochs):
        order = rng.permutation(len(x))
        total_loss = total_correct = 0.0
        for start in range(0, len(x), batch_size):
            batch = order[start: start + batch_size]
            logits, cache = model.forward(x[batch])
            loss, dlogits = softmax_cross_entropy(logits, labels[batch])
            optimizer.step(model.params, model.backward(dlogits, cache))
            total_loss += loss * len(batch)
            total_correct += np.sum(logits.argmax(axis=1) == labels[batch])
        history["loss"].append(total_loss / len(x))
        history["accuracy"].append(total_correct / len(x))
        history["conv_kernel"].append(model.params["conv_kernel"].copy())
        if validation_data is not None:
            val_loss, val_acc = model.evaluate(*validation_data)
            history["val_loss"].append(val_loss)
            history["val_accuracy"].append(val_acc)
    return history
