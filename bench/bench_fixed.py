"""Speed of ``fpga_prune.arith.fixed`` on 1e6 values; prints JSON.

The bit-accurate model casts every product and partial sum of every sample, so
casts must run at tens of millions of values per second (int64 fast path); the
exact Python-int path (types beyond 64 bits) is measured on 1e4 values.
"""

from __future__ import annotations

import json
import os
import platform
import time

import numpy as np

from fpga_prune.arith import fixed
from fpga_prune.arith.fixed import FixedType

N = 1_000_000


def rate(fn, n: int, repeat: int = 5) -> float:
    """Best-of-``repeat`` values per second."""
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return n / best


def main() -> None:
    rng = np.random.default_rng(0)
    acc = FixedType.parse("ap_fixed<28,11,AP_RND_CONV,AP_SAT>")
    res = FixedType.parse("ap_fixed<16,6,AP_RND,AP_SAT_SYM>")
    wrap = FixedType.parse("ap_fixed<16,6>")
    x = rng.integers(acc.raw_min, acc.raw_max + 1, size=N)
    f = rng.normal(0, 20, size=N)
    a = rng.integers(-32768, 32768, size=N)
    wide = FixedType(True, 96, 40, "AP_RND_CONV", "AP_SAT")
    xo = np.array([int(v) << 60 for v in x[:10_000]], dtype=object)
    src_wide = FixedType(True, 88, 11)
    out = {
        "bench": "fixed",
        "n": N,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "cpus": os.cpu_count(),
        "cast_rnd_conv_sat_per_s": rate(lambda: fixed.cast(x, acc, res), N),
        "cast_trn_wrap_per_s": rate(lambda: fixed.cast(x, acc, wrap), N),
        "from_float_per_s": rate(lambda: fixed.from_float(f, acc), N),
        "mul_raw_per_s": rate(lambda: fixed.mul_raw(a, wrap, a, wrap), N),
        "to_int_per_s": rate(lambda: fixed.to_int(x, acc), N),
        "cast_python_int_path_per_s": rate(lambda: fixed.cast(xo, src_wide, wide), 10_000, 2),
    }
    print(json.dumps({k: (round(v) if isinstance(v, float) else v) for k, v in out.items()}, indent=1))


if __name__ == "__main__":
    main()
