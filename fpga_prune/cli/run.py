"""``fpga-prune run``: argument parsing and printing for the flow in :mod:`fpga_prune.flow.run`.

candles -> train -> prune to fit -> generate -> verify -> report, resumable;
see ``fpga_prune.flow.run`` for the directory layout and resume rules.  This
module turns the command line into a typed ``flow.RunConfig`` (the options
and their validation live in :mod:`fpga_prune.cli.run_options`, shared with
``sweep``), shows progress on stderr and prints the closing table.
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

from fpga_prune.cli.run_options import add_run_arguments, config_from_args
from fpga_prune.flow import run as flow

HELP = "candles -> train -> prune -> generate -> verify -> report, resumable"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_run_arguments(parser)


# ----------------------------------------------------------------------------- progress display
class _RichObserver:
    """One progress row per step (spinner, bar, elapsed time, latest message) on stderr."""

    def __init__(self, console) -> None:
        from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn  # noqa: PLC0415

        self.progress = Progress(
            SpinnerColumn(finished_text="[green]✓"),
            TextColumn("[bold]{task.fields[step]:<20}"),
            BarColumn(bar_width=24),
            TimeElapsedColumn(),
            TextColumn("{task.fields[status]:<8}"),
            TextColumn("[dim]{task.description}"),
            console=console,
            transient=False,
        )
        self.tasks: dict[str, Any] = {}

    def __enter__(self):
        self.progress.start()
        return self

    def __exit__(self, *exc) -> None:
        self.progress.stop()

    def start(self, name: str) -> None:
        self.tasks[name] = self.progress.add_task("", total=None, step=name, status="running")

    def message(self, name: str, text: str) -> None:
        if name in self.tasks:
            self.progress.update(self.tasks[name], description=text.strip()[:90])

    def finish(self, rec) -> None:
        tid = self.tasks.get(rec.name)
        if tid is None:
            return
        colour = {"done": "green", "skipped": "cyan", "failed": "red"}.get(rec.status, "yellow")
        desc = rec.message or ""
        self.progress.update(tid, total=1, completed=1, status=f"[{colour}]{rec.status}", description=desc[:90])
        self.progress.stop_task(tid)


class _PlainObserver:
    """Line-per-event progress for logs (stderr is not a terminal)."""

    def __init__(self, stream) -> None:
        self.stream = stream

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def start(self, name: str) -> None:
        print(f"[run] {name}: started", file=self.stream, flush=True)

    def message(self, name: str, text: str) -> None:
        print(f"[run] {name}: {text}", file=self.stream, flush=True)

    def finish(self, rec) -> None:
        extra = f" ({rec.message})" if rec.message else ""
        print(f"[run] {rec.name}: {rec.status} in {rec.seconds:.1f} s{extra}", file=self.stream, flush=True)


class _QuietObserver:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass

    def start(self, name: str) -> None: ...

    def message(self, name: str, text: str) -> None: ...

    def finish(self, rec) -> None: ...


def _observer(args: argparse.Namespace):
    if getattr(args, "quiet", False) or getattr(args, "json", False):
        return _QuietObserver()
    from rich.console import Console  # noqa: PLC0415

    console = Console(stderr=True)
    if console.is_terminal:
        return _RichObserver(console)
    return _PlainObserver(sys.stderr)


def summary_text(doc: dict[str, Any], out: Path) -> str:
    """The closing table (rich, rendered to plain text for stdout)."""
    from rich.console import Console  # noqa: PLC0415
    from rich.table import Table  # noqa: PLC0415

    buf = io.StringIO()
    console = Console(file=buf, width=160, color_system=None, force_terminal=False)
    table = Table(title=f"fpga-prune run: {out}", title_justify="left")
    for col in (
        "board",
        "fits",
        "DSP",
        "LUT",
        "FF",
        "BRAM_18K",
        "latency",
        "dense",
        "pruned",
        "retention",
        "bit-acc",
        "C sim",
        "verilator",
        "icarus",
    ):
        table.add_column(col, justify="left" if col in ("board", "fits") else "right")
    for row in doc["summary"]["boards"]:
        r = row.get("resources") or {}

        def res(name: str, r: dict = r) -> str:
            x = r.get(name)
            return "-" if x is None else f"{x['used']}/{x['allowed']}"

        acc = row.get("accuracy") or {}
        mm = row.get("mismatches") or {}

        def num(v, fmt="{:.4f}") -> str:
            return "-" if v is None else fmt.format(v)

        table.add_row(
            row["board"],
            {True: "yes", False: "NO", None: "-"}[row.get("fits")],
            res("dsp"),
            res("lut"),
            res("ff"),
            res("bram18k"),
            num(row.get("latency_ns"), "{:.0f} ns"),
            num(acc.get("dense")),
            num(acc.get("pruned")),
            num(acc.get("retention")),
            *(num(mm.get(k), "{}") for k in ("bit_accurate", "csim", "verilator", "icarus")),
        )
    console.print(table)
    metric = doc["summary"].get("metric") or "metric"
    lines = [
        "\n".join(line.rstrip() for line in buf.getvalue().rstrip().splitlines()),
        f"accuracy columns: test {metric}; mismatches per check (- = not run)",
    ]
    st = doc["status"]
    lines.append(("OK" if st["ok"] else "FAILED") + (f": {st['reason']}" if st.get("reason") else ""))
    lines.append(f"wrote {out / 'report.md'}, {out / 'report.html'}, {out / 'report.json'}")
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    from fpga_prune.cli.app import emit  # noqa: PLC0415

    if args.board == "all" or "," in str(args.board):
        from fpga_prune.cli.sweep import run_boards  # noqa: PLC0415

        return run_boards(args)
    cfg = config_from_args(args)
    with _observer(args) as obs:
        outcome = flow.execute(cfg, obs)
    doc = outcome.report
    emit(
        args,
        {"out": str(cfg.out), "exit_code": outcome.exit_code, **doc["summary"], "status": doc["status"]},
        summary_text(doc, cfg.out),
    )
    return outcome.exit_code
