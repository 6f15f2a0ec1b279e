"""``fpga-prune sweep``: a grid of runs, in parallel on this machine or on a Ray cluster.

Every ``run`` option is accepted (the shared groups of
:mod:`fpga_prune.cli.run_options`); the axis options (``--board``,
``--target``, ``--seed``, ``--strategy``: comma-separated lists; ``--cap``:
one caps set per occurrence) or a ``--grid`` YAML file give the values to
sweep, as strings: the library types them and applies them to the run's
``RunConfig`` (:mod:`fpga_prune.flow.grid`).  Each point is a resumable run
in ``OUT/points/<id>/``; trainings are shared by the points whose data and
model settings agree (``OUT/groups/<id>/``); ``OUT/sweep.{json,md,html}``
compare the points.  This module parses and prints; the work is
:func:`fpga_prune.flow.sweep.run_sweep`'s.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from fpga_prune.cli.run_options import add_run_arguments, axis_values, config_from_args
from fpga_prune.flow.grid import AXES

if TYPE_CHECKING:
    from fpga_prune.flow.grid import Grid

HELP = "a grid of runs (boards x targets x seeds x strategies x caps), parallel locally or on a Ray cluster"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser, sweep=True)  # every run option, the axes as lists, the executor options
    parser.add_argument(
        "--grid", type=Path, metavar="FILE", help="YAML grid: axis: [values] for board, target, seed, strategy, cap"
    )


# ----------------------------------------------------------------------------- progress
class _Rich:
    """One progress display: points done / running / failed, elapsed, estimate of the time left."""

    def __init__(self, console) -> None:
        from rich.progress import (  # noqa: PLC0415
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        self.progress = Progress(
            TextColumn("[bold]sweep"),
            BarColumn(bar_width=30),
            MofNCompleteColumn(),
            TextColumn("{task.fields[counts]}"),
            TimeElapsedColumn(),
            TextColumn("ETA"),
            TimeRemainingColumn(),
            TextColumn("[dim]{task.description}"),
            console=console,
            transient=False,
        )
        self.console = console
        self.task = None
        self.counts = {"running": 0, "failed": 0}

    def _show(self, desc: str = "") -> None:
        c = self.counts
        self.progress.update(self.task, counts=f"running {c['running']}  failed {c['failed']}", description=desc[:60])

    def begin(self, total: int, skipped: int, where: str) -> None:
        self.console.print(f"[dim]{where}; {skipped} point(s) up to date")
        self.progress.start()
        self.task = self.progress.add_task("", total=total, counts="")
        self._show()

    def note(self, text: str) -> None:
        self.console.print(text)

    def started(self, key: str) -> None:
        self.counts["running"] += 1
        self._show(f"started {key}")

    def finished(self, key: str, status: str, seconds: float, message: str = "") -> None:
        if status != "skipped":
            self.counts["running"] = max(0, self.counts["running"] - 1)
        if status == "failed":
            self.counts["failed"] += 1
        if key.startswith("point:"):
            self.progress.advance(self.task)
        self._show(f"{key} {status}")

    def end(self) -> None:
        self.progress.stop()


class _Lines:
    """One line per event: plain text on stderr (logs), or JSON lines on stdout (``--json``)."""

    def __init__(self, stream, as_json: bool) -> None:
        self.stream, self.as_json, self.t0 = stream, as_json, time.perf_counter()

    def _say(self, event: str, **fields) -> None:
        if self.as_json:
            print(json.dumps({"event": event, **fields}, sort_keys=True), file=self.stream, flush=True)
        else:
            text = " ".join(f"{k}={v}" for k, v in fields.items())
            print(f"[sweep] {event} {text}".rstrip(), file=self.stream, flush=True)

    def begin(self, total: int, skipped: int, where: str) -> None:
        self._say("begin", points=total, up_to_date=skipped, executor=where)

    def note(self, text: str) -> None:
        self._say("note", text=text)

    def started(self, key: str) -> None:
        self._say("started", task=key)

    def finished(self, key: str, status: str, seconds: float, message: str = "") -> None:
        self._say("finished", task=key, status=status, seconds=round(seconds, 2), message=message)

    def end(self) -> None: ...


def _observer(args: argparse.Namespace):
    from fpga_prune.flow.sweep import SweepObserver  # noqa: PLC0415

    if getattr(args, "json", False):
        return _Lines(sys.stdout, as_json=True)
    if getattr(args, "quiet", False):
        return SweepObserver()
    from rich.console import Console  # noqa: PLC0415

    console = Console(stderr=True)
    return _Rich(console) if console.is_terminal else _Lines(sys.stderr, as_json=False)


def summary_text(doc: dict, out: Path) -> str:
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    buf = io.StringIO()
    console = Console(file=buf, width=160, color_system=None, force_terminal=False)
    table = Table(title=f"fpga-prune sweep: {out}", title_justify="left")
    for col in ("point", "status", "fits", "DSP", "LUT", "latency", "pruned", "retention"):
        table.add_column(col, justify="left" if col in ("point", "status", "fits") else "right")
    for row in doc["points"]:
        res = row.get("resources") or {}
        acc = row.get("accuracy") or {}

        def cell(r: str, res: dict = res) -> str:
            return f"{res[r]['used']}/{res[r]['allowed']}" if r in res else "-"

        table.add_row(
            row["point"],
            row["status"],
            {True: "yes", False: "NO", None: "-"}[row.get("fits")],
            cell("dsp"),
            cell("lut"),
            "-" if row.get("latency_ns") is None else f"{row['latency_ns']:.0f} ns",
            "-" if acc.get("pruned") is None else f"{acc['pruned']:.4f}",
            "-" if acc.get("retention") is None else f"{acc['retention']:.4f}",
        )
    console.print(table)
    s = doc["summary"]
    lines = [
        "\n".join(line.rstrip() for line in buf.getvalue().rstrip().splitlines()),
        f"{s['completed']}/{s['points']} completed, {s['failed']} failed, {s['not run']} not run",
        f"wrote {out / 'sweep.md'}, {out / 'sweep.html'}, {out / 'sweep.json'}",
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------- entry points
def execute(args: argparse.Namespace, grid: Grid) -> int:
    """Validate every point and the executor (exit 2 before anything is written), then sweep."""
    from fpga_prune.flow.executors import make_executor  # noqa: PLC0415
    from fpga_prune.flow.sweep import expand, run_sweep  # noqa: PLC0415

    base = config_from_args(argparse.Namespace(**{**vars(args), "board": None}))  # the grid names the boards
    points = expand(grid, base, base.out)
    observer = _observer(args)  # first: it keeps the real stdout (the Ray executor moves Ray's notices to stderr)
    executor = make_executor(args.executor, address=args.ray_address, workers=args.workers)
    outcome = run_sweep(points, base.out, executor, observer, grid)
    if getattr(args, "json", False):
        print(
            json.dumps(
                {"event": "sweep", "out": str(base.out), "exit_code": outcome.exit_code, **outcome.report["summary"]},
                sort_keys=True,
            ),
            flush=True,
        )
    else:
        sys.stdout.write(summary_text(outcome.report, base.out) + "\n")
    return outcome.exit_code


def run_boards(args: argparse.Namespace) -> int:
    """``run --board all`` / ``--board a,b``: a sweep over boards (one training, a point per board)."""
    from fpga_prune.flow.grid import make_grid, split_cli  # noqa: PLC0415

    return execute(args, make_grid({"board": split_cli("board", args.board)}, "--board"))


def run(args: argparse.Namespace) -> int:
    from fpga_prune.errors import InputError  # noqa: PLC0415
    from fpga_prune.flow.grid import load_grid_file, make_grid  # noqa: PLC0415

    given = load_grid_file(args.grid) if args.grid else {}
    for name in AXES:
        values = axis_values(args, name)
        if values is not None:
            if name in given:
                raise InputError("command line", f"--{name}", f"the axis is also given in {args.grid}")
            given[name] = values
    return execute(args, make_grid(given, str(args.grid) if args.grid else "command line"))
