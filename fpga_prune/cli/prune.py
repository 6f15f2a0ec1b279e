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
from dataclasses import replace
from pathlib import Path

HELP = "prune a trained model until its hls4ml design fits a board"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    from fpga_prune.cli.candle_options import add_source_arguments  # noqa: PLC0415

    parser.add_argument(
        "--model",
        required=True,
        type=Path,
        metavar="DIR|FILE",
        help="bundle written by `fpga-prune train`, or a Dense-only Keras 3 .keras / Keras 2 .h5 "
        "model (file, or a directory holding one) with a preprocess.json beside it",
    )
    parser.add_argument(
        "--board",
        required=True,
        metavar="NAME|FILE",
        help="shipped board name (see `fpga-prune boards`) or a board YAML file",
    )
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="directory to write")
    add_fit_arguments(parser)
    parser.add_argument("--seed", type=int, default=0, help="fine-tuning seed (default 0)")
    add_interface_argument(parser)  # its estimate is reserved from the board's budget before the network's fit
    add_source_arguments(parser)


def add_fit_arguments(parser: argparse.ArgumentParser, *, axes: bool = True) -> None:
    """Budget caps, accuracy floor and search options (shared with ``run``; without ``axes`` no --cap and
    --strategy: ``sweep`` takes them as axes)."""
    from fpga_prune.search.config import OBJECTIVES, PRECISIONS, SEARCH_STRATEGIES, WEIGHT_METHODS  # noqa: PLC0415

    if axes:
        parser.add_argument(
            "--cap",
            action="append",
            default=[],
            metavar="RES=FRACTION",
            help="budget cap override, e.g. dsp=0.6 (repeatable; defaults dsp/bram/uram 0.8, lut 0.7, ff 0.5)",
        )
    parser.add_argument(
        "--min-retention",
        type=float,
        default=0.98,
        help="accuracy floor: pruned/dense validation metric (default 0.98)",
    )
    parser.add_argument(
        "--metric",
        default="roc_auc",
        help="metric for retention: roc_auc, accuracy, balanced_accuracy (default roc_auc)",
    )
    if axes:
        parser.add_argument(
            "--strategy",
            default="auto",
            choices=SEARCH_STRATEGIES,
            help="hls4ml strategy to search (default auto: Latency, then Resource with reuse, then "
            "the others; with --objective resources every strategy at every model)",
        )
    parser.add_argument(
        "--method",
        default="magnitude",
        choices=WEIGHT_METHODS,
        help="unstructured method after structured pruning (default magnitude)",
    )
    parser.add_argument(
        "--neuron-criterion",
        default="l1",
        choices=("l1", "l2", "activation", "redundancy"),
        help="which neurons structured pruning removes (default l1)",
    )
    parser.add_argument(
        "--objective",
        default="accuracy",
        choices=OBJECTIVES,
        help="accuracy (default): the best validation metric among designs that fit; resources: "
        "the cheapest design (weighted utilization of the capped budget, estimate's upper "
        "bound) that fits and keeps the floor",
    )
    parser.add_argument(
        "--precision",
        default="auto",
        choices=PRECISIONS,
        help="per-layer: search input, weight and activation widths per layer (bit-accurate "
        "sensitivity, QKeras QAT); uniform: one weight width; auto (default): per-layer "
        "with --objective resources, else uniform",
    )
    parser.add_argument(
        "--finetune-epochs",
        type=int,
        default=12,
        metavar="N",
        help="fine-tuning epochs of each pruned candidate (default 12; 0: none, so the search "
        "depends only on the model, not on TensorFlow's float arithmetic)",
    )
    parser.add_argument(
        "--confidence",
        type=_confidence,
        default=0.9,
        metavar="C|point",
        help="a design fits only when the UPPER bound of its estimate at confidence C is inside "
        "the caps (default 0.9); 'point': the point estimate alone",
    )
    parser.add_argument(
        "--hls-tool",
        default=None,
        metavar="TOOL",
        help="HLS tool that will build the design, e.g. vitis-2024.1 (default), vitis-2021.1, "
        "vivado-2019.2: the estimator's rules differ per tool",
    )
    parser.add_argument(
        "--calibration",
        type=Path,
        default=None,
        metavar="FILE",
        help="estimator corrections and bands fitted by `fpga-prune calibrate` on your own reports",
    )
    add_clock_argument(parser, "the board's")


def add_interface_argument(parser: argparse._ActionsContainer) -> None:
    """``--interface``, shared with ``generate`` and ``run`` (a sweep axis there): what the network is wrapped in
    (prune reserves its estimate from the board's budget)."""
    from fpga_prune.boards import INTERFACES  # noqa: PLC0415

    parser.add_argument(
        "--interface",
        default=None,
        metavar="{" + ",".join(INTERFACES) + "}",
        help="what the network is wrapped in: axi-stream (an HLS top and Verilog wrapper on AXI-Stream, "
        "for a Zynq/Kria board's AXI DMA), axi-lite (an HLS top whose inputs and results are AXI-Lite "
        "registers, one sample a call, no DMA, on a Zynq/Kria board), vitis-kernel (an HLS kernel on m_axi "
        "buffers, v++ link configuration and pyxrt host, for an Alveo card) or none (the bare HLS IP); "
        "default: the board file's 'interface' (axi-stream on Zynq and Kria boards, vitis-kernel on Alveo, "
        "none elsewhere)",
    )


def add_clock_argument(parser: argparse.ArgumentParser, default_from: str) -> None:
    """``--clock NS`` (``prune``, ``run``, ``sweep``, ``estimate``): the period the design is built at."""
    parser.add_argument(
        "--clock",
        type=float,
        default=None,
        metavar="NS",
        help=f"clock period in ns the design is built at (default: {default_from}); every clock-dependent "
        "estimate (latency in ns, pipelining) uses it and the outputs record it",
    )


def clock_from_args(args: argparse.Namespace) -> float | None:
    """``--clock`` checked (finite, > 0) before any long work; None when not given."""
    from fpga_prune.boards import check_clock_ns  # noqa: PLC0415

    value = getattr(args, "clock", None)
    return None if value is None else check_clock_ns(value, "--clock", None)


def _confidence(text: str) -> float | None:
    """``--confidence``: a float in (0, 1) (checked by FitConfig), or 'point' for the point estimate."""
    return None if text.strip().lower() == "point" else float(text)


def fit_config_from_args(args: argparse.Namespace):
    """The ``FitConfig`` of the parsed prune options (shared with ``run``)."""
    from fpga_prune.estimate.bands import Calibration  # noqa: PLC0415
    from fpga_prune.estimate.tools import DEFAULT_HLS_TOOL  # noqa: PLC0415
    from fpga_prune.search.config import FitConfig  # noqa: PLC0415

    cal_path = getattr(args, "calibration", None)
    return FitConfig(
        min_retention=args.min_retention,
        metric=args.metric,
        strategy=args.strategy,
        weight_method=args.method,
        neuron_criterion=args.neuron_criterion,
        seed=args.seed,
        finetune_epochs=args.finetune_epochs,
        confidence=getattr(args, "confidence", None),
        objective=args.objective,
        precision=args.precision,
        hls_tool=getattr(args, "hls_tool", None) or DEFAULT_HLS_TOOL,
        calibration=Calibration.read(cal_path) if cal_path else None,
    )


def run(args: argparse.Namespace) -> int:
    from fpga_prune.boards import at_clock, load_board, parse_caps, resolve_interface  # noqa: PLC0415
    from fpga_prune.cli.app import emit  # noqa: PLC0415
    from fpga_prune.cli.candle_options import source_from_args  # noqa: PLC0415
    from fpga_prune.data import load_source, recorded_source  # noqa: PLC0415
    from fpga_prune.errors import CheckFailed  # noqa: PLC0415
    from fpga_prune.flow.bundles import prune_bundle  # noqa: PLC0415
    from fpga_prune.model.load import load_any  # noqa: PLC0415
    from fpga_prune.outdir import check_out_dir  # noqa: PLC0415

    clock = clock_from_args(args)
    check_out_dir(args.out)
    board = at_clock(load_board(args.board), clock)
    caps = parse_caps(args.cap)
    cfg = replace(fit_config_from_args(args), interface=resolve_interface(board, args.interface))
    if args.data is None and not args.symbol:  # the candles the bundle records (checked by sha256)
        args.data = recorded_source(args.model)
    bundle = load_any(args.model)  # our bundle, or a Keras 2 .h5 / Keras 3 .keras model + preprocess.json
    candles, _ = load_source(source_from_args(args))

    quiet = getattr(args, "quiet", False) or getattr(args, "json", False)

    def say(msg: str) -> None:
        if not quiet:
            print(f"[prune] {msg}", file=sys.stderr, flush=True)

    result = prune_bundle(
        args.model,
        candles,
        board,
        caps,
        cfg,
        args.out,
        data_label=str(args.data or "--symbol"),
        progress=say,
        bundle=bundle,
    )
    if result.failure is not None:
        raise CheckFailed(result.failure)
    doc = result.budget
    accuracy, design = doc["accuracy"], doc["design"]
    res = doc["resources"]
    text = "\n".join(
        [
            f"{board.name}: {'fits' if doc['fits'] else 'does NOT fit'} — {design['describe']}",
            *(
                f"  {r:<8}{res[r]['used']:>8} / {res[r]['allowed']:<8} "
                f"(cap {res[r]['cap']:.0%} of {res[r]['available']})"
                for r in ("dsp", "bram18k", "lut", "ff")
            ),
            *(
                [
                    f"  interface {doc['interface']['interface']} reserved from the budget first (allowed above is "
                    f"what is left): {doc['interface']['reserved']}"
                ]
                if doc.get("interface")
                else []
            ),
            f"  latency {doc['latency_cycles']} cycles = {doc['latency_ns']:.1f} ns",
            f"  test {accuracy['metric']}: dense {accuracy['dense']:.4f}, pruned {accuracy['pruned']:.4f} "
            f"(retention {accuracy['retention']:.4f}), decision agreement {accuracy['decision_agreement']:.2%}",
            f"  wrote {args.out}",
        ]
    )
    emit(
        args,
        {
            k: doc[k]
            for k in ("board", "fits", "resources", "latency_cycles", "latency_ns", "sparsity", "accuracy", "design")
        }
        | {"out": str(args.out)},
        text,
    )
    return 0
