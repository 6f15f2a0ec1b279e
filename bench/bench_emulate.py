"""Throughput of the bit-accurate model vs hls4ml's C simulation (prints JSON).

Default pruned model: 12-64-32-1 sigmoid MLP, 50 % unstructured zeros, default
HlsSettings (ap_fixed<16,6>, hls4ml-inferred accumulators, Latency).  Run
single-threaded BLAS for the "one core" figure:
    OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 python bench/bench_emulate.py
"""

from __future__ import annotations

import os

for _v in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_v, "1")

import json  # noqa: E402
import sys  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

import fpga_prune  # noqa: E402,F401
from fpga_prune.arith import emulate  # noqa: E402
from fpga_prune.hls import adapter as ha  # noqa: E402
from fpga_prune.hls.settings import HlsSettings  # noqa: E402


def _model():
    import tensorflow as tf

    tf.keras.utils.set_random_seed(0)
    m = tf.keras.Sequential(
        [
            tf.keras.layers.Input((12,)),
            tf.keras.layers.Dense(64, activation="relu", name="fc1"),
            tf.keras.layers.Dense(32, activation="relu", name="fc2"),
            tf.keras.layers.Dense(1, activation="sigmoid", name="out"),
        ]
    )
    rng = np.random.default_rng(0)
    for layer in m.layers:
        w, b = layer.get_weights()
        w[rng.random(w.shape) < 0.5] = 0.0
        layer.set_weights([w, b])
    return m


def _best(fn, repeats=3):
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main() -> int:
    model = _model()
    settings = HlsSettings()
    rng = np.random.default_rng(1)
    with tempfile.TemporaryDirectory() as tmp:
        hm = ha.convert(model, settings, tmp)
        net = ha.network_from_hls(hm)
        hm.compile()
        rows = {}
        for n in (100_000, 300_000, 1_000_000):
            x_raw = emulate.quantize_inputs(net, rng.standard_normal((n, 12)).astype(np.float32))
            sec = _best(lambda x_raw=x_raw: emulate.predict_raw(net, x_raw))
            rows[str(n)] = {"seconds": round(sec, 4), "inferences_per_s": round(n / sec)}
        n_c = 20_000
        xf = rng.standard_normal((n_c, 12))
        csim_s = _best(lambda: hm.predict(xf), repeats=1)
        ref = np.asarray(hm.predict(xf), dtype=np.float64).reshape(n_c, -1)
        mism = int(
            (
                np.round(ref * 2.0**net.output_type.frac).astype(np.int64)
                != emulate.predict_raw(net, emulate.quantize_inputs(net, xf))
            ).sum()
        )
    emu_rate = rows["1000000"]["inferences_per_s"]
    csim_rate = n_c / csim_s
    doc = {
        "model": "12-64-32-1 sigmoid, 50% zeros, default HlsSettings",
        "dense_paths": [emulate.dense_plan(layer).mode for layer in net.layers if layer.kind == "dense"],
        "emulate": rows,
        "hls4ml_predict": {"vectors": n_c, "seconds": round(csim_s, 4), "inferences_per_s": round(csim_rate)},
        "ratio_emulate_over_hls4ml": round(emu_rate / csim_rate, 1),
        "mismatches_vs_hls4ml": mism,
        "target_inferences_per_s": 1_000_000,
        "meets_target": emu_rate >= 1_000_000,
    }
    print(json.dumps(doc, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
