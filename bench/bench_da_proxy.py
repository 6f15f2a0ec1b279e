"""How well the CSD proxy of a distributed-arithmetic Dense ranks against da4ml's exact solve; prints JSON.

The resources search costs every DA candidate by ``fpga_prune.estimate.da.proxy_graph`` and solves
exactly only the finalists, so the proxy's error decides how many finalists must be solved
(``da.PROXY_LOW_RATIO``) and never the chosen design's figures (always solved).  Its constants were
fitted on the layers of one search (``da.PROXY_COEFFS``); this bench checks them on layers that search
never saw: the committed golden model, structurally pruned to several widths WITHOUT fine-tuning, under
random per-layer precision plans (seeded), every distinct Dense solved by da4ml.

    python bench/bench_da_proxy.py [--plans 12] [--seed 1] [--out bench/results/da-proxy.json]

Prints the exact/proxy adder-bit ratio (quantiles, over all layers and over layers above 2,000 adder
bits), the rank correlation of whole designs, and seconds per exact solve against per proxy.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import emit
from fpga_prune.arith.ir import DA, DenseLayer
from fpga_prune.boards import load_board
from fpga_prune.estimate import da
from fpga_prune.hls.adapter import network_from_keras
from fpga_prune.model.training import load_bundle
from fpga_prune.prune import structured
from fpga_prune.search import precision

GOLDEN = Path(__file__).resolve().parent.parent / "tests" / "golden" / "model"
FRACTIONS = (0.0, 0.5, 0.75, 0.875)


def layers(plans: int, seed: int) -> list[list[DenseLayer]]:
    """Per design (fraction x plan), its DA Dense layers."""
    from fpga_prune.data import load
    from fpga_prune.model import features

    bundle = load_bundle(GOLDEN)
    splits = features.split(features.build(load("sample:btcusdt-5m"), bundle.spec), bundle.spec)
    board = load_board("pynq-z2")
    rng = np.random.default_rng(seed)
    out = []
    for frac in FRACTIONS:
        model = (
            bundle.model
            if frac == 0.0
            else structured.prune_neurons(bundle.model, fraction=frac, criterion="l1", x_train=splits.train.X).model
        )
        rngs = precision.ranges(model, splits.train.X)
        start = precision.uniform_plan(model)
        for _ in range(plans):
            knobs = start.knobs()
            pick = {
                k: int(rng.choice([b for b in precision.WEIGHT_GRID if b >= 3]))
                if k[0] == "weight"
                else int(rng.choice([b for b in precision.RESULT_GRID if b >= 5]))
                for k in knobs
            }
            plan = precision.PrecisionPlan.from_knobs(pick)
            net = network_from_keras(model, precision.settings(plan, rngs, DA, 1, "ap_fixed<16,6>", board))
            out.append([lay for lay in net.layers if isinstance(lay, DenseLayer)])
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--plans", type=int, default=12, help="random precision plans per width (default 12)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args(argv)
    designs = layers(args.plans, args.seed)
    ratios, big, t_exact, t_proxy, seen = [], [], 0.0, 0.0, set()
    design_pairs = []
    for net_layers in designs:
        e_sum = p_sum = 0
        for lay in net_layers:
            t0 = time.perf_counter()
            p = da.proxy_graph(lay)
            t1 = time.perf_counter()
            e = da.adder_graph(lay)
            t2 = time.perf_counter()
            key = (lay.weights.tobytes(), str(lay.input_type), str(lay.weight_type))
            if key not in seen:
                seen.add(key)
                t_proxy += t1 - t0
                t_exact += t2 - t1
                if p.adder_bits > 0:
                    ratios.append(e.adder_bits / p.adder_bits)
                    if e.adder_bits > 2000:
                        big.append(e.adder_bits / p.adder_bits)
            e_sum += e.adder_bits
            p_sum += p.adder_bits
        design_pairs.append((e_sum, p_sum))
    e_arr, p_arr = np.array(design_pairs, float).T
    rank = lambda a: np.argsort(np.argsort(a))  # noqa: E731
    spearman = float(np.corrcoef(rank(e_arr), rank(p_arr))[0, 1])
    q = (0.0, 0.05, 0.5, 0.95, 1.0)
    doc = {
        "layers": len(ratios),
        "layers_above_2000_adder_bits": len(big),
        "designs": len(design_pairs),
        "ratio_exact_over_proxy_quantiles": dict(zip(map(str, q), np.round(np.quantile(ratios, q), 4).tolist())),
        "ratio_big_layers_quantiles": dict(zip(map(str, q), np.round(np.quantile(big, q), 4).tolist()))
        if big
        else None,
        "design_ratio_quantiles": dict(zip(map(str, q), np.round(np.quantile(e_arr / p_arr, q), 4).tolist())),
        "design_rank_correlation": round(spearman, 4),
        "proxy_low_ratio": da.PROXY_LOW_RATIO,
        "designs_below_low_ratio": int(np.sum(e_arr / p_arr < da.PROXY_LOW_RATIO)),
        "seconds_per_exact_solve": round(t_exact / max(1, len(seen)), 4),
        "seconds_per_proxy": round(t_proxy / max(1, len(seen)), 6),
        "plans_per_width": args.plans,
        "seed": args.seed,
    }
    emit(doc, args.out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
