"""Sparsity schedules: the target sparsity after each pruning round.

Each function returns a tuple of totals (not increments), strictly within
[0, 1], ending at the final target; a round prunes up to its target and is
followed by fine-tuning.  ``SCHEDULES`` maps names to functions.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from fpga_prune.errors import InputError


def _fraction(value: float, field: str, upper_open: bool = False) -> float:
    v = float(value)
    if math.isnan(v) or v < 0.0 or v > 1.0 or (upper_open and v >= 1.0):
        bound = "[0, 1)" if upper_open else "[0, 1]"
        raise InputError("prune schedule", field, f"must be in {bound}, got {value!r}")
    return v


def _steps(value: int, field: str = "steps") -> int:
    if int(value) != value or int(value) < 1:
        raise InputError("prune schedule", field, f"must be a positive integer, got {value!r}")
    return int(value)


def one_shot(sparsity: float) -> tuple[float, ...]:
    """Prune once to the target."""
    return (_fraction(sparsity, "sparsity"),)


def iterative(p: float, rounds: int) -> tuple[float, ...]:
    """Iterative magnitude pruning: each round removes a fraction ``p`` of the
    weights still alive, so ``s_t = 1 - (1 - p)**t`` for t = 1..rounds."""
    p = _fraction(p, "p", upper_open=True)
    return tuple(1.0 - (1.0 - p) ** t for t in range(1, _steps(rounds, "rounds") + 1))


def iterative_to(sparsity: float, rounds: int) -> tuple[float, ...]:
    """The iterative schedule whose last round reaches ``sparsity`` exactly:
    ``p = 1 - (1 - sparsity)**(1/rounds)``."""
    s = _fraction(sparsity, "sparsity", upper_open=True)
    n = _steps(rounds, "rounds")
    out = list(iterative(1.0 - (1.0 - s) ** (1.0 / n), n))
    out[-1] = s
    return tuple(out)


def polynomial(s_final: float, steps: int, power: float = 3.0, s_initial: float = 0.0) -> tuple[float, ...]:
    """Zhu & Gupta (2017) gradual pruning, ``s_t = s_f + (s_i - s_f)(1 - t/n)**power``
    for t = 1..n.  power=1 is linear; power=3 (cubic) prunes fast while the
    network is redundant and slowly near the end."""
    sf = _fraction(s_final, "s_final")
    si = _fraction(s_initial, "s_initial")
    n = _steps(steps)
    if float(power) <= 0:
        raise InputError("prune schedule", "power", f"must be > 0, got {power!r}")
    return tuple(sf + (si - sf) * (1.0 - t / n) ** float(power) for t in range(1, n + 1))


def linear(s_final: float, steps: int, s_initial: float = 0.0) -> tuple[float, ...]:
    """Equal sparsity increments."""
    return polynomial(s_final, steps, 1.0, s_initial)


def cubic(s_final: float, steps: int, s_initial: float = 0.0) -> tuple[float, ...]:
    """Zhu & Gupta's default schedule (power 3)."""
    return polynomial(s_final, steps, 3.0, s_initial)


def exponential(s_final: float, steps: int, rate: float = 3.0) -> tuple[float, ...]:
    """Saturating exponential, ``s_t = s_f (1 - exp(-rate t/n)) / (1 - exp(-rate))``:
    big early steps, shrinking geometrically; reaches ``s_f`` at t = n."""
    sf = _fraction(s_final, "s_final")
    n = _steps(steps)
    r = float(rate)
    if not r > 0:
        raise InputError("prune schedule", "rate", f"must be > 0, got {rate!r}")
    norm = -math.expm1(-r)
    return tuple(sf * (-math.expm1(-r * t / n)) / norm for t in range(1, n + 1))


SCHEDULES: dict[str, Callable[..., tuple[float, ...]]] = {
    "one_shot": one_shot,
    "iterative": iterative,
    "iterative_to": iterative_to,
    "polynomial": polynomial,
    "linear": linear,
    "cubic": cubic,
    "exponential": exponential,
}


def schedule(name: str, **params) -> tuple[float, ...]:
    """``schedule("cubic", s_final=0.8, steps=5)``; the error lists valid names."""
    try:
        fn = SCHEDULES[name]
    except KeyError:
        raise InputError("prune", "schedule", f"unknown schedule {name!r}; valid: {sorted(SCHEDULES)}") from None
    try:
        return fn(**params)
    except TypeError as exc:
        raise InputError("prune", "schedule", f"{name}: {exc}") from None
