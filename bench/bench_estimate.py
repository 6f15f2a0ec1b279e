"""Speed of ``fpga_prune.estimate.core.estimate`` on the default-size model; prints JSON.

The pruning search calls the estimator thousands of times, so it must stay in the
thousands of calls per second: 12 inputs -> Dense 64 relu -> Dense 32 relu -> Dense 3
softmax, ap_fixed<16,6>, 50% of weights zero, for Latency RF=1 and Resource RF=16.
"""

from __future__ import annotations

import json
import os
import platform
import time

import numpy as np

from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import ActivationLayer, DenseLayer, FixedNetwork, SoftmaxParams
from fpga_prune.boards import load_board
from fpga_prune.estimate.core import estimate, valid_reuse_factors


def model(
    strategy: str = "latency",
    rf_for=lambda n_in, n_out: 1,
    n_in: int = 12,
    units: tuple[int, ...] = (64, 32, 3),
    name: str = "bench",
) -> FixedNetwork:
    """ap_fixed<16,6> Dense layers of random 10-bit weights, half of them zero, relu between; the last
    layer ends in a latency softmax when it has several outputs, else it is linear."""
    rng = np.random.default_rng(0)
    t = FixedType.parse("ap_fixed<16,6>")
    t18 = FixedType.parse("ap_fixed<18,8,AP_RND,AP_SAT>")
    layers, n_prev = [], n_in
    for i, n in enumerate(units):
        w = rng.integers(-512, 512, size=(n_prev, n))
        w[rng.random(w.shape) < 0.5] = 0
        layers.append(
            DenseLayer(
                f"dense{i}",
                t,
                t,
                t,
                t,
                t,
                w.astype(np.int64),
                rng.integers(-64, 64, n).astype(np.int64),
                strategy=strategy,
                reuse_factor=rf_for(n_prev, n),
            )
        )
        if i < len(units) - 1:
            layers.append(ActivationLayer(f"act{i}", "relu", t, t, n))
        elif n > 1:
            layers.append(
                ActivationLayer(f"act{i}", "softmax", t, t, n, softmax=SoftmaxParams("latency", 1024, 1024, t18, t18))
            )
        else:
            layers.append(ActivationLayer(f"act{i}", "linear", t, t, n))
        n_prev = n
    return FixedNetwork(name, t, n_in, tuple(layers))


def closest_rf(target: int):
    """The valid reuse factor nearest ``target`` per layer (what hls4ml would pick)."""
    return lambda n_in, n_out: min(valid_reuse_factors(n_in, n_out), key=lambda r: (abs(r - target), r))


def rate(net: FixedNetwork, board, seconds: float = 1.5) -> tuple[float, int]:
    estimate(net, board)  # warm caches
    n, t0 = 0, time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        for _ in range(50):
            estimate(net, board)
        n += 50
    return n / (time.perf_counter() - t0), n


def main() -> None:
    board = load_board("zcu104")
    out = {
        "benchmark": "estimate",
        "loadavg_1min": round(os.getloadavg()[0], 2),
        "cpus": os.cpu_count(),
        "model": "12-64-32-3 ap_fixed<16,6> 50% sparse",
        "board": board.name,
        "python": platform.python_version(),
        "numpy": np.__version__,
    }
    for label, net in [
        ("latency_rf1", model("latency", lambda i, o: 1)),
        ("resource_rf16", model("resource", closest_rf(16))),
    ]:
        cps, n = rate(net, board)
        e = estimate(net, board)
        out[label] = {
            "calls_per_s": round(cps, 1),
            "calls": n,
            "dsp": e.dsp,
            "lut": e.lut,
            "bram18k": e.bram18k,
            "latency_cycles": e.latency_cycles,
        }
    print(json.dumps(out, indent=1, sort_keys=True))


if __name__ == "__main__":
    main()
