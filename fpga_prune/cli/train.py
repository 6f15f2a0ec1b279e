"""``fpga-prune train``: candles -> features -> dense or QKeras MLP -> bundle with honest metrics.

Writes ``OUT/model.h5``, ``OUT/preprocess.json`` and ``OUT/metrics.json``
all at once (nothing is left half-written on failure).  ``metrics.json``
holds test-split metrics with bootstrap intervals, the majority baseline
beside them, the model's paired advantage over it, and the same per
volatility regime.  It carries no wall-clock data, so the same inputs and
seed give byte-identical files.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

HELP = "train the dense or QKeras trading MLP on candles"


def _ints(text: str, flag: str) -> tuple[int, ...]:
    from fpga_prune.errors import InputError  # noqa: PLC0415

    try:
        return tuple(int(t) for t in text.split(","))
    except ValueError:
        raise InputError(flag, None, f"expected comma-separated integers, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from fpga_prune.cli.candle_options import add_source_arguments  # noqa: PLC0415

    add_source_arguments(parser)
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="bundle directory to write")
    add_model_arguments(parser)


def add_model_arguments(parser: argparse.ArgumentParser, *, seed: bool = True, target: bool = True) -> None:
    """Target, model, feature and evaluation options (shared with ``run``; ``sweep`` takes seed and target
    as axes)."""
    from fpga_prune.model.features import TARGETS  # noqa: PLC0415

    if target:
        parser.add_argument(
            "--target",
            default="bigmove",
            choices=sorted(TARGETS),
            help="label: "
            + "; ".join(f"{k}: {v[1]}" for k, v in TARGETS.items())
            + " (default bigmove: the one with real signal on 5-minute candles)",
        )
    m = parser.add_argument_group("model")
    m.add_argument("--hidden", default="64,32", help="hidden layer sizes (default 64,32)")
    m.add_argument("--quantized", action="store_true", help="QKeras quantization-aware training")
    m.add_argument("--bits", type=int, default=8, help="QKeras weight/bias bits (default 8)")
    m.add_argument("--integer-bits", type=int, default=0, help="QKeras weight/bias integer bits (default 0)")
    m.add_argument("--act-bits", type=int, default=8, help="QKeras quantized_relu bits (default 8)")
    m.add_argument("--act-integer-bits", type=int, default=3, help="QKeras quantized_relu integer bits (default 3)")
    if seed:
        m.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    m.add_argument("--epochs", type=int, default=60, help="maximum epochs (default 60)")
    m.add_argument("--batch-size", type=int, default=256, help="batch size (default 256)")
    m.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (default 1e-3)")
    m.add_argument(
        "--patience", type=int, default=6, help="epochs without better validation loss before stopping (default 6)"
    )
    m.add_argument("--threads", type=int, default=None, help="TensorFlow threads (default min(2, cores))")
    f = parser.add_argument_group("features")
    f.add_argument("--windows", default="12,48,288", help="trailing windows in candles (default 12,48,288)")
    f.add_argument("--lags", type=int, default=4, help="lagged returns (default 4)")
    f.add_argument(
        "--median-window", type=int, default=288, help="trailing window of the bigmove threshold (default 288)"
    )
    f.add_argument(
        "--dead-zone",
        type=float,
        default=0.0005,
        help="direction3: |return| at or below this is 'flat' (default 0.0005)",
    )
    f.add_argument("--no-time-of-day", action="store_true", help="drop the time-of-day features")
    f.add_argument("--purge", type=int, default=288, help="rows dropped between splits (default 288)")
    e = parser.add_argument_group("evaluation")
    e.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples (default 1000)")
    e.add_argument(
        "--boot-block",
        type=int,
        default=48,
        help="bootstrap block length in rows; neighbouring candles are dependent (default 48)",
    )


def configs_from_args(args: argparse.Namespace):
    """(FeatureSpec, ModelConfig) from the parsed train options (shared with ``run``)."""
    from fpga_prune.model import features  # noqa: PLC0415
    from fpga_prune.model import training as model  # noqa: PLC0415

    hidden = model.parse_hidden(args.hidden)
    spec = features.FeatureSpec(
        target=args.target,
        windows=_ints(args.windows, "--windows"),
        lags=args.lags,
        median_window=args.median_window,
        dead_zone=args.dead_zone,
        time_of_day=not args.no_time_of_day,
        purge=args.purge,
    )
    cfg = model.ModelConfig(
        hidden=hidden,
        quantized=args.quantized,
        bits=args.bits,
        integer_bits=args.integer_bits,
        act_bits=args.act_bits,
        act_integer_bits=args.act_integer_bits,
        epochs=args.epochs,
        batch_size=args.batch_size,
        learning_rate=args.lr,
        patience=args.patience,
        seed=args.seed,
    )
    return spec, cfg


def run(args: argparse.Namespace) -> int:
    from fpga_prune.cli.app import emit  # noqa: PLC0415
    from fpga_prune.cli.candle_options import source_from_args  # noqa: PLC0415
    from fpga_prune.data import load_source  # noqa: PLC0415
    from fpga_prune.errors import InputError  # noqa: PLC0415
    from fpga_prune.flow.bundles import train_bundle  # noqa: PLC0415
    from fpga_prune.model import training as model  # noqa: PLC0415
    from fpga_prune.outdir import check_out_dir  # noqa: PLC0415

    t0 = time.perf_counter()
    check_out_dir(args.out)
    spec, cfg = configs_from_args(args)
    if args.n_boot < 0:
        raise InputError("--n-boot", None, f"must be >= 0, got {args.n_boot}")
    if args.boot_block < 1:
        raise InputError("--boot-block", None, f"must be >= 1, got {args.boot_block}")
    if args.threads is not None and args.threads < 1:
        raise InputError("--threads", None, f"must be >= 1, got {args.threads}")

    candles, _ = load_source(source_from_args(args))
    payload, t_train = train_bundle(
        candles, args.out, spec, cfg, threads=args.threads, n_boot=args.n_boot, boot_block=args.boot_block
    )
    elapsed = time.perf_counter() - t0
    history = payload["training"]
    test_metrics = payload["test"]
    n_in = payload["model"]["n_inputs"]
    n_train, n_test = payload["splits"]["train"]["n"], payload["splits"]["test"]["n"]

    tm, base, adv = test_metrics["metrics"], test_metrics["baseline"], test_metrics["vs_baseline"]

    def ci(d: dict[str, Any]) -> str:
        if d["value"] is None:
            return "n/a"
        if d["ci_low"] is None:
            return f"{d['value']:.4f}"
        return f"{d['value']:.4f} [{d['ci_low']:.4f}, {d['ci_high']:.4f}]"

    lines = [
        f"trained {'QKeras' if cfg.quantized else 'dense'} MLP {n_in}-{'-'.join(map(str, cfg.hidden))}"
        f" on {n_train} rows (target {spec.target}); "
        f"{history['epochs_run']} epochs, best {history['best_epoch']}; {payload['model']['multiplies']} multiplies",
        f"test ({n_test} rows, {int(test_metrics['level'] * 100)}% block-bootstrap CIs):",
        f"  accuracy  {ci(tm['accuracy'])}   majority baseline {base['majority_rate']:.4f}",
        f"  bal. acc. {ci(tm['balanced_accuracy'])}",
        f"  ROC AUC   {ci(tm['roc_auc'])}   baseline 0.5",
        f"  Brier     {ci(tm['brier'])}   baseline {base['metrics']['brier']['value']:.4f}",
        f"  ECE       {ci(tm['ece'])}",
        "  beats baseline (CI of advantage > 0): "
        + ", ".join(f"{k} {'yes' if v['beats_baseline'] else 'no'}" for k, v in adv.items()),
        f"wrote {args.out}/{{{model.MODEL_FILE},{model.PREPROCESS_FILE},{model.METRICS_FILE}}} "
        f"in {elapsed:.1f} s (training {t_train:.1f} s)",
    ]
    emit(args, {"out": str(args.out), "seconds": round(elapsed, 2), "metrics": payload}, "\n".join(lines))
    return 0
