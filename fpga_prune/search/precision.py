"""Per-layer precision: the widths of the input, of every layer's weights and of every hidden activation.

Why a search of its own: one weight width for the whole model spends the
same bits on a layer that needs them and on one that does not, and the
activation widths (which size every multiplier and adder downstream) were
never searched at all.  Each width is a *knob*; the search measures how the
bit-accurate validation metric of the fixed-point design (``emulate``) falls
as each knob alone is narrowed (its sensitivity), sets every knob to the
fewest bits it tolerates alone, and widens the most sensitive knobs again
until the whole design keeps the target.  QKeras quantization-aware
fine-tuning at the chosen widths (``qat``) then lets the weights adapt to
their grid, and the search runs again from there.

Integer bits are never searched: they come from the ranges the model
actually produces (weights; activations on the training split; inputs,
clipped by the preprocessing), so only fractional bits are traded.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from fpga_prune.arith.fixed import FixedType
from fpga_prune.boards import Board
from fpga_prune.hls.settings import HlsSettings, LayerSettings
from fpga_prune.prune import graph

#: widths each knob is swept over, widest first (16 = today's default precision)
WEIGHT_GRID = (16, 12, 10, 8, 7, 6, 5, 4, 3, 2)
RESULT_GRID = (16, 12, 10, 8, 7, 6, 5, 4, 3)
INPUT_GRID = (16, 12, 10, 8, 7, 6, 5, 4)
#: bias fraction bits at most (today's ap_fixed<16,6> default has 10); fewer when the products have fewer
BIAS_MAX_FRAC = 10

if TYPE_CHECKING:
    import tensorflow as tf

    from fpga_prune.prune.masks import FitFn, Masks

Knob = tuple[str, str]  # ("input", "") | ("weight", dense layer) | ("result", activation layer)


def signed_integer_bits(max_abs: float, bits: int) -> int:
    """Integer bits (sign included) of the narrowest ``ap_fixed<bits, I>`` holding ``max_abs``.

    May be below 1 (weights all under 0.5 need no integer bit), but never so
    low that fewer than 2 magnitude bits remain below the sign.
    """
    if max_abs <= 0:
        return 1
    return max(math.floor(math.log2(max_abs)) + 2, 1 - bits + 2)


def _unsigned_integer(max_val: float) -> int:
    """Integer bits of the ap_ufixed holding a ReLU's training maximum (at least 1)."""
    return 1 if max_val <= 0 else max(1, math.floor(math.log2(max_val)) + 1)


@dataclass(frozen=True)
class Ranges:
    """What the integer bits are sized for: max |input|, max |kernel| and |bias| per Dense, max ReLU output."""

    input: float
    kernels: tuple[tuple[str, float], ...]
    biases: tuple[tuple[str, float], ...]
    relus: tuple[tuple[str, float], ...]  # hardware activation layer name -> max on the training split
    relu_of: tuple[tuple[str, str], ...] = ()  # Dense layer -> the ReLU after it


def relu_names(model) -> list[tuple[str, str]]:
    """(dense layer, hardware name of the ReLU after it), as ``hls_adapter.network_from_keras`` names them."""
    out, last = [], None
    for layer in model.layers:
        kind = type(layer).__name__
        act = layer.get_config().get("activation") if kind in ("Dense", "Activation", "QDense") else None
        if kind in ("Dense", "QDense"):
            last = layer.name
            if act == "relu":
                out.append((last, f"{layer.name}_relu"))
        elif kind == "Activation" and act == "relu" and last is not None:
            out.append((last, layer.name))
    return out


def ranges(model, x_train: np.ndarray) -> Ranges:
    """The ranges of ``model`` on the training inputs (one forward pass)."""
    import tensorflow as tf  # noqa: PLC0415

    dense = graph.dense_layers(model)
    kernels = tuple((d.name, float(np.max(np.abs(graph.kernel(d))))) for d in dense)
    biases = tuple(
        (d.name, float(np.max(np.abs(d.get_weights()[1]))) if len(d.get_weights()) > 1 else 0.0) for d in dense
    )
    names = relu_names(model)
    relus: list[tuple[str, float]] = []
    if names:
        by_name = {layer.name: layer for layer in model.layers}
        outs = [tf.nn.relu(by_name[d].output) for d, _hw in names]  # the ReLU of each Dense, inline or not
        probe = tf.keras.Model(model.inputs, outs)
        acts = probe.predict(x_train, batch_size=8192, verbose=0)
        acts = acts if isinstance(acts, list) else [acts]
        relus = [(hw, float(np.max(a))) for (_d, hw), a in zip(names, acts)]
    return Ranges(float(np.max(np.abs(x_train))), kernels, biases, tuple(relus), tuple(names))


@dataclass(frozen=True)
class PrecisionPlan:
    """Widths per knob (bits; integer bits follow from ``Ranges``)."""

    input_bits: int
    weight_bits: tuple[tuple[str, int], ...]
    result_bits: tuple[tuple[str, int], ...]

    def knobs(self) -> dict[Knob, int]:
        return {
            ("input", ""): self.input_bits,
            **{("weight", n): b for n, b in self.weight_bits},
            **{("result", n): b for n, b in self.result_bits},
        }

    @classmethod
    def from_knobs(cls, k: dict[Knob, int]) -> PrecisionPlan:
        return cls(
            k[("input", "")],
            tuple(sorted((n, b) for (kind, n), b in k.items() if kind == "weight")),
            tuple(sorted((n, b) for (kind, n), b in k.items() if kind == "result")),
        )

    @property
    def max_weight_bits(self) -> int:
        return max(b for _n, b in self.weight_bits)

    def describe(self) -> str:
        w = "/".join(str(b) for _n, b in self.weight_bits)
        a = "/".join(str(b) for _n, b in self.result_bits)
        return f"per-layer bits: in {self.input_bits}, weights {w}, activations {a or '-'}"

    def to_dict(self) -> dict[str, object]:
        return {"input": self.input_bits, "weights": dict(self.weight_bits), "activations": dict(self.result_bits)}


def uniform_plan(model, bits: int = 16) -> PrecisionPlan:
    """Every knob at ``bits`` (the search's starting point)."""
    return PrecisionPlan(
        bits,
        tuple(sorted((d.name, bits) for d in graph.dense_layers(model))),
        tuple(sorted((hw, bits) for _d, hw in relu_names(model))),
    )


@dataclass(frozen=True)
class PlanTypes:
    """The fixed-point types a plan resolves to (layer name -> type)."""

    input: FixedType
    weights: dict[str, FixedType]
    biases: dict[str, FixedType]
    results: dict[str, FixedType]  # ReLU layers


def types(plan: PrecisionPlan, rng: Ranges) -> PlanTypes:
    """The FixedTypes of a plan: input, and per Dense weight/bias, per ReLU result.

    ReLU results are unsigned and saturate (a value beyond the training range
    clips to the largest code instead of wrapping to a small one); the bias
    keeps as many fraction bits as the products it is added to (at most
    ``BIAS_MAX_FRAC``), so it never widens the accumulator.
    """
    in_t = FixedType(True, plan.input_bits, signed_integer_bits(rng.input, plan.input_bits))
    weights: dict[str, FixedType] = {}
    biases: dict[str, FixedType] = {}
    results: dict[str, FixedType] = {}
    kmax, bmax, rmax = dict(rng.kernels), dict(rng.biases), dict(rng.relus)
    wbits, rbits, relu_of = dict(plan.weight_bits), dict(plan.result_bits), dict(rng.relu_of)
    cur = in_t
    for name, _m in rng.kernels:  # Dense layers in model order: each one's input is the previous ReLU
        w_t = FixedType(True, wbits[name], signed_integer_bits(kmax[name], wbits[name]))
        frac = min(BIAS_MAX_FRAC, w_t.frac + cur.frac)
        b_int = max(1, signed_integer_bits(bmax[name], 16))
        weights[name], biases[name] = w_t, FixedType(True, max(b_int + frac, 2), b_int)
        hw = relu_of.get(name)
        if hw is not None:
            cur = results[hw] = FixedType(False, rbits[hw], _unsigned_integer(rmax[hw]), "AP_TRN", "AP_SAT")
    return PlanTypes(in_t, weights, biases, results)


def layer_overrides(plan: PrecisionPlan, rng: Ranges) -> tuple[str, dict[str, dict[str, str]]]:
    """(input precision, layer name -> {weight/bias/result: precision}) of a plan, for ``HlsSettings``."""
    t = types(plan, rng)
    out: dict[str, dict[str, str]] = {}
    for name, w_t in t.weights.items():
        out[name] = {"weight": str(w_t), "bias": str(t.biases[name])}
    for hw, r_t in t.results.items():
        out.setdefault(hw, {})["result"] = str(r_t)
    return str(t.input), out


def settings(
    plan: PrecisionPlan, rng: Ranges, strategy: str, reuse: int, default_precision: str, board: Board
) -> HlsSettings:
    """The hls4ml settings of a plan (input, weight, bias and ReLU result types per layer)."""
    inp, over = layer_overrides(plan, rng)
    layers = tuple(sorted((n, LayerSettings(strategy=strategy, reuse_factor=reuse, **d)) for n, d in over.items()))
    return HlsSettings(
        default_precision=default_precision,
        input_precision=inp,
        strategy=strategy,
        reuse_factor=reuse,
        part=board.part,
        clock_period_ns=board.clock_period_ns,
        layers=layers,
    )


@dataclass(frozen=True)
class PrecisionSearch:
    """The chosen plan, its validation metric, each knob's sensitivity and every plan evaluated."""

    plan: PrecisionPlan
    metric: float
    sensitivity: dict[str, list[list[float]]]  # "kind:name" -> [[bits, metric], ...]
    tried: tuple[tuple[PrecisionPlan, float], ...]


def _grid(kind: str) -> tuple[int, ...]:
    return {"input": INPUT_GRID, "weight": WEIGHT_GRID, "result": RESULT_GRID}[kind]


def min_bits(rng: Ranges) -> dict[Knob, int]:
    """The narrowest width of each knob with one fraction bit left (input, ReLU results)."""
    out: dict[Knob, int] = {("input", ""): signed_integer_bits(rng.input, 16) + 1}
    out.update({("result", hw): _unsigned_integer(m) + 1 for hw, m in rng.relus})
    return out


def search(
    start: PrecisionPlan,
    evaluate: Callable[[PrecisionPlan], float],
    target: float,
    narrowest: dict[Knob, int] | None = None,
) -> PrecisionSearch:
    """Fewest bits per knob that keep ``evaluate(plan) >= target`` (see the module doc).

    Knobs only narrow from ``start``.  Sensitivity sweep: each knob alone,
    widest to narrowest, stopping at the first width below the target (a
    narrower one does not do better).  Then all knobs at their own limit
    together; while the joint metric misses the target, the knob that lost the
    most metric at its limit is widened one step.
    """
    base = start.knobs()
    low = narrowest or {}
    tried: list[tuple[PrecisionPlan, float]] = []

    def run(k: dict[Knob, int]) -> float:
        plan = PrecisionPlan.from_knobs(k)
        m = evaluate(plan)
        tried.append((plan, m))
        return m

    m0 = run(base)
    curves: dict[Knob, list[tuple[int, float]]] = {}
    limit: dict[Knob, int] = {}
    for knob in sorted(base):
        curve = [(base[knob], m0)]
        limit[knob] = base[knob]
        for b in (b for b in _grid(knob[0]) if low.get(knob, 1) <= b < base[knob]):
            m = run({**base, knob: b})
            curve.append((b, m))
            if m < target:
                break
            limit[knob] = b
        curves[knob] = curve
    drop = {k: m0 - dict(curves[k])[limit[k]] for k in limit}
    cur = dict(limit)
    m = run(cur) if cur != base else m0
    while m < target:
        movable = [k for k in cur if cur[k] < base[k]]
        if not movable:
            break
        k = max(movable, key=lambda q: (drop[q], q))
        wider = [b for b in _grid(k[0]) if cur[k] < b <= base[k]]
        cur[k] = min(wider) if wider else base[k]
        drop[k] = m0 - dict(curves[k]).get(cur[k], m0) if cur[k] != base[k] else -math.inf
        m = run(cur)
    if m < target:  # even the start misses the target: keep it (the caller sees the metric)
        cur, m = base, m0
    sens = {f"{kind}:{name}" if name else kind: [[b, round(v, 6)] for b, v in c] for (kind, name), c in curves.items()}
    return PrecisionSearch(PrecisionPlan.from_knobs(cur), m, sens, tuple(tried))


# ----------------------------------------------------------------------------- QAT
def _quantized_bits(t: FixedType):
    """QKeras' quantizer on the grid of the signed ``ap_fixed`` type ``t``.

    QKeras' ``quantized_bits(bits, integer)`` has the step ``2**(integer - bits + 1)``, so ``integer =
    t.integer - 1`` gives ``t``'s grid.  A type with no integer bit (weights all below 0.5:
    ``ap_fixed<4,-1>``) would need a negative ``integer``, which QKeras raises 2 to with an integer
    ``K.pow`` that TensorFlow cannot run in a graph (NotFoundError at ``.../Pow``); the same step with
    ``integer = 0`` takes ``bits = t.width - t.integer + 1``, its wider range clipped by ``qat``.
    """
    from qkeras import quantized_bits  # noqa: PLC0415

    integer = t.integer - 1
    if integer >= 0:
        return quantized_bits(t.width, integer, alpha=1)
    return quantized_bits(t.width - integer, 0, alpha=1)


def _on_type(values: np.ndarray, t: FixedType) -> np.ndarray:
    """Values already on ``t``'s grid, clipped to its range (``_quantized_bits`` may reach beyond it)."""
    return np.clip(values, t.raw_min * t.lsb, t.raw_max * t.lsb).astype(np.float32)


def qat(model: tf.keras.Model, plan: PrecisionPlan, rng: Ranges, fit: FitFn, masks: Masks) -> tf.keras.Model:
    """QKeras quantization-aware fine-tuning at ``plan``'s widths, holding ``masks`` (pruned weights stay 0).

    Returns a plain Keras model with the same layers whose weights are the
    quantized values (exactly on the plan's grids, so ``network_from_keras``
    with the plan's settings reproduces them bit for bit and stays on its fast
    path).  The input and ReLU quantizers train the weights for the
    activations the hardware will see.
    """
    import tensorflow as tf  # noqa: PLC0415
    from qkeras import QActivation, QDense, quantized_relu  # noqa: PLC0415

    from fpga_prune.prune import masks as masks_mod  # noqa: PLC0415

    t = types(plan, rng)
    in_t = t.input
    inp = tf.keras.layers.Input(shape=(int(model.input_shape[-1]),), name="features")
    x = QActivation(_quantized_bits(in_t), name="q_input")(inp)
    relu_for = dict(relu_names(model))
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        cfg = layer.get_config()
        if kind == "Dense":
            w_t, b_t = t.weights[layer.name], t.biases[layer.name]
            x = QDense(
                layer.units, name=layer.name, kernel_quantizer=_quantized_bits(w_t), bias_quantizer=_quantized_bits(b_t)
            )(x)
            act = cfg.get("activation")
            if act == "relu":
                r_t = t.results[relu_for[layer.name]]
                x = QActivation(quantized_relu(r_t.width, r_t.integer), name=f"{layer.name}_relu")(x)
            elif act not in (None, "linear"):
                x = tf.keras.layers.Activation(act, name=f"{layer.name}_{act}")(x)
        elif kind == "Activation" and cfg.get("activation") == "relu":
            r_t = t.results[layer.name]
            x = QActivation(quantized_relu(r_t.width, r_t.integer), name=layer.name)(x)
        else:
            x = type(layer).from_config(cfg)(x)
    q = tf.keras.Model(inp, x, name=f"{model.name}_qat")
    for d in graph.dense_layers(model):
        q.get_layer(d.name).set_weights(d.get_weights())
    masks_mod.fine_tune(q, masks, fit)
    out = graph.clone(model)
    for d in graph.dense_layers(out):
        ql = q.get_layer(d.name)
        kernel = _on_type(np.asarray(ql.kernel_quantizer_internal(ql.kernel).numpy()), t.weights[d.name])
        bias = _on_type(np.asarray(ql.bias_quantizer_internal(ql.bias).numpy()), t.biases[d.name])
        d.set_weights([kernel * masks[d.name].astype(np.float32), bias])
    return out


__all__ = [
    "INPUT_GRID",
    "RESULT_GRID",
    "WEIGHT_GRID",
    "PlanTypes",
    "PrecisionPlan",
    "PrecisionSearch",
    "Ranges",
    "layer_overrides",
    "min_bits",
    "qat",
    "ranges",
    "relu_names",
    "search",
    "settings",
    "signed_integer_bits",
    "types",
    "uniform_plan",
]
