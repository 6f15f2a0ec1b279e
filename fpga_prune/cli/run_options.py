"""The options of a run, shared by ``run`` and ``sweep``: argument groups and their typed ``RunConfig``.

Why a module of its own: ``sweep`` accepts every ``run`` option, and ``run
--board a,b`` is a sweep; with the shared groups here neither command
imports the other.  The command line ends here: what leaves this module is
a validated, frozen ``flow.RunConfig`` (exit 2 before anything is written).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fpga_prune.flow.run import STEPS, RunConfig

#: ``sweep``'s axis options: metavar and what the values are (a comma list per flag, or one per flag)
_AXIS_OPTIONS = {
    "board": ("NAME|FILE|all", "boards: shipped names, board YAML files or 'all'"),
    "target": ("TARGET", "training targets (labels)"),
    "seed": ("N", "seeds (training, fine-tuning and test vectors, as run --seed)"),
    "strategy": ("NAME", "hls4ml strategies to search"),
    "cap": ("RES=FRACTION,...", "budget caps sets, e.g. dsp=0.5,lut=0.6"),
    "interface": (
        "NAME",
        "interfaces the network is wrapped in: axi-stream, axi-lite, vitis-kernel, none (default: each board's own)",
    ),
}


def add_run_arguments(parser: argparse.ArgumentParser, *, sweep: bool = False) -> None:
    """Every ``run`` option; with ``sweep`` the axes (board, target, seed, strategy, cap) take lists of values
    (:func:`axis_values`) and the run options keep their defaults for the axes a grid leaves out."""
    from fpga_prune.cli.candle_options import add_source_arguments  # noqa: PLC0415
    from fpga_prune.cli.prune import add_fit_arguments, add_interface_argument  # noqa: PLC0415
    from fpga_prune.cli.train import add_model_arguments  # noqa: PLC0415
    from fpga_prune.flow.generate import DEFAULT_STRESS, DEFAULT_VECTORS  # noqa: PLC0415

    if not sweep:
        parser.add_argument(
            "--board",
            required=True,
            metavar="NAME|FILE|all|A,B",
            help="shipped board name, a board YAML file, or 'all' / a comma-separated list: a "
            "sweep over boards (one training, a run per board in DIR/points/, DIR/sweep.md)",
        )
    parser.add_argument("--out", required=True, type=Path, metavar="DIR", help="run directory (resumable)")
    parser.add_argument(
        "--force",
        nargs="*",
        metavar="STEP",
        choices=STEPS,
        default=None,
        help=f"redo steps even when their outputs are up to date: every step (bare --force) "
        f"or the named ones ({', '.join(STEPS)})",
    )
    parser.add_argument(
        "--until", choices=STEPS, default="verify", help="stop after this step (default verify: the whole flow)"
    )
    add_source_arguments(parser)
    parser.add_argument(
        "--model",
        type=Path,
        metavar="DIR|FILE",
        help="skip training: evaluate and use this bundle, or a Dense-only Keras 3 .keras / Keras 2 "
        ".h5 model with a preprocess.json beside it (its features and target replace "
        "--target and the feature options)",
    )
    add_model_arguments(parser, seed=not sweep, target=not sweep)
    f = parser.add_argument_group("prune to fit")
    add_fit_arguments(f, axes=not sweep)
    g = parser.add_argument_group("generate and verify")
    g.add_argument(
        "--vectors",
        type=int,
        default=DEFAULT_VECTORS,
        help=f"test vectors from the held-out rows (default {DEFAULT_VECTORS})",
    )
    g.add_argument(
        "--stress",
        type=int,
        default=DEFAULT_STRESS,
        help=f"extra synthetic corner/random vectors (default {DEFAULT_STRESS})",
    )
    if not sweep:
        add_interface_argument(g)
    g.add_argument("--sim", default="all", help="RTL simulators: verilator, icarus or all (default all)")
    g.add_argument(
        "--synth",
        action="store_true",
        help="also run Vitis HLS C synthesis when Vitis is on PATH (see `generate --synth`)",
    )
    if sweep:
        _add_axis_arguments(parser)
    add_executor_arguments(parser)  # used when --board names several boards (a sweep)


def _add_axis_arguments(parser: argparse.ArgumentParser) -> None:
    from fpga_prune.flow.grid import AXES  # noqa: PLC0415

    g = parser.add_argument_group(
        "sweep axes", "each point takes one value per axis; an axis not given takes run's default"
    )
    for name, axis in AXES.items():
        metavar, what = _AXIS_OPTIONS[name]
        what += f" ({', '.join(axis.choices())})" if axis.choices else ""
        g.add_argument(
            f"--{name}",
            dest=f"axis_{name}",
            action="append" if axis.repeat else None,
            metavar=metavar,
            help=what + (": one set per occurrence" if axis.repeat else ": a comma-separated list"),
        )
    scalar = argparse.ArgumentParser(add_help=False)
    add_run_arguments(scalar)
    parser.set_defaults(board=None, **{a: scalar.get_default(a) for a in AXES if a != "board"})


def axis_values(args: argparse.Namespace, axis: str) -> list[str] | None:
    """A sweep axis' values as typed on the command line (``None``: its option was not given)."""
    from fpga_prune.flow.grid import split_cli  # noqa: PLC0415

    return split_cli(axis, getattr(args, f"axis_{axis}"))


def add_executor_arguments(parser: argparse.ArgumentParser) -> None:
    """Where a sweep's work runs (``sweep``, and ``run --board all``)."""
    g = parser.add_argument_group("executor")
    g.add_argument(
        "--executor",
        default="local",
        metavar="NAME",
        help="local (default: worker processes on this machine) or ray (a Ray cluster)",
    )
    g.add_argument(
        "--workers",
        type=int,
        default=None,
        metavar="N",
        help="local worker processes (default: the number of cores); each gets cores // N TensorFlow threads",
    )
    g.add_argument(
        "--ray-address",
        default=None,
        metavar="HOST:PORT",
        help="Ray cluster to join (default with --executor ray: start and stop a local instance)",
    )


def config_from_args(args: argparse.Namespace) -> RunConfig:
    """Validate every option (exit 2 before anything is written); no ``--board`` (a sweep's base): no boards,
    the grid names them."""
    from fpga_prune.boards import board_names, load_board, parse_caps  # noqa: PLC0415
    from fpga_prune.cli.candle_options import source_from_args  # noqa: PLC0415
    from fpga_prune.cli.prune import clock_from_args, fit_config_from_args  # noqa: PLC0415
    from fpga_prune.cli.train import configs_from_args  # noqa: PLC0415
    from fpga_prune.errors import InputError  # noqa: PLC0415
    from fpga_prune.flow.generate import GenerateOptions  # noqa: PLC0415
    from fpga_prune.verify.checks import parse_sims  # noqa: PLC0415

    clock = clock_from_args(args)
    refs = () if args.board is None else tuple(board_names()) if args.board == "all" else (str(args.board),)
    boards = tuple(load_board(r) for r in refs)
    spec, model_cfg = configs_from_args(args)
    if args.model is not None:  # run --model: the model's own preprocessing and widths (checked without TF)
        from fpga_prune.model.load import configs_of  # noqa: PLC0415

        spec, model_cfg = configs_of(args.model)
    for flag, value, low in (
        ("--n-boot", args.n_boot, 0),
        ("--boot-block", args.boot_block, 1),
        ("--threads", args.threads, 1),
    ):
        if value is not None and value < low:
            raise InputError(flag, None, f"must be >= {low}, got {value}")
    gen = GenerateOptions(
        vectors=args.vectors, stress=args.stress, check=True, synth=args.synth, seed=args.seed, interface=args.interface
    ).validate()
    for b in boards:  # --interface axi-stream/axi-lite on a board without a processing system: refused before any work
        gen.interface_for(b)
    source = source_from_args(args)
    if source.data is not None and not Path(source.data).is_file():
        raise InputError(source.data, None, "data file not found")
    out = Path(args.out)
    if out.exists() and not out.is_dir():
        raise InputError(out, None, "exists and is not a directory")
    force: bool | frozenset[str]
    if args.force is None:
        force = False
    elif len(args.force) == 0:
        force = True
    else:
        force = frozenset(args.force)
    return RunConfig(
        out=out,
        boards=boards,
        all_boards=args.board == "all",
        source=source,
        spec=spec,
        model=model_cfg,
        threads=args.threads,
        n_boot=args.n_boot,
        boot_block=args.boot_block,
        caps=parse_caps(args.cap),
        fit=fit_config_from_args(args),
        generate=gen,
        sims=parse_sims(args.sim),
        until=args.until,
        force=force,
        model_path=args.model,
        clock_ns=clock,
    )


__all__ = ["add_run_arguments", "add_executor_arguments", "axis_values", "config_from_args"]
