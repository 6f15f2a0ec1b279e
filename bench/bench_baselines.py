"""Pruning baselines side by side: fpga_prune's prune-to-fit vs TF-MOT vs hls4ml DSP-aware pruning.

For each board, every method starts from the SAME dense weights (trained once,
seed 0, or ``--model DIR``) and is judged the same way:

* resources (DSP, BRAM18K, LUT, FF) and latency from ``fpga_prune.estimate.core`` of
  the design hls4ml would build (so all methods are costed by one estimator),
  against the board's default caps (DSP/BRAM 80 %, LUT 70 %, FF 50 %);
* out-of-sample (test split) ROC AUC of the fixed-point design (bit-accurate
  emulation) and of the float model, accuracy, retention vs the dense float
  model, decision agreement with the dense model, wall seconds.

Methods:

``fpga_prune``
    ``fpga_prune.search.fit.prune_to_fit`` with the default ``FitConfig`` (structured,
    then unstructured, weight precision and Resource reuse as needed; floor:
    validation-AUC retention >= 0.98).
``fpga_prune_16bit``
    The same search held to 16-bit weights (``FitConfig(weight_bits=(16,))``),
    like the two baselines: the pruning alone, without the precision search.
``tfmot``
    ``tfmot.sparsity.keras.prune_low_magnitude`` (per-layer magnitude,
    ``PolynomialDecay`` 0 -> s over the first 2/3 of a 12-epoch fine-tune on
    the train split), ``strip_pruning``, 16-bit weights, Latency RF1.  ``s`` is
    the smallest sparsity of ``TFMOT_GRID`` whose design fits: each grid level
    is pre-screened by one-shot per-layer magnitude pruning of the dense
    weights (the estimate depends on the weight values, not only on how many
    are zero), the first one predicted to fit is fine-tuned, and if the
    fine-tuned design does not fit, the next level is fine-tuned.
``hls4ml_dsp_aware``
    ``hls4ml.optimization.dsp_aware_pruning.optimize_keras_model_for_hls4ml``
    with ``VivadoDSPEstimator``, greedy knapsack (no OR-Tools here), the
    ``Manual`` tuner (keras-tuner's Bayesian search costs 10 trainings), and a
    ``PolynomialScheduler`` whose final sparsity is the board's DSP budget
    measured in hls4ml's own unit (one DSP per 16-bit weight), rtol 0.98 on
    validation AUC.  Any failure is recorded as ``"error"``.

Usage (JSON on stdout, progress on stderr)::

    python bench/bench_baselines.py [--data CSV] [--boards pynq-z2,arty-a7-100t,zcu104]
                                    [--model DIR] [--out FILE.json]
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import platform
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import fpga_prune  # noqa: F401  (legacy Keras before TensorFlow)
from bench import emit
from fpga_prune.arith import emulate
from fpga_prune.boards import Board, Caps, load_board
from fpga_prune.estimate.core import estimate
from fpga_prune.hls.adapter import network_from_keras, to_hls4ml_config
from fpga_prune.hls.settings import HlsSettings
from fpga_prune.model import features
from fpga_prune.model import metrics as pm
from fpga_prune.prune import graph
from fpga_prune.search.config import FitConfig
from fpga_prune.search.fit import hardware_settings, nonzero_weights, prune_to_fit, widths

REPO = Path(__file__).resolve().parents[1]
DEFAULT_BOARDS = ("pynq-z2", "arty-a7-100t", "zcu104")
METHODS = ("fpga_prune", "fpga_prune_16bit", "tfmot", "hls4ml_dsp_aware")
#: TF-MOT target sparsities tried, smallest first (per layer, as prune_low_magnitude applies them).
TFMOT_GRID = (0.5, 0.6, 0.7, 0.75, 0.8, 0.85, 0.88, 0.9, 0.92, 0.94, 0.95, 0.96, 0.97, 0.98)


@dataclass(frozen=True)
class BenchConfig:
    """Training budgets of the baselines (chosen to match fpga_prune's 12-epoch fine-tunes)."""

    weight_bits: int = 16
    finetune_epochs: int = 12
    ramp_fraction: float = 2 / 3  # of the fine-tune spent ramping sparsity 0 -> target
    batch_size: int = 256
    learning_rate: float = 1e-3
    rtol: float = 0.98  # hls4ml's floor, = FitConfig().min_retention
    hls4ml_steps: int = 8  # PolynomialScheduler steps 0 -> target
    hls4ml_epochs: int = 4  # per step: 3 masked + 1 rewinding
    seed: int = 0


def say(msg: str) -> None:
    print(f"[bench] {msg}", file=sys.stderr, flush=True)


def default_csv() -> Path:
    """The shared candles, found as the tests find them (``fpga_prune.data.shared_csv``)."""
    from fpga_prune.data import shared_csv

    try:
        return shared_csv(REPO)
    except FileNotFoundError as exc:
        raise SystemExit(f"{exc}; or pass --data") from None


def machine_info() -> dict[str, Any]:
    import hls4ml
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot

    return {
        "cpus": os.cpu_count(),
        "affinity_cpus": len(os.sched_getaffinity(0)),
        "loadavg_1min_start": round(os.getloadavg()[0], 2),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "numpy": np.__version__,
        "tensorflow": tf.__version__,
        "hls4ml": hls4ml.__version__,
        "tfmot": tfmot.__version__,
    }


# ----------------------------------------------------------------------------- measuring a design


def measure(
    model, settings: HlsSettings, board: Board, caps: Caps, splits, dense_model, dense_total: int, seconds: float
) -> dict[str, Any]:
    """The common row: resources, fit, sparsity, latency, test-split accuracy of one design."""
    net = network_from_keras(model, settings)
    est = estimate(net, board)
    X, y = splits.test.X, splits.test.y
    p_dense = _predict(dense_model, X)
    p_hw = emulate.predict(net, X)
    p_float = _predict(model, X)
    auc_dense = pm.roc_auc(y, p_dense)
    auc_hw = pm.roc_auc(y, p_hw)
    nz, total = nonzero_weights(model)
    weight_types = sorted({str(lay.weight_type) for lay in net.layers if hasattr(lay, "weight_type")})
    return {
        "dsp": est.dsp,
        "lut": est.lut,
        "ff": est.ff,
        "bram18k": est.bram18k,
        "fits": est.fits(board, caps),
        "latency_cycles": est.latency_cycles,
        "latency_ns": round(est.latency_ns, 3),
        "widths": list(widths(model)),
        "sparsity": round(1.0 - nz / dense_total, 6),
        "kernel_sparsity": round(1.0 - nz / total, 6),
        "multiplies": nz,
        "strategy": settings.strategy,
        "reuse_factor": settings.reuse_factor,
        "weight_types": weight_types,
        "test_auc_hw": round(auc_hw, 6),
        "test_auc_float": round(pm.roc_auc(y, p_float), 6),
        "test_accuracy_hw": round(pm.accuracy(y, p_hw), 6),
        "retention": round(auc_hw / auc_dense, 6),
        "auc_delta_vs_dense": round(auc_hw - auc_dense, 6),
        "auc_delta_ci95": auc_delta_ci(y, p_hw, p_dense),
        "decision_agreement": round(pm.decision_agreement(p_dense, p_hw), 6),
        "wall_s": round(seconds, 2),
    }


def _auc_fast(y: np.ndarray, p: np.ndarray) -> float:
    """Binary ROC AUC with tie-averaged ranks, vectorized (fixed-point outputs tie a lot)."""
    _, inv, counts = np.unique(p, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = (ends - (counts - 1) / 2.0)[inv]
    pos = y == 1
    n_pos = int(pos.sum())
    n_neg = y.size - n_pos
    return float((ranks[pos].sum() - n_pos * (n_pos + 1) / 2.0) / (n_pos * n_neg))


def auc_delta_ci(
    y: np.ndarray, p: np.ndarray, p_ref: np.ndarray, n_boot: int = 400, block: int = 48, seed: int = 0
) -> list[float]:
    """95 % moving-block bootstrap interval of AUC(p) - AUC(p_ref) on the same test rows.

    Why: the methods differ by a few thousandths of AUC on ~3,500 autocorrelated
    candles; the interval says whether a difference is larger than resampling
    noise (blocks of 48 five-minute candles = 4 h keep the autocorrelation).
    """
    y = np.asarray(y).ravel().astype(np.int64)
    p = np.asarray(p, dtype=np.float64).ravel()
    p_ref = np.asarray(p_ref, dtype=np.float64).ravel()
    rng = np.random.default_rng(seed)
    n = y.size
    n_blocks = int(np.ceil(n / block))
    deltas = []
    for _ in range(n_boot):
        starts = rng.integers(0, n - block + 1, n_blocks)
        idx = (starts[:, None] + np.arange(block)).ravel()[:n]
        yy = y[idx]
        if yy.min() == yy.max():
            continue
        deltas.append(_auc_fast(yy, p[idx]) - _auc_fast(yy, p_ref[idx]))
    lo, hi = np.percentile(deltas, [2.5, 97.5])
    return [round(float(lo), 6), round(float(hi), 6)]


def _predict(model, X):
    from fpga_prune.model.training import predict_proba

    return predict_proba(model, X)


def latency16(model, board: Board) -> HlsSettings:
    """The baselines' hardware: 16-bit per-layer weights, Latency, RF1 (our rule)."""
    return hardware_settings(model, BenchConfig.weight_bits, "latency", 1, FitConfig(), board)


# ----------------------------------------------------------------------------- methods


def run_fpga_prune(dense, splits, board, caps, ctx, cfg: FitConfig | None = None) -> dict[str, Any]:
    t0 = time.perf_counter()
    res = prune_to_fit(dense, splits, board, caps, cfg or FitConfig(), progress=lambda m: say(f"  {m}"))
    ch = res.chosen
    row = measure(ch.model, ch.settings, board, caps, splits, dense, ctx["dense_total"], time.perf_counter() - t0)
    row.update(
        {
            "design": ch.describe(),
            "search_fits": res.fits,
            "designs_tried": len(res.designs),
            "weight_bits": ch.weight_bits,
            "shortfall": res.shortfall,
        }
    )
    return row


def run_fpga_prune_16bit(dense, splits, board, caps, ctx) -> dict[str, Any]:
    """Our search held to the baselines' 16-bit weights: the pruning alone, no precision search."""
    return run_fpga_prune(dense, splits, board, caps, ctx, FitConfig(weight_bits=(BenchConfig.weight_bits,)))


def _per_layer_magnitude(model, s: float):
    """One-shot per-layer magnitude pruning (what prune_low_magnitude converges to before fine-tuning)."""
    m = graph.clone(model)
    for d in graph.dense_layers(m):
        w, *rest = d.get_weights()
        k = int(round(s * w.size))
        if k:
            flat = np.abs(w).ravel()
            cut = np.argsort(flat, kind="stable")[:k]
            w = w.copy().ravel()
            w[cut] = 0.0
            w = w.reshape(d.get_weights()[0].shape)
        d.set_weights([w, *rest])
    return m


def _tfmot_finetune(dense, splits, s: float, bc: BenchConfig):
    import tensorflow as tf
    import tensorflow_model_optimization as tfmot

    sk = tfmot.sparsity.keras
    tf.keras.utils.set_random_seed(bc.seed)
    base = graph.clone(dense)  # prune_low_magnitude wraps the layer objects: never the shared dense model
    steps = int(np.ceil(len(splits.train.X) / bc.batch_size))
    end = max(1, int(round(steps * bc.finetune_epochs * bc.ramp_fraction)))
    schedule = sk.PolynomialDecay(
        initial_sparsity=0.0, final_sparsity=float(s), begin_step=0, end_step=end, power=3, frequency=max(1, steps // 4)
    )
    pruned = sk.prune_low_magnitude(base, pruning_schedule=schedule)
    pruned.compile(optimizer=tf.keras.optimizers.Adam(bc.learning_rate), loss="binary_crossentropy")
    pruned.fit(
        splits.train.X,
        splits.train.y.astype(np.float32),
        epochs=bc.finetune_epochs,
        batch_size=bc.batch_size,
        shuffle=True,
        verbose=0,
        validation_data=(splits.val.X, splits.val.y.astype(np.float32)),
        callbacks=[sk.UpdatePruningStep()],
    )
    stripped = sk.strip_pruning(pruned)
    # strip_pruning hands back the wrapped layer objects, now shared by two graphs; a fresh copy
    # is the plain single-chain MLP the estimator and emulator read.
    fresh = tf.keras.models.clone_model(stripped)
    fresh.set_weights(stripped.get_weights())
    return fresh


def run_tfmot(dense, splits, board, caps, ctx) -> dict[str, Any]:
    bc: BenchConfig = ctx["bench"]
    t0 = time.perf_counter()
    predicted = []
    for s in TFMOT_GRID:
        m = _per_layer_magnitude(dense, s)
        e = estimate(network_from_keras(m, latency16(m, board)), board)
        predicted.append({"sparsity": s, "dsp_one_shot": e.dsp, "fits_one_shot": e.fits(board, caps)})
    start = next((i for i, p in enumerate(predicted) if p["fits_one_shot"]), len(TFMOT_GRID) - 1)
    tried: dict[int, dict[str, Any]] = {}
    models: dict[int, Any] = {}

    def attempt(i: int) -> bool:
        s = TFMOT_GRID[i]
        models[i] = m = _tfmot_finetune(dense, splits, s, bc)
        e = estimate(network_from_keras(m, latency16(m, board)), board)
        tried[i] = {"sparsity": s, "dsp": e.dsp, "lut": e.lut, "ff": e.ff, "fits": e.fits(board, caps)}
        say(f"  tfmot s={s:.2f}: DSP {e.dsp}, LUT {e.lut}, FF {e.ff}, fits {tried[i]['fits']}")
        return tried[i]["fits"]

    # Up from the one-shot prediction until a fine-tuned design fits, then down while
    # the next smaller level also fits once fine-tuned (fine-tuning moves the estimate).
    i = start
    while not attempt(i) and i + 1 < len(TFMOT_GRID):
        i += 1
    if tried[i]["fits"]:
        while i > 0 and (i - 1) not in tried and attempt(i - 1):
            i -= 1
    model = models[i]
    row = measure(
        model, latency16(model, board), board, caps, splits, dense, ctx["dense_total"], time.perf_counter() - t0
    )
    row.update(
        {"target_sparsity": TFMOT_GRID[i], "grid_one_shot": predicted, "fine_tuned": [tried[k] for k in sorted(tried)]}
    )
    return row


def _patch_regularizer_config() -> str:
    """Make hls4ml's pruning regularizers serializable under tf_keras 2.21 (in this process only).

    Why: ``DenseRegularizer.get_config`` returns its ``SUPPORTED_STRUCTURES`` enum,
    which tf_keras's serializer rejects when the optimizer rebuilds the model with
    ``model_from_json(model.to_json())``; the constructor already accepts the
    enum's string value, so the config carries that instead.
    """
    from hls4ml.optimization.dsp_aware_pruning.keras import regularizers

    for cls in (regularizers.DenseRegularizer, regularizers.Conv2DRegularizer):
        orig = cls.get_config
        if getattr(orig, "_bench_patched", False):
            continue

        def get_config(self, _orig=orig):
            cfg = _orig(self)
            st = cfg.get("structure_type")
            if hasattr(st, "value"):
                cfg["structure_type"] = st.value
            return cfg

        get_config._bench_patched = True
        cls.get_config = get_config
    return "DenseRegularizer/Conv2DRegularizer.get_config emit structure_type.value (str) instead of the enum"


def optimizer_config(cfg: dict, settings: HlsSettings) -> dict:
    """hls4ml's own ``config_from_keras_model`` output, made readable by its optimizer.

    Why: ``dsp_aware_pruning`` (written before hls4ml inferred types) needs a
    concrete ``result`` precision per layer and a string model precision;
    hls4ml 1.3 gives ``'auto'`` and ``{'default': ...}``, and ``hls4mlAttributes``
    rejects both ("Layer weight precision is not in valid format").  The DSP
    objective reads only the weight precision, so the default precision stands
    in for the result type; the config also lacks the ``IOType`` it reads.
    """
    cfg = json.loads(json.dumps(cfg))
    default = settings.default_precision
    cfg["IOType"] = settings.io_type
    cfg["Model"]["Precision"] = default
    for lc in cfg["LayerName"].values():
        prec = lc.get("Precision", {})
        if prec.get("result") == "auto":
            prec["result"] = default
    return cfg


def dsp_aware(dense, splits, hls_config: dict, target: float, bc: BenchConfig):
    """hls4ml's ``optimize_keras_model_for_hls4ml`` to ``target`` sparsity (VivadoDSPEstimator, polynomial
    schedule, validation AUC within ``bc.rtol``): the one call both baselines benches make."""
    import tensorflow as tf
    from hls4ml.optimization.dsp_aware_pruning import optimize_keras_model_for_hls4ml
    from hls4ml.optimization.dsp_aware_pruning.objectives.vivado_objectives import VivadoDSPEstimator
    from hls4ml.optimization.dsp_aware_pruning.scheduler import PolynomialScheduler

    tf.keras.utils.set_random_seed(bc.seed)
    with tempfile.TemporaryDirectory(prefix="bench_hls4ml_opt_") as tmp:
        return optimize_keras_model_for_hls4ml(
            graph.clone(dense),
            hls_config,
            VivadoDSPEstimator,
            PolynomialScheduler(bc.hls4ml_steps, initial_sparsity=0.0, final_sparsity=target),
            # (n, 1) labels: the optimizer's own loop calls the loss function, which does not squeeze
            splits.train.X,
            splits.train.y.astype(np.float32).reshape(-1, 1),
            splits.val.X,
            splits.val.y.astype(np.float32).reshape(-1, 1),
            batch_size=bc.batch_size,
            epochs=bc.hls4ml_epochs,
            optimizer=tf.keras.optimizers.Adam(bc.learning_rate),
            loss_fn="binary_crossentropy",
            validation_metric=tf.keras.metrics.AUC(name="auc"),
            increasing=True,
            rtol=bc.rtol,
            directory=tmp,
            tuner="Manual",
            knapsack_solver="greedy",
            verbose=False,
        )


def run_hls4ml(dense, splits, board, caps, ctx) -> dict[str, Any]:
    from hls4ml.optimization.dsp_aware_pruning.attributes import get_attributes_from_keras_model_and_hls4ml_config
    from hls4ml.optimization.dsp_aware_pruning.objectives.vivado_objectives import VivadoDSPEstimator

    bc: BenchConfig = ctx["bench"]
    t0 = time.perf_counter()
    settings = latency16(dense, board)
    hls_config = optimizer_config(to_hls4ml_config(dense, settings), settings)
    attrs = get_attributes_from_keras_model_and_hls4ml_config(dense, hls_config)
    their_dsp = 0
    for a in attrs.values():
        if a.weight_shape and "hls4ml_attributes" in a.args:
            ok, _ = VivadoDSPEstimator.is_layer_optimizable(a)
            their_dsp += int(VivadoDSPEstimator.layer_resources(a)[0]) if ok else 0
    budget = caps.budget(board)["dsp"]
    target = max(0.0, min(1.0, 1.0 - budget / their_dsp)) if their_dsp else 0.0
    say(f"  hls4ml: {their_dsp} DSPs by VivadoDSPEstimator, budget {budget} -> target sparsity {target:.4f}")

    def optimize():
        return dsp_aware(dense, splits, hls_config, target, bc)

    notes: dict[str, Any] = {
        "config_adapted": "result 'auto' -> default precision, IOType added (see optimizer_config)"
    }
    model = graph.clone(dense)
    if target > 0:
        try:
            model = optimize()
        except TypeError as exc:
            if "SUPPORTED_STRUCTURES" not in str(exc):
                raise
            notes["unpatched_error"] = f"{type(exc).__name__}: {exc}"
            notes["patch"] = _patch_regularizer_config()
            say(f"  hls4ml unpatched: {exc}; retrying with: {notes['patch']}")
            model = optimize()
        # the optimizer's model carries its own compile state; a plain copy is what we measure
        model = graph.clone(model)
    row = measure(
        model, latency16(model, board), board, caps, splits, dense, ctx["dense_total"], time.perf_counter() - t0
    )
    nz = nonzero_weights(model)[0]
    row.update(
        {
            "their_dense_dsp": their_dsp,
            "dsp_budget": budget,
            "target_sparsity": round(target, 6),
            "their_dsp_after": nz,
            "reached_target": nz <= budget,
            **notes,
        }
    )
    return row


RUNNERS = {
    "fpga_prune": run_fpga_prune,
    "fpga_prune_16bit": run_fpga_prune_16bit,
    "tfmot": run_tfmot,
    "hls4ml_dsp_aware": run_hls4ml,
}


# ----------------------------------------------------------------------------- main


def load_inputs(args, bc: BenchConfig):
    """(dense model, splits, description) from --model or a fresh seed-0 training."""
    from fpga_prune.data import load
    from fpga_prune.model.training import ModelConfig, load_bundle, train

    csv = args.data or default_csv()
    candles = load(csv)
    if args.model:
        bundle = load_bundle(args.model)
        splits = features.split(features.build(candles, bundle.spec), bundle.spec)
        if float(np.abs(splits.scaler.mean - bundle.scaler.mean).max()) > 1e-9:
            raise SystemExit(f"{csv} is not the data the model in {args.model} was trained on")
        return bundle.model, splits, {"source": str(args.model), "data": str(csv)}
    spec = features.FeatureSpec()
    splits = features.split(features.build(candles, spec), spec)
    t0 = time.perf_counter()
    cfg = ModelConfig(seed=bc.seed)
    model, hist = train(splits, cfg)
    return (
        model,
        splits,
        {
            "source": "trained",
            "data": str(csv),
            "config": cfg.to_dict(),
            "epochs_run": hist["epochs_run"],
            "train_s": round(time.perf_counter() - t0, 2),
        },
    )


def table(doc: dict[str, Any]) -> str:
    """A compact side-by-side table (for stderr and the README), one line per board and method."""
    head = (
        f"{'board':<13}{'method':<18}{'DSP':>11}{'LUT':>8}{'FF':>8}{'BRAM':>5} {'fits':<5}"
        f"{'sparsity':>9}{'lat':>4}{'AUC hw':>8}{'AUC fl':>8}{'dAUC 95% CI':>18}"
        f"{'acc':>7}{'retain':>7}{'agree':>7}{'s':>6}"
    )
    lines = [head]
    for bname, entry in doc["boards"].items():
        for name in ("dense_16bit", *METHODS):
            r = entry.get(name)
            if r is None:
                continue
            if "error" in r:
                lines.append(f"{bname:<13}{name:<18}error: {r['error'][:80]}")
                continue
            dsp = f"{r['dsp']}/{entry['budget']['dsp']}"
            lines.append(
                f"{bname:<13}{name:<18}{dsp:>11}{r['lut']:>8}{r['ff']:>8}{r['bram18k']:>5} "
                f"{'yes' if r['fits'] else 'NO':<5}{r['sparsity']:>9.3f}{r['latency_cycles']:>4}"
                f"{r['test_auc_hw']:>8.4f}{r['test_auc_float']:>8.4f}"
                f"{'[{:+.4f},{:+.4f}]'.format(*r['auc_delta_ci95']):>18}{r['test_accuracy_hw']:>7.3f}"
                f"{r['retention']:>7.3f}{r['decision_agreement']:>7.3f}{r['wall_s']:>6.0f}"
            )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path, help="candle CSV (default: $FPGA_PRUNE_DATA or ../shared/data/bybit)")
    ap.add_argument("--boards", default=",".join(DEFAULT_BOARDS), help="comma-separated board names")
    ap.add_argument("--methods", default=",".join(METHODS), help="comma-separated subset of " + ",".join(METHODS))
    ap.add_argument("--model", type=Path, metavar="DIR", help="reuse a `fpga-prune train` bundle")
    ap.add_argument("--out", type=Path, help="also write the JSON here")
    args = ap.parse_args(argv)
    methods = [m.strip() for m in args.methods.split(",") if m.strip()]
    bad = [m for m in methods if m not in RUNNERS]
    if bad:
        ap.error(f"unknown method {bad[0]!r}; valid: {', '.join(METHODS)}")
    boards = [load_board(b.strip()) for b in args.boards.split(",") if b.strip()]
    bc = BenchConfig()
    caps = Caps()
    t_all = time.perf_counter()
    real_stdout = sys.stdout
    with contextlib.redirect_stdout(sys.stderr):  # library chatter must not corrupt the JSON
        doc: dict[str, Any] = {
            "benchmark": "pruning_baselines",
            "machine": machine_info(),
            "bench_config": bc.__dict__,
            "fit_config": FitConfig().to_dict(),
            "caps": caps.to_dict(),
            "tfmot_grid": list(TFMOT_GRID),
        }
        say("dense model ...")
        dense, splits, info = load_inputs(args, bc)
        dense_total = nonzero_weights(dense)[1]
        ctx = {"bench": bc, "dense_total": dense_total}
        auc_val = pm.roc_auc(splits.val.y, _predict(dense, splits.val.X))
        doc["dense"] = {
            **info,
            "widths": list(widths(dense)),
            "weights": dense_total,
            "n_train": len(splits.train.y),
            "n_val": len(splits.val.y),
            "n_test": len(splits.test.y),
            "val_auc": round(auc_val, 6),
            "test_auc": round(pm.roc_auc(splits.test.y, _predict(dense, splits.test.X)), 6),
        }
        say(f"dense {doc['dense']['widths']}: val AUC {auc_val:.4f}, test AUC {doc['dense']['test_auc']:.4f}")
        doc["boards"] = {}
        for board in boards:
            budget = caps.budget(board)
            entry: dict[str, Any] = {
                "part": board.part,
                "budget": {k: budget[k] for k in ("dsp", "bram18k", "lut", "ff")},
                "dense_16bit": measure(dense, latency16(dense, board), board, caps, splits, dense, dense_total, 0.0),
            }
            for name in methods:
                say(f"{board.name}: {name} ...")
                t0 = time.perf_counter()
                try:
                    entry[name] = RUNNERS[name](dense, splits, board, caps, ctx)
                except Exception as exc:  # a baseline that cannot run here is a result, not a crash
                    say(traceback.format_exc())
                    entry[name] = {
                        "error": f"{type(exc).__name__}: {exc}",
                        "wall_s": round(time.perf_counter() - t0, 2),
                    }
                r = entry[name]
                if "error" in r:
                    say(f"{board.name}: {name} FAILED: {r['error']}")
                else:
                    say(
                        f"{board.name}: {name}: DSP {r['dsp']}/{budget['dsp']} fits {r['fits']} "
                        f"sparsity {r['sparsity']:.3f} test AUC hw {r['test_auc_hw']:.4f} "
                        f"({r['wall_s']:.0f} s)"
                    )
            doc["boards"][board.name] = entry
        doc["machine"]["loadavg_1min_end"] = round(os.getloadavg()[0], 2)
        doc["wall_s"] = round(time.perf_counter() - t_all, 1)
    say("summary (test split; DSP used/allowed; sparsity = multiplies removed vs the dense model)\n" + table(doc))
    emit(doc, args.out, indent=1, stream=real_stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
