"""The float bus of hls4ml's VivadoAccelerator wrapper: what its casts do to a value, bit for bit.

Why here: the wrapper (``firmware/<project>_axi.cpp``) reads ``float`` beats into ``input_t`` with
``in_local[i] = in[i].data`` -- ap_fixed's constructor from the exact value (``fixed.from_float``, the type's
own quantization and overflow) -- and writes ``out[i].data = out_local[i]``, ap_fixed's conversion to float.
That second cast is exact only while the result has at most 24 significant bits (a float's mantissa) and its
exponent fits; a wider ``result_t`` rounds, which we refuse by name rather than guess (``refusal``).
The verifier and the testbench read the same functions.
"""

from __future__ import annotations

import numpy as np

from fpga_prune.arith.fixed import FixedType, from_float, to_float

#: significant bits of an IEEE-754 single (with the hidden one)
FLOAT_MANTISSA = 24


def refusal(t: FixedType, direction: str) -> str | None:
    """Why ``t`` <-> float cannot be modelled bit-exactly in ``direction`` ("in": float -> t, "out": t -> float)."""
    if direction == "out":
        if t.width > FLOAT_MANTISSA:
            return f"result_t {t} has {t.width} bits: its cast to float rounds (only <= {FLOAT_MANTISSA} is exact)"
        if t.integer > 129 or t.frac > 126:  # |v| < 2**(integer - 1), the least step 2**-frac: normal floats
            return f"result_t {t}: its values are not all normal floats"
    elif not t.fits_int64:
        return f"input_t {t} is wider than 64 bits"
    return None


def inputs(x: np.ndarray, t: FixedType) -> np.ndarray:
    """Float32 beats -> raw ``t`` values, as ``input_t v = (float)beat`` (the exact value, t's modes)."""
    return np.asarray(from_float(np.asarray(x, dtype=np.float32).astype(np.float64), t), dtype=np.int64)


def outputs(raw: np.ndarray, t: FixedType) -> np.ndarray:
    """Raw ``t`` results -> the float32 beats the wrapper writes (exact: ``refusal(t, "out")`` is None)."""
    return np.asarray(to_float(np.asarray(raw, dtype=np.int64), t), dtype=np.float64).astype(np.float32)


def draw(t: FixedType, raw: np.ndarray, seed: int) -> np.ndarray:
    """Float32 inputs around raw values of ``t``: a third on the grid, a third between grid points (the cast
    truncates or rounds), a third scaled past the range (it wraps or saturates)."""
    rng = np.random.default_rng(seed)
    grid = np.asarray(to_float(np.asarray(raw, dtype=np.int64), t), dtype=np.float64)
    third = np.arange(len(grid)) % 3
    off = grid + rng.uniform(0.0, t.lsb, size=grid.shape) * np.sign(rng.normal(size=grid.shape))
    wide = grid * rng.choice([2.0, 4.0, -3.0], size=grid.shape)
    out = np.where((third == 1)[:, None], off, np.where((third == 2)[:, None], wide, grid))
    return out.astype(np.float32)
