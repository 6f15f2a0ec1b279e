"""Schedules: exact values of the formulas, and the registry's errors."""

from __future__ import annotations

import math

import pytest

from fpga_prune.errors import InputError
from fpga_prune.prune import schedules


def test_one_shot_is_the_target():
    assert schedules.one_shot(0.75) == (0.75,)


def test_iterative_keeps_a_fraction_of_survivors():
    # s_t = 1 - (1 - p)^t
    assert schedules.iterative(0.2, 3) == pytest.approx((0.2, 0.36, 0.488), abs=1e-15)
    s = schedules.iterative(0.5, 4)
    assert s == pytest.approx((0.5, 0.75, 0.875, 0.9375), abs=1e-15)


def test_iterative_to_reaches_the_target_exactly():
    s = schedules.iterative_to(0.9, 2)
    assert s[0] == pytest.approx(1 - math.sqrt(0.1), abs=1e-12)
    assert s[-1] == 0.9


def test_polynomial_linear_and_cubic():
    assert schedules.linear(0.8, 4) == pytest.approx((0.2, 0.4, 0.6, 0.8), abs=1e-15)
    # s_t = 0.8 - 0.8 (1 - t/4)^3
    assert schedules.cubic(0.8, 4) == pytest.approx((0.4625, 0.7, 0.7875, 0.8), abs=1e-15)
    assert schedules.polynomial(0.9, 2, power=2, s_initial=0.5) == pytest.approx((0.8, 0.9), abs=1e-15)


def test_exponential_saturates_to_the_target():
    # rate ln 8 over 3 steps: exp(-rate t / 3) = 2^-t, normaliser 7/8
    s = schedules.exponential(0.9, 3, rate=math.log(8))
    assert s == pytest.approx((0.9 * 0.5 * 8 / 7, 0.9 * 0.75 * 8 / 7, 0.9), abs=1e-12)
    steps = [b - a for a, b in zip((0.0, *s), s)]
    assert steps[0] > steps[1] > steps[2]


def test_registry_and_bad_values():
    assert schedules.schedule("cubic", s_final=0.8, steps=4) == schedules.cubic(0.8, 4)
    with pytest.raises(InputError, match=r"unknown schedule 'quartic'.*'cubic'.*'iterative'"):
        schedules.schedule("quartic", s_final=0.5, steps=2)
    with pytest.raises(InputError, match="p: must be in"):
        schedules.iterative(1.0, 3)
    with pytest.raises(InputError, match="steps: must be a positive integer"):
        schedules.linear(0.5, 0)
    with pytest.raises(InputError, match="s_final: must be in"):
        schedules.cubic(1.5, 3)
