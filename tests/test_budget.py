"""budget.json's resources block: one utilization rule (``Estimate.utilization``), taken from ``Estimate.to_dict``."""

from __future__ import annotations

import json
from dataclasses import replace

from fpga_prune.boards import DEFAULT_CAPS, load_board
from fpga_prune.estimate.core import Estimate
from fpga_prune.search.budget import budget_dict

PYNQ = load_board("pynq-z2")  # no UltraRAM


def _estimate(**kw) -> Estimate:
    base = Estimate(
        network="n",
        board=PYNQ.name,
        clock_period_ns=10.0,
        layers=(),
        dsp=44,
        bram18k=0,
        uram=0,
        lut=1000,
        ff=2000,
        latency_cycles=7,
        interval_cycles=1,
    )
    return replace(base, **kw)


def _budget(est: Estimate) -> dict:
    return budget_dict(
        board=PYNQ,
        caps=DEFAULT_CAPS,
        estimate=est,
        fits=est.fits(PYNQ),
        design={},
        accuracy={},
        pruning={"sparsity": 0.0},
        history=[],
        shortfall=None,
    )


def test_resource_the_device_lacks_is_0_unused_and_none_when_used():
    est = _estimate()
    assert est.utilization(PYNQ) == {"dsp": 0.2, "bram18k": 0.0, "uram": 0.0, "lut": 1000 / 53200, "ff": 2000 / 106400}
    assert _estimate(uram=2).utilization(PYNQ)["uram"] is None
    assert not _estimate(uram=2).fits(PYNQ)


def test_budget_resources_are_the_estimate_to_dict_block():
    for est in (_estimate(), _estimate(uram=2)):
        doc = _budget(est)
        assert doc["resources"] == est.to_dict(PYNQ, DEFAULT_CAPS)["resources"]
        json.dumps(doc, allow_nan=False)  # strict JSON: no inf
    res = _budget(_estimate(uram=2))["resources"]
    assert res["dsp"] == {"used": 44, "available": 220, "cap": 0.8, "allowed": 176, "utilization": 0.2}
    assert res["uram"] == {"used": 2, "available": 0, "cap": 0.8, "allowed": 0, "utilization": None}
