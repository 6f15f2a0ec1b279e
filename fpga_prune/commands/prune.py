"""``fpga-prune prune``: prune a trained bundle until its hls4ml design fits a board.

Writes, all at once, a bundle directory like ``train``'s (model, preprocess.json,
metrics.json) plus ``hls_config.json`` (precision, strategy and reuse factor
per layer, read by ``generate``), ``budget.json``, ``budget.md`` and two PNG
plots.  Exit 1 (nothing written) when no design fits under the accuracy
floor, with what the closest design needs.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

HELP = "prune a trained model until its hls4ml design fits a board"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from fpga_prune.data import add_source_arguments  # noqa: PLC0415

    parser.add_argument("--model", required=True, type=Path, metavar="DIR",
                        help="bundle written by `fpga-prune train`")
    parser.add_argument("--board", required=True, metavar="NAME|FILE",
                        help="shipped board name (see `fpga-prune boards`) or a board YAML file")
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="directory to write")
    add_fit_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="fine-tuning seed (default 0)")
    add_source_arguments(parser)


def add_fit_arguments(parser: argparse.ArgumentParser) -> None:
    """Budget caps, accuracy floor and search options (shared with ``run``)."""
    from fpga_prune.fit import STRATEGIES, WEIGHT_METHODS  # noqa: PLC0415

    parser.add_argument("--cap", action="append", default=[], metavar="RES=FRACTION",
                        help="budget cap override, e.g. dsp=0.6 (repeatable; defaults dsp/bram/uram 0.8, "
                             "lut 0.7, ff 0.5)")
    parser.add_argument("--min-retention", type=float, default=0.98,
                        help="accuracy floor: pruned/dense validation metric (default 0.98)")
    parser.add_argument("--metric", default="roc_auc",
                        help="metric for retention: roc_auc, accuracy, balanced_accuracy (default roc_auc)")
    parser.add_argument("--strategy", default="auto", choices=STRATEGIES,
                        help="hls4ml strategy to search (default auto: Latency, then Resource with reuse)")
    parser.add_argument("--method", default="magnitude", choices=WEIGHT_METHODS,
                        help="unstructured method after structured pruning (default magnitude)")
    parser.add_argument("--neuron-criterion", default="l1",
                        choices=("l1", "l2", "activation", "redundancy"),
                        help="which neurons structured pruning removes (default l1)")


def _accuracy(bundle, splits, result, cfg) -> dict[str, Any]:
    """Out-of-sample (test split) numbers of the chosen design against the dense model."""
    import numpy as np  # noqa: PLC0415

    from fpga_prune import emulate  # noqa: PLC0415
    from fpga_prune.hls_adapter import network_from_keras  # noqa: PLC0415
    from fpga_prune.model import predict_proba  # noqa: PLC0415
    from fpga_prune.prune import metrics as pm  # noqa: PLC0415

    fn = pm.metric_fn(cfg.metric)
    X, y = splits.test.X, splits.test.y
    p_dense = predict_proba(bundle.model, X)
    chosen = result.chosen
    p_hw = emulate.predict(network_from_keras(chosen.model, chosen.settings), X)
    p_float = predict_proba(chosen.model, X)
    dense, pruned = float(fn(y, p_dense)), float(fn(y, p_hw))
    baseline = float(pm.chance(cfg.metric, y))
    edge = dense - baseline
    return {
        "metric": cfg.metric, "split": "test", "n_test": int(len(y)),
        "dense": round(dense, 6), "pruned": round(pruned, 6), "pruned_float": round(float(fn(y, p_float)), 6),
        "baseline": round(baseline, 6),
        "retention": round(pruned / dense, 6) if dense else None,
        "skill_retention": round((pruned - baseline) / edge, 6) if abs(edge) > 1e-9 else None,
        "decision_agreement": round(float(np.mean(pm.decisions(p_dense) == pm.decisions(p_hw))), 6),
        "min_retention": cfg.min_retention,
        "dense_val": round(result.dense_val_metric, 6),
        "pruned_val": round(chosen.val_metric, 6),
        "floor_val": round(cfg.min_retention * result.dense_val_metric, 6),
    }


def _pruning(bundle, chosen) -> dict[str, Any]:
    from fpga_prune.fit import nonzero_weights, widths  # noqa: PLC0415

    nz, total = nonzero_weights(chosen.model)
    _, dense_total = nonzero_weights(bundle.model)
    dense_widths = widths(bundle.model)
    dense_params = bundle.model.count_params()
    pruned_params = nz + sum(chosen.widths[1:])  # nonzero kernel weights + one bias per unit
    return {
        "dense_widths": list(dense_widths), "widths": list(chosen.widths),
        "sparsity": round(chosen.sparsity, 6),
        "multiply_reduction": round(1.0 - nz / dense_total, 6),
        "dense_multiplies": int(dense_total), "multiplies": int(nz),
        "compression_ratio": round(dense_params / max(pruned_params, 1), 6),
        "structured_neurons_removed": int(sum(dense_widths[1:-1]) - sum(chosen.widths[1:-1])),
        "total_weights_after_structured": int(total),
    }


def fit_config_from_args(args: argparse.Namespace):
    """The ``FitConfig`` of the parsed prune options (shared with ``run``)."""
    from fpga_prune.fit import FitConfig  # noqa: PLC0415

    return FitConfig(min_retention=args.min_retention, metric=args.metric, strategy=args.strategy,
                     weight_method=args.method, neuron_criterion=args.neuron_criterion, seed=args.seed)


def prune_bundle(model_dir: Path, candles, board, caps, cfg, out: Path, *, data_label: str = "--data",
                 progress=None, bundle=None) -> dict[str, Any]:
    """Prune the bundle in ``model_dir`` to fit ``board`` and publish ``out`` atomically.

    The one pruning step behind both ``fpga-prune prune`` and ``fpga-prune run``;
    returns the ``budget.json`` document.  When nothing fits it writes nothing
    and raises ``CheckFailed`` carrying the closest design's document as
    ``.budget`` (so ``run`` can still report what is known).
    """
    from fpga_prune import budget as budget_mod  # noqa: PLC0415
    from fpga_prune import features  # noqa: PLC0415
    from fpga_prune.errors import CheckFailed, InputError  # noqa: PLC0415
    from fpga_prune.fit import prune_to_fit, require_fit  # noqa: PLC0415
    from fpga_prune.model import load_bundle, preprocess_dict, save_bundle  # noqa: PLC0415
    from fpga_prune.outdir import staged_dir, write_tree  # noqa: PLC0415

    bundle = bundle if bundle is not None else load_bundle(model_dir)
    splits = features.split(features.build(candles, bundle.spec), bundle.spec)
    if not (splits.scaler.mean.shape == bundle.scaler.mean.shape
            and float(abs(splits.scaler.mean - bundle.scaler.mean).max()) < 1e-9
            and float(abs(splits.scaler.std - bundle.scaler.std).max()) < 1e-9):
        raise InputError(data_label, None,
                         f"these candles are not the data the model in {model_dir} was trained on "
                         "(the train-split scaler differs from its preprocess.json)")
    say = progress or (lambda _m: None)
    say(f"board {board.name} ({board.part}); floor: retention >= {cfg.min_retention} on validation {cfg.metric}")
    result = prune_to_fit(bundle.model, splits, board, caps, cfg, progress=say)
    chosen = result.chosen
    accuracy = _accuracy(bundle, splits, result, cfg)
    design = {**chosen.summary(), "describe": chosen.describe()}
    doc = budget_mod.budget_dict(board=board, caps=caps, estimate=chosen.estimate, fits=result.fits,
                                 design=design, accuracy=accuracy, pruning=_pruning(bundle, chosen),
                                 history=result.history(), shortfall=result.shortfall)
    doc["search"] = cfg.to_dict()
    doc["sensitivity"] = result.sensitivity
    try:
        require_fit(result)
    except CheckFailed as exc:
        exc.budget = doc  # type: ignore[attr-defined]
        raise
    with staged_dir(out) as stage:
        pre = preprocess_dict(bundle.spec, bundle.scaler, bundle.feature_names, bundle.config)
        save_bundle(stage, chosen.model, pre, {"pruned_from": str(model_dir), "accuracy": accuracy})
        write_tree(stage, {"hls_config.json": chosen.settings.to_json(), **budget_mod.files(doc)})
    return doc


def run(args: argparse.Namespace) -> int:
    from fpga_prune.boards import load_board, parse_caps  # noqa: PLC0415
    from fpga_prune.cli import emit  # noqa: PLC0415
    from fpga_prune.data import from_args  # noqa: PLC0415
    from fpga_prune.model import load_bundle  # noqa: PLC0415

    from fpga_prune.outdir import check_out_dir  # noqa: PLC0415

    check_out_dir(args.out)
    board = load_board(args.board)
    caps = parse_caps(args.cap)
    cfg = fit_config_from_args(args)
    bundle = load_bundle(args.model)
    candles = from_args(args)

    quiet = getattr(args, "quiet", False) or getattr(args, "json", False)

    def say(msg: str) -> None:
        if not quiet:
            print(f"[prune] {msg}", file=sys.stderr, flush=True)

    doc = prune_bundle(args.model, candles, board, caps, cfg, args.out,
                       data_label=str(args.data or "--symbol"), progress=say, bundle=bundle)
    accuracy, design = doc["accuracy"], doc["design"]
    res = doc["resources"]
    text = "\n".join([
        f"{board.name}: {'fits' if doc['fits'] else 'does NOT fit'} — {design['describe']}",
        *(f"  {r:<8}{res[r]['used']:>8} / {res[r]['allowed']:<8} (cap {res[r]['cap']:.0%} of {res[r]['available']})"
          for r in ("dsp", "bram18k", "lut", "ff")),
        f"  latency {doc['latency_cycles']} cycles = {doc['latency_ns']:.1f} ns",
        f"  test {accuracy['metric']}: dense {accuracy['dense']:.4f}, pruned {accuracy['pruned']:.4f} "
        f"(retention {accuracy['retention']:.4f}), decision agreement {accuracy['decision_agreement']:.2%}",
        f"  wrote {args.out}",
    ])
    emit(args, {k: doc[k] for k in ("board", "fits", "resources", "latency_cycles", "latency_ns",
                                     "sparsity", "accuracy", "design")} | {"out": str(args.out)}, text)
    return 0
