"""Import order cannot break legacy Keras: each order runs in a fresh interpreter.

Each child imports the four Keras users in the given order (through our
package), builds a QKeras model and runs it, converts it with hls4ml's Keras-2
converter and wraps a layer with TF-MOT, then prints what it saw.  The orders
kept are the ones that take different paths through ``_keras_env``: ours
first (the import hook alone), TensorFlow first (evict Keras 3 and repair
``tensorflow.__path__``), Keras 3 itself first, and QKeras bound before us
(the one-line error).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

CHILD = r"""
import importlib, json, sys
for name in sys.argv[1].split(","):
    importlib.import_module(name)
import numpy as np
import tensorflow as tf, keras, qkeras, hls4ml
import tensorflow_model_optimization as tfmot
from qkeras import QDense, QActivation, quantized_bits

tf.keras.utils.set_random_seed(1)
x = np.random.default_rng(0).normal(size=(256, 4)).astype("float32")
model = tf.keras.Sequential([
    QDense(8, input_shape=(4,), kernel_quantizer=quantized_bits(8, 0, alpha=1),
           bias_quantizer=quantized_bits(8, 0, alpha=1)),
    QActivation("quantized_relu(8,3)"),
    tf.keras.layers.Dense(1, activation="sigmoid"),
])
out = model(x).numpy()
cfg = hls4ml.utils.config_from_keras_model(model, granularity="name", backend="Vitis")
hls = hls4ml.converters.convert_from_keras_model(
    model, hls_config=cfg, backend="Vitis", io_type="io_parallel",
    output_dir=sys.argv[2], part="xc7z020clg400-1")
pruned = tfmot.sparsity.keras.prune_low_magnitude(tf.keras.layers.Dense(2))
print(json.dumps({
    "keras": keras.__name__, "keras_version": keras.__version__,
    "tf_keras_dense": tf.keras.layers.Dense.__module__,
    "out_shape": list(out.shape), "out_in_0_1": bool(((out > 0) & (out < 1)).all()),
    "hls_layers": [l.class_name for l in hls.get_layers()],
    "accum": str(hls.graph["q_dense"].get_output_variable().type.precision),
    "tfmot_wrapper": type(pruned).__name__,
}))
"""

ORDERS = {
    "ours-first": "fpga_prune,hls4ml,tensorflow_model_optimization,qkeras,tensorflow",
    # TensorFlow imported before us loads parts of Keras 3; we must still win.
    "tensorflow-before-ours": "tensorflow,fpga_prune,hls4ml,qkeras,tensorflow_model_optimization",
    "keras3-before-ours": "keras,fpga_prune,qkeras,hls4ml,tensorflow_model_optimization",
}


def _child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    return env


def _run(order: str, tmp: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-c", CHILD, order, tmp], capture_output=True, text=True, env=_child_env(), timeout=300
    )


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> dict[str, subprocess.CompletedProcess]:
    # Two at a time: each child spends most of its time importing TensorFlow.
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_run, order, str(tmp_path_factory.mktemp(name))) for name, order in ORDERS.items()}
        return {name: f.result() for name, f in futures.items()}


@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(ORDERS))
def test_import_order_keeps_legacy_keras(results, name):
    proc = results[name]
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["keras"] == "tf_keras"
    assert out["keras_version"].startswith("2.")
    assert out["tf_keras_dense"].startswith("tf_keras.")
    assert out["out_shape"] == [256, 1] and out["out_in_0_1"]  # the QKeras model really ran
    assert out["hls_layers"] == ["Input", "Dense", "Activation", "Dense", "Activation"]
    # hls4ml resolved an 'auto' accumulator for the QKeras layer (Keras-2 converter).
    assert out["accum"].startswith("fixed<")
    assert out["tfmot_wrapper"] == "PruneLowMagnitude"


@pytest.mark.slow
def test_keras3_bound_first_is_a_clear_error(tmp_path):
    proc = _run("qkeras,fpga_prune", str(tmp_path))
    assert proc.returncode != 0
    assert "Keras 3 was already bound by qkeras, tensorflow_model_optimization before fpga_prune" in proc.stderr
