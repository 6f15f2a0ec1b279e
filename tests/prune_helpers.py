"""Small models and data shared by the tests/test_prune*.py files."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

import fpga_prune  # noqa: F401


def synthetic(n: int = 1500, d: int = 8, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A nonlinear binary task a 2-hidden-layer MLP learns in a few epochs."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype(np.float32)
    logit = 1.5 * x[:, 0] - x[:, 1] + 1.2 * x[:, 2] * x[:, 3] + 0.3 * rng.normal(size=n)
    return x, (logit > 0).astype(np.int64)


def mlp(d: int = 8, widths=(32, 16), seed: int = 0, name: str = "mlp") -> tf.keras.Model:
    tf.keras.utils.set_random_seed(seed)
    layers = [tf.keras.Input((d,), name="features")]
    layers += [tf.keras.layers.Dense(w, activation="relu", name=f"fc{i}") for i, w in enumerate(widths, 1)]
    layers.append(tf.keras.layers.Dense(1, activation="sigmoid", name="out"))
    return tf.keras.Sequential(layers, name=name)


def train(model: tf.keras.Model, x, y, epochs: int = 8, seed: int = 0) -> tf.keras.Model:
    tf.keras.utils.set_random_seed(seed)
    model.compile(optimizer=tf.keras.optimizers.Adam(1e-2), loss="binary_crossentropy")
    model.fit(x, y, epochs=epochs, batch_size=128, verbose=0)
    return model
