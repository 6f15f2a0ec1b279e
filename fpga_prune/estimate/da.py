"""Cost of a distributed-arithmetic Dense: the adder graph da4ml builds for its constant matrix.

Why its own module: hls4ml's ``distributed_arithmetic`` strategy hands each
Dense's constant matrix to da4ml's CMVM solver, which replaces every
multiplication by a shared graph of shift-and-add operations.  Its LUTs,
registers and depth follow from that graph, not from counting products, so
the estimator asks the same solver for it.  Solving takes 0.1-2 s for the
default model's layers; the search estimates the same weights many times, so
solutions are cached by (weights, input type).
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from fpga_prune.arith.ir import DenseLayer
from fpga_prune.errors import InputError
from fpga_prune.estimate.context import Context, LayerEstimate, adder_depth, weight_stats

# numba's optimization level for da4ml's solver, unless the user set one: its first-use compile (every fresh
# install pays it) took 104 s of CPU at numba's default level 3 and 63 s at 1, and a cached solver at 1 solved the
# same 16x64 layers in the same time (2.46-2.58 s vs 2.54-2.63 s for four; 16x16: 2.07 vs 2.09 s for six).  Read
# when numba is first imported, which only this module's solver calls do.
os.environ.setdefault("NUMBA_OPT", "1")

#: da4ml solver options.  hls4ml 1.3 passes hard_dc=2 (at most 2 adder levels beyond the
#: minimal depth) and searches every decomposition depth; one decomposition (the solver's
#: default, log2(n_in) capped by hard_dc) is up to 6x faster and within 4% of its cost
#: (16x64 random 6-bit: 1037 vs 1002 adders; the default model's trained 16x64 at 6 bits:
#: 17,235 vs 16,719 adder bits), so the estimate uses it.
SOLVER_OPTIONS = {"hard_dc": 2, "search_all_decompose_dc": False}


@dataclass(frozen=True)
class AdderGraph:
    """What the estimate needs of one da4ml solution.

    ``adder_bits`` is da4ml's own cost with a 1-bit adder unit (what hls4ml
    records as ``da_kernel_cost``): per adder, the bits where its shifted
    operands overlap (the rest are wires), one LUT per bit on AMD carry
    chains.  ``level_bits[k]`` are the output bits produced at adder level
    ``k+1`` (what a register cut there holds).
    """

    adders: int
    adder_bits: int
    depth: int
    level_bits: tuple[int, ...]


_CACHE: dict[tuple[bytes, str, str, str], AdderGraph] = {}

#: The CSD proxy of da4ml's adder bits: ``exp(c0) * naive^c1 * in_width^c2 * n_out^c3``, where ``naive`` is
#: the adders of the matrix without any shared term (per output: its weights' nonzero CSD digits, plus a
#: nonzero bias, minus one).  Basis: log-least-squares over the 521 distinct layers da4ml solved in
#: ``fpga-prune prune --model tests/golden/model --board pynq-z2 --objective resources`` (shapes 2x1 to
#: 64x32, 2- to 16-bit weights and inputs); exact/proxy ratio 0.88-1.14 (5th-95th percentile), 0.90-1.15
#: on layers above 2,000 adder bits.  Held out (``bench/bench_da_proxy.py``, ``bench/results/da-proxy.json``:
#: 132 other layers, unfine-tuned widths under random plans): 0.85-1.06 per layer, 0.89-1.04 per design,
#: designs ranked with Spearman 0.998; 0.4 ms per layer against 1.8 s for da4ml's solve.
PROXY_COEFFS = (0.7936, 0.992, 0.6634, -0.0808)
#: da4ml's adders per naive adder (median over the same layers; shared terms save the rest)
PROXY_ADDERS_PER_NAIVE = 0.62
#: extra adder levels over the minimal depth ceil(log2(terms)) (median over the same layers; hard_dc allows 2)
PROXY_EXTRA_DEPTH = 1
#: lowest exact/proxy ratio of a whole design's DA cost the search assumes when it decides which
#: proxy-costed candidates could still beat an exactly costed one (below the 5th percentile of every
#: layer, 0.88, and below every held-out design, 0.89; the layers under it are small ones, a few percent
#: of a design's adders)
PROXY_LOW_RATIO = 0.85


def layer_key(layer: DenseLayer) -> tuple[bytes, str, str, str]:
    """What da4ml's solution depends on: the constants and the input, weight and bias types."""
    w = np.ascontiguousarray(layer.weights, dtype=np.int64)
    b = np.ascontiguousarray(layer.biases, dtype=np.int64)
    digest = hashlib.sha1(w.tobytes() + str(w.shape).encode() + b.tobytes()).digest()
    return digest, str(layer.input_type), str(layer.weight_type), str(layer.bias_type)


#: held (exclusively) by ``warm`` while it compiles: a process that needs the solver waits for it
#: instead of compiling the same kernels a second time beside it (``wait_for_solver``)
WARM_LOCK = "fpga_prune-da4ml-compiling.lock"
_solver_ready = False


def _lock_path() -> Path:
    return Path(sys.prefix) / WARM_LOCK


def warm(started: Path | None = None) -> float:
    """Compile da4ml's numba solver now; returns the seconds it took.

    Why: da4ml's kernels are numba functions compiled on their first call and
    cached beside its package; on a fresh install that first call takes 1-3
    minutes of one core (seconds afterwards).  The install step (``.ci/setup``)
    pays it once, so no search or test does; it holds ``WARM_LOCK`` meanwhile
    (``started`` is touched once it does), so it may go on beside other work.
    """
    import fcntl  # noqa: PLC0415
    import time  # noqa: PLC0415

    from fpga_prune.arith.fixed import FixedType  # noqa: PLC0415
    from fpga_prune.arith.ir import exact_sum_type  # noqa: PLC0415

    global _solver_ready
    t0 = time.perf_counter()
    w = np.array([[3, -5], [7, 1], [0, 6]], dtype=np.int64)
    b = np.array([1, 0], dtype=np.int64)
    t_in, t_w, t_b = FixedType(True, 8, 3), FixedType(True, 6, 2), FixedType(True, 8, 4)
    acc = exact_sum_type(t_in, t_w, t_b, w, b)
    layer = DenseLayer("warm", t_in, t_w, t_b, acc, acc, w, b, strategy="distributed_arithmetic")
    _solver_ready = True  # this process compiles it: no waiting on itself
    with contextlib.ExitStack() as stack:
        try:
            lock = stack.enter_context(_lock_path().open("a"))
            fcntl.flock(lock, fcntl.LOCK_EX)
        except OSError:  # an environment we may not write to: compile without telling others
            pass
        if started is not None:
            started.touch()
        adder_graph(layer)
    return time.perf_counter() - t0


def wait_for_solver() -> None:
    """Block while ``warm`` compiles the solver in another process (once per process; cheap after)."""
    global _solver_ready
    if _solver_ready:
        return
    path = _lock_path()
    if path.exists():
        import fcntl  # noqa: PLC0415

        try:
            with path.open("a") as lock:
                fcntl.flock(lock, fcntl.LOCK_SH)
        except OSError:  # not ours to lock: compile as if nobody else were
            pass
    _solver_ready = True


def available() -> bool:
    """Whether da4ml (the ``da`` extra) is installed: without it the search leaves DA out."""
    import importlib.util  # noqa: PLC0415

    return importlib.util.find_spec("da4ml") is not None


def usable_strategies() -> tuple[str, ...]:
    """``ir.STRATEGIES`` this installation can cost: distributed_arithmetic only with da4ml."""
    from fpga_prune.arith.ir import DA, STRATEGIES  # noqa: PLC0415

    return tuple(s for s in STRATEGIES if s != DA or available())


def adder_graph(layer: DenseLayer) -> AdderGraph:
    """da4ml's adder graph for ``layer``'s constants and bias, on inputs of ``layer.input_type`` (cached)."""
    key = layer_key(layer)
    hit = _CACHE.get(key)
    if hit is not None:
        return hit
    wait_for_solver()
    try:  # numba-compiled: imported only when a DA layer appears
        from da4ml.cmvm.types import _minimal_kif  # noqa: PLC0415
        from da4ml.trace import FixedVariableArray, HWConfig, comb_trace  # noqa: PLC0415
    except ImportError:
        raise InputError(
            f"layer {layer.name}", "strategy", "distributed_arithmetic needs da4ml (pip install 'fpga-prune[da]')"
        ) from None

    t = layer.input_type
    n_in = layer.n_in
    k = np.full(n_in, int(t.signed), dtype=np.int16)
    i = np.full(n_in, t.integer - int(t.signed), dtype=np.int16)
    f = np.full(n_in, t.frac, dtype=np.int16)
    inp = FixedVariableArray.from_kif(k, i, f, HWConfig(1, -1, -1), solver_options=dict(SOLVER_OPTIONS))
    kernel = np.asarray(layer.weights, dtype=np.float64) * 2.0**-layer.weight_type.frac
    bias = np.asarray(layer.biases, dtype=np.float64) * 2.0**-layer.bias_type.frac
    sol = comb_trace(inp, inp @ kernel + bias)
    levels: dict[int, int] = {}
    adders = 0
    refs = sol.ref_count
    for idx, op in enumerate(sol.ops):
        if op.opcode not in (0, 1, 4) or refs[idx] == 0:  # adders, subtractors, constant (bias) adds
            continue
        width = int(sum(_minimal_kif(op.qint)))
        adders += 1
        lvl = max(1, int(round(op.latency)))
        levels[lvl] = levels.get(lvl, 0) + width
    depth = max(levels, default=0)
    graph = AdderGraph(
        adders=adders,
        adder_bits=int(round(sol.cost)),
        depth=depth,
        level_bits=tuple(levels.get(d, 0) for d in range(1, depth + 1)),
    )
    _CACHE[key] = graph
    return graph


def proxy_graph(layer: DenseLayer) -> AdderGraph:
    """An ``AdderGraph`` from the weights' CSD digits alone (``PROXY_*``): microseconds instead of a solve.

    Why: the resources search costs hundreds of weight sets under distributed
    arithmetic; it ranks them by this and solves exactly only those that could
    still win (``search.fit``).  Levels share the adder bits evenly.
    """
    csd, _eff = weight_stats(np.asarray(layer.weights, dtype=np.int64), layer.weight_type.width)
    terms = csd.sum(axis=0) + (np.asarray(layer.biases) != 0)
    naive = int(np.maximum(terms - 1, 0).sum())
    if naive == 0:
        return AdderGraph(0, 0, 0, ())
    c0, c1, c2, c3 = PROXY_COEFFS
    bits = math.exp(c0) * naive**c1 * layer.input_type.width**c2 * layer.n_out**c3
    depth = adder_depth(int(terms.max())) + PROXY_EXTRA_DEPTH
    per_level = int(round(bits / depth))
    return AdderGraph(
        adders=max(1, int(round(naive * PROXY_ADDERS_PER_NAIVE))),
        adder_bits=int(round(bits)),
        depth=depth,
        level_bits=(per_level,) * depth,
    )


def estimate_da(layer: DenseLayer, ctx: Context) -> LayerEstimate:
    """A DA Dense on the board of ``ctx``: 0 DSP, LUTs from adder bits, registers at each clock boundary."""
    r = ctx.r
    g = proxy_graph(layer) if ctx.da_proxy else adder_graph(layer)
    level_ns = r["t_add_ns"]
    delay = g.depth * level_ns
    cycles = ctx.cycles(delay) if g.depth else 0
    # Registers: every clock boundary inside the graph holds the values of the level it cuts.
    ff = 0.0
    if cycles > 1 and g.depth:
        per_cycle = g.depth / cycles
        for c in range(1, cycles):
            ff += g.level_bits[min(g.depth - 1, max(0, int(math.floor(c * per_cycle)) - 1))]
    ff *= r["ff_per_da_level_bit"]
    lut = g.adder_bits * r["lut_per_da_adder_bit"]
    nnz = int(np.count_nonzero(layer.weights))
    return LayerEstimate(
        name=layer.name,
        kind="dense",
        strategy=layer.strategy,
        reuse_factor=1,
        dsp=0,
        bram18k=0,
        lut=int(round(lut)),
        ff=int(round(ff)),
        latency_cycles=cycles,
        interval_cycles=1,
        mults_total=layer.n_in * layer.n_out,
        mults_nonzero=nnz,
        mults_in_dsp=0,
        mults_in_lut=nnz,
    )
