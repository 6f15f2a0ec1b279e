"""What a design costs, and which designs are worth their cost (the Pareto front).

Why one module: ``fit`` ranks designs by this cost under ``--objective
resources``, ``budget``/``report`` show it and the bench compares methods with
it; each reads it from here, never recomputes it.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Protocol

from fpga_prune.boards import RESOURCES, Board, Caps

if TYPE_CHECKING:
    from fpga_prune.estimate.core import Estimate


class Designed(Protocol):
    """What ``closest`` reads of a candidate (``designs.Design``)."""

    estimate: Estimate
    meets_floor: bool
    val_metric: float
    retention: float

    def describe(self) -> str: ...


#: weight of the binding (most used) resource in ``board_cost``; the rest share the remainder
BINDING_WEIGHT = 0.75
#: LUT-equivalent prices of a DSP and a BRAM_18K (issue #13's bench unit: LUT + 100 DSP + 200 BRAM_18K)
LUT_PER_DSP = 100
LUT_PER_BRAM18K = 200


def board_cost(used: Mapping[str, int], board: Board, caps: Caps) -> float:
    """Weighted utilization of the board budget: ``0.75 * max_r f_r + 0.25 * mean_r f_r``.

    ``f_r`` = used / allowed (the capped budget) over the resources the board
    has.  Basis: the binding resource decides whether the design fits and how
    much of the device is left for the rest of the system, so it carries 3/4
    of the weight; the mean keeps a design that frees one resource at equal
    binding use cheaper (0 DSP at the same LUT beats 80 DSP at the same LUT).
    Call it with the estimate's upper bound so the cost is the band's.
    """
    budget = caps.budget(board)
    fr = [used[r] / budget[r] for r in RESOURCES if budget[r] > 0]
    extra = [float("inf") for r in RESOURCES if budget[r] == 0 and used[r] > 0]
    if extra:
        return float("inf")
    return BINDING_WEIGHT * max(fr) + (1.0 - BINDING_WEIGHT) * sum(fr) / len(fr)


def lut_equivalent(used: Mapping[str, int]) -> int:
    """LUT + 100 x DSP + 200 x BRAM_18K: one device-independent number for comparing designs across boards.

    Basis: the issue's bench unit (a DSP48 replaces roughly 100 LUTs of a
    narrow multiplier; a BRAM_18K roughly 200 LUTs of distributed ROM).
    """
    return int(used["lut"]) + LUT_PER_DSP * int(used["dsp"]) + LUT_PER_BRAM18K * int(used["bram18k"])


def pareto_front(points: Sequence[tuple[float, float]]) -> list[int]:
    """Indices of the (cost, metric) points no other point beats: lower-or-equal cost with a higher
    metric, or lower cost with an equal-or-higher metric.  Equal points are all on the front."""
    order = sorted(range(len(points)), key=lambda i: (points[i][0], -points[i][1]))
    front: list[int] = []
    best = -float("inf")
    best_cost = None
    for i in order:
        c, m = points[i]
        if m > best or (m == best and c == best_cost):
            front.append(i)
            if m > best:
                best, best_cost = m, c
    return sorted(front)


def overshoot(design: Designed, board: Board, caps: Caps) -> tuple[str, float, int, int]:
    """The worst resource of a design: (name, excess as a fraction of the device, used, allowed).

    Why excess over the device and not used/allowed: a cap of 0 makes every
    ratio infinite, and "how far from fitting" is what a user acts on.
    """
    worst = ("dsp", -math.inf, 0, 0)
    budget = caps.budget(board)
    for r in RESOURCES:
        used, allowed = int(design.estimate.totals[r]), int(budget[r])
        excess = (used - allowed) / max(board.available()[r], 1)
        if excess > worst[1]:
            worst = (r, excess, used, allowed)
    return worst


def closest(designs: Sequence[Designed], board: Board, caps: Caps, floor: float) -> tuple[Designed, str]:
    """The design nearest to fitting, and a sentence saying what it needs."""
    pool = [d for d in designs if d.meets_floor] or list(designs)
    best = min(pool, key=lambda d: (overshoot(d, board, caps)[1], -d.val_metric))
    r, _ratio, used, allowed = overshoot(best, board, caps)
    if best.meets_floor:
        why = (
            f"closest design ({best.describe()}, retention {best.retention:.4f}) needs "
            f"{r.upper()} {used} but the cap allows {allowed} on {board.name} "
            f"(+{used - allowed}); raise --cap {r if r != 'bram18k' else 'bram'} or lower --min-retention"
        )
    else:
        top = max(designs, key=lambda d: d.val_metric)
        why = (
            f"no design keeps retention >= {floor} (best {top.retention:.4f}: {top.describe()}); "
            f"the closest by resources ({best.describe()}) needs {r.upper()} {used} of {allowed} allowed"
        )
    return best, why


__all__ = [
    "BINDING_WEIGHT",
    "LUT_PER_BRAM18K",
    "LUT_PER_DSP",
    "board_cost",
    "closest",
    "lut_equivalent",
    "overshoot",
    "pareto_front",
]
