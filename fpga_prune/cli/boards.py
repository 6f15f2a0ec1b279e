"""``fpga-prune boards``: list the shipped boards, or validate and show one board file.

Why a command of its own: a user writing a board file for their own part wants
to see it parsed (or the one-line error) and the budget it yields under the
caps before spending an hour pruning against it.
"""

from __future__ import annotations

import argparse

from fpga_prune.boards import DEFAULT_CAPS, RESOURCES, Board, Caps, list_boards, load_board, parse_caps
from fpga_prune.cli.app import emit

HELP = "list the boards and their resources"

_HEAD = ("name", "part", "family", "DSP", "BRAM_18K", "URAM", "LUT", "FF", "clock ns", "DSP mult")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--board", metavar="NAME|PATH", help="show one board (a shipped name or your own board .yaml) with its budget"
    )
    parser.add_argument(
        "--cap",
        action="append",
        default=[],
        metavar="RES=FRAC",
        help="budget cap per resource, e.g. dsp=0.6 (repeatable; defaults dsp/bram/uram 0.8, lut 0.7, ff 0.5)",
    )


def _row(b: Board) -> tuple[str, ...]:
    return (
        b.name,
        b.part,
        b.family,
        str(b.dsp),
        str(b.bram18k),
        str(b.uram),
        str(b.lut),
        str(b.ff),
        f"{b.clock_period_ns:g}",
        f"{b.dsp_width[0]}x{b.dsp_width[1]}",
    )


def _table(rows: list[tuple[str, ...]]) -> str:
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, r in enumerate(rows):
        lines.append("  ".join(c.ljust(w) if i < 3 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths))))
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _board_payload(b: Board, caps: Caps) -> dict:
    d = b.to_dict()
    d["budget"] = caps.budget(b)
    return {**d, **b.soc_dict()}


def run(args: argparse.Namespace) -> int:
    caps = parse_caps(args.cap)
    boards = [load_board(args.board)] if args.board else list_boards()
    payload = {"caps": caps.to_dict(), "boards": [_board_payload(b, caps) for b in boards]}
    text = _table([_HEAD] + [_row(b) for b in boards])
    if args.board:
        b = boards[0]
        budget = caps.budget(b)
        text += (
            "\n\nbudget under caps "
            + ", ".join(f"{r}={caps.fraction(r):g}" for r in RESOURCES)
            + ":\n  "
            + ", ".join(f"{r} {budget[r]}" for r in RESOURCES)
            + f"\nsource: {b.source}"
            + f"\ninterface: {b.interface}"
            + (f" (ps {b.ps}, {b.dma_width}-bit AXI DMA)" if b.ps else "")
            + (f" (platform {b.platform}, {b.memory}, {b.m_axi_width}-bit m_axi)" if b.platform else "")
        )
    elif caps != DEFAULT_CAPS:
        text += "\n\ncaps: " + ", ".join(f"{k}={v:g}" for k, v in caps.to_dict().items())
    emit(args, payload, text)
    return 0
