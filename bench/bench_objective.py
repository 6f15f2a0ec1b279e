"""The cheapest design at test retention >= 0.98: fpga_prune's objectives against the pruning baselines and HGQ2.

On the default trading model and the PYNQ-Z2 and ZCU104 budgets, every
method is costed by the SAME estimator (``fpga_prune.estimate.core``, upper bound at
confidence 0.9 for ``cost.board_cost``, point estimate for the LUT-equivalent
cost) and judged on the held-out test split by the bit-accurate model:

* LUT-equivalent cost = LUT + 100 x DSP + 200 x BRAM_18K (``cost.lut_equivalent``)
  -- the unit every ratio below is in;
* test retention = test ROC AUC of the fixed-point design / of the dense float model.

Methods (``fpga_prune_*`` report the design the tool itself chooses, on
validation only; the baselines get the *oracle* choice -- the cheapest of their
sweep whose TEST retention is >= 0.98 -- which can only flatter them):

``fpga_prune_accuracy``   ``--objective accuracy --strategy latency`` (issue #13's reference: today's choice)
``fpga_prune_pruning``    ``--objective resources --precision uniform --strategy latency`` (pruning only)
``fpga_prune_precision``  ``--objective resources --precision per-layer --strategy latency`` (+ per-layer precision)
``fpga_prune_da``         ``--objective resources`` over every strategy of ``fpga_prune.arith.ir`` (+ DA), only when
                          ``distributed_arithmetic`` is one of them
``tfmot``                 TF-MOT PolynomialDecay at every sparsity of ``bench_baselines.TFMOT_GRID``,
                          16-bit weights, Latency RF1
``hls4ml_dsp_aware``      hls4ml ``dsp_aware_pruning`` at every target of ``HLS4ML_TARGETS`` (rtol 0.98),
                          16-bit weights, Latency RF1
``hgq2``                  HGQ2 (per-weight and per-activation widths learned by gradient under its EBOPs
                          resource penalty) at every point of ``train_hgq2.py``'s sweep (beta x initial width),
                          our architecture, early stopping on validation; trained in its own venv
                          (``bench/hgq2/setup_venv.sh``: ``hgq2`` replaces QKeras), each hls4ml project read back
                          by our importer and offered as written (latency) and as distributed arithmetic
                          (``bench_hgq2``); not run, with the reason in the JSON, when there is no such venv.

Usage (JSON on stdout, progress and ratios on stderr)::

    python bench/bench_objective.py [--data CSV] [--model DIR] [--boards pynq-z2,zcu104] [--out FILE.json]
                                    [--hgq2-venv DIR] [--hgq2-out DIR] [--skip METHOD,...]
"""

from __future__ import annotations

import argparse
import contextlib
import sys
import tempfile
import time
import traceback
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import bench_baselines as bb
import bench_hgq2 as hgq2
import numpy as np

from bench import emit
from fpga_prune.arith import emulate, ir
from fpga_prune.arith.analysis import input_live, live_neurons
from fpga_prune.boards import Caps, load_board
from fpga_prune.estimate.core import EstimateOptions, estimate
from fpga_prune.hls.adapter import network_from_keras, to_hls4ml_config
from fpga_prune.model import metrics as pm
from fpga_prune.prune import graph
from fpga_prune.search import cost
from fpga_prune.search.config import FitConfig
from fpga_prune.search.fit import prune_to_fit

DEFAULT_BOARDS = ("pynq-z2", "zcu104")
FLOOR = 0.98
#: hls4ml dsp_aware_pruning final sparsities swept (its rtol stops it earlier when validation AUC falls)
HLS4ML_TARGETS = (0.8, 0.9, 0.95, 0.97, 0.98, 0.99)
DA = "distributed_arithmetic"

FPGA_PRUNE = {
    "fpga_prune_accuracy": FitConfig(objective="accuracy", strategy="latency"),
    "fpga_prune_pruning": FitConfig(objective="resources", precision="uniform", strategy="latency"),
    "fpga_prune_precision": FitConfig(objective="resources", precision="per-layer", strategy="latency"),
    "fpga_prune_da": FitConfig(objective="resources", precision="per-layer", strategy="auto"),
}


def costed(model, settings, board, caps, splits, dense_test: float) -> dict[str, Any]:
    """One Keras design, as hls4ml builds it with ``settings``: see ``costed_net``."""
    return costed_net(network_from_keras(model, settings), board, caps, splits, dense_test)


def significant_bits(raw: np.ndarray) -> np.ndarray:
    """Bits of each nonzero integer between its leading and trailing one (a power of two: 1)."""
    a = np.abs(raw[raw != 0]).astype(np.int64)
    lead = np.floor(np.log2(a)).astype(np.int64) + 1
    trail = np.log2(a & -a).astype(np.int64)
    return lead - trail


def live_inputs(net: ir.FixedNetwork, live: list[list[int]], k: int) -> list[int]:
    """The inputs of layer ``k`` that carry a value: live upstream and not an HGQ zero-bit element."""
    if k == 0:
        return list(range(net.n_inputs))
    prev = net.layers[k - 1]
    types = prev.element_types if isinstance(prev, ir.ActivationLayer) else None
    return [i for i in live[k - 1] if not types or types[i] is not None]


def structure(net: ir.FixedNetwork) -> dict[str, Any]:
    """What a design keeps: inputs and neurons alive, weights left and their bits, activation widths.

    Why: it says why one design is cheaper than another -- fewer weights (``live_weights``:
    nonzero weights into neurons that reach the output), narrower ones (``weight_bits``:
    significant bits of each, from its leading to its trailing one), or narrower
    activations (``activations``: mean width of the live elements after each quantizer or ReLU).
    """
    live = live_neurons(net)
    dense, acts = [], []
    for k, layer in enumerate(net.layers):
        if isinstance(layer, ir.DenseLayer):
            rows = live_inputs(net, live, k)
            kept = layer.weights[np.ix_(rows, live[k])]  # weights from live inputs into neurons that reach the output
            bits = significant_bits(kept)
            dense.append(
                {
                    "name": layer.name,
                    "live_outputs": len(live[k]),
                    "of": int(layer.weights.shape[1]),
                    "live_weights": int(np.count_nonzero(kept)),
                    "weight_type": str(layer.weight_type),
                    "weight_bits_mean": round(float(bits.mean()), 2) if bits.size else 0.0,
                    "weight_bits_max": int(bits.max(initial=0)),
                }
            )
        elif isinstance(layer, ir.ActivationLayer) and layer.activation in ("quantizer", "relu"):
            types = layer.element_types or (layer.result_type,) * layer.n
            widths = [types[i].width for i in live[k] if types[i] is not None]
            acts.append(
                {
                    "name": layer.name,
                    "live": len(widths),
                    "mean_bits": round(float(np.mean(widths)), 2) if widths else 0.0,
                }
            )
    first = net.layers[0]
    types = first.element_types if isinstance(first, ir.ActivationLayer) else None
    used = [i for i in input_live(net) if not types or types[i] is not None]  # a zero-bit input is not read
    return {
        "inputs_used": len(used),
        "of": net.n_inputs,
        "input_type": str(net.input_type),
        "dense": dense,
        "activations": acts,
    }


def costed_net(net: ir.FixedNetwork, board, caps, splits, dense_test: float) -> dict[str, Any]:
    """One design: resources (point and upper), cost, LUT-equivalents, test metric and retention."""
    est = estimate(net, board, EstimateOptions(confidence=0.9))
    auc = pm.roc_auc(splits.test.y, emulate.predict(net, splits.test.X))
    return {
        "dsp": est.dsp,
        "lut": est.lut,
        "ff": est.ff,
        "bram18k": est.bram18k,
        "upper": est.upper(),
        "fits": est.fits(board, caps),
        "cost": round(cost.board_cost(est.upper(), board, caps), 6),
        "lut_equivalent": cost.lut_equivalent(est.used()),
        "latency_cycles": est.latency_cycles,
        "test_auc": round(auc, 6),
        "test_retention": round(auc / dense_test, 6),
        "structure": structure(net),
    }


def oracle(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The cheapest (LUT-equivalent) fitting row at test retention >= FLOOR."""
    ok = [r for r in rows if r["fits"] and r["test_retention"] >= FLOOR]
    return min(ok, key=lambda r: (r["lut_equivalent"], -r["test_auc"])) if ok else None


def run_fpga_prune(name, dense, splits, board, caps, dense_test) -> dict[str, Any]:
    t0 = time.perf_counter()
    res = prune_to_fit(dense, splits, board, caps, FPGA_PRUNE[name], progress=lambda m: bb.say(f"  {m}"))
    ch = res.chosen
    row = costed(ch.model, ch.settings, board, caps, splits, dense_test)
    row.update(
        {
            "design": ch.describe(),
            "search_fits": res.fits,
            "designs_tried": len(res.designs),
            "val_metric": round(ch.val_metric, 6),
            "wall_s": round(time.perf_counter() - t0, 1),
        }
    )
    return row


def tfmot_sweep(dense, splits, bc) -> list[tuple[float, Any]]:
    return [(s, bb._tfmot_finetune(dense, splits, s, bc)) for s in bb.TFMOT_GRID]


def hls4ml_sweep(dense, splits, bc, board) -> list[tuple[float, Any]]:
    """dsp_aware_pruning at each target (the optimizer's own model, rtol 0.98 on validation AUC)."""

    settings = bb.latency16(dense, board)
    hls_config = bb.optimizer_config(to_hls4ml_config(dense, settings), settings)
    bb._patch_regularizer_config()
    out = []
    for target in HLS4ML_TARGETS:
        m = bb.dsp_aware(dense, splits, hls_config, target, bc)
        out.append((target, graph.clone(m)))
        bb.say(f"  hls4ml target {target}: done")
    return out


def baseline_rows(sweep, board, caps, splits, dense_test) -> list[dict[str, Any]]:
    rows = []
    for s, m in sweep:
        r = costed(m, bb.latency16(m, board), board, caps, splits, dense_test)
        r["target_sparsity"] = s
        rows.append(r)
    return rows


def hgq2_sweep(args, dense, splits, board) -> tuple[dict[str, Any], list[hgq2.HgqDesign]]:
    """Train HGQ2's sweep in its venv on our splits (projects for ``board``'s part), import every point."""
    python = hgq2.venv_python(args.hgq2_venv)
    if python is None:
        raise FileNotFoundError(f"no HGQ2 venv at {args.hgq2_venv} (bench/hgq2/setup_venv.sh makes one)")
    hidden = tuple(int(layer.units) for layer in dense.layers if hasattr(layer, "units"))[:-1]
    with contextlib.ExitStack() as stack:
        out = args.hgq2_out or Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="hgq2-")))
        out.mkdir(parents=True, exist_ok=True)
        npz = hgq2.export_splits(splits, hidden, out / "splits.npz")
        doc = hgq2.train(python, npz, out, board.part, board.clock_period_ns, [])
        return doc, hgq2.designs(out, doc, splits.test.X)


def hgq2_rows(found: list[hgq2.HgqDesign], board, caps, splits, dense_test) -> list[dict[str, Any]]:
    rows = []
    for d in found:
        r = costed_net(d.network, board, caps, splits, dense_test)
        r.update(
            {
                "point": d.point,
                "strategy": d.strategy,
                **{k: d.info[k] for k in ("beta", "init_bits", "ebops", "epochs_run")},
                "test_agreement_with_hgq2": d.test_agreement.to_dict(),
                "lut_equivalent_with_sigmoid": cost.lut_equivalent(
                    estimate(hgq2.with_sigmoid(d.network), board, EstimateOptions(confidence=0.9)).used()
                ),
            }
        )
        rows.append(r)
    return rows


def ratios(entry: dict[str, Any]) -> dict[str, float | None]:
    """LUT-equivalent of each fpga_prune choice over the accuracy choice, the best pruning baseline and HGQ2."""

    def leq(name):
        r = entry.get(name)
        return None if not r or "error" in r else r["lut_equivalent"]

    base = [
        entry[k]["oracle"]["lut_equivalent"]
        for k in ("tfmot", "hls4ml_dsp_aware")
        if entry.get(k) and entry[k].get("oracle")
    ]
    best = min(base) if base else None
    h = entry.get("hgq2")
    hgq2_leq = h["oracle"]["lut_equivalent"] if h and h.get("oracle") else None
    out: dict[str, float | None] = {}
    for name in FPGA_PRUNE:
        v = leq(name)
        refs = (("accuracy", leq("fpga_prune_accuracy")), ("best_baseline", best), ("hgq2", hgq2_leq))
        for ref_name, ref in refs:
            out[f"{name}/{ref_name}"] = None if v is None or not ref else round(v / ref, 4)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--data", type=Path)
    ap.add_argument("--model", type=Path, metavar="DIR", help="reuse a `fpga-prune train` bundle")
    ap.add_argument("--boards", default=",".join(DEFAULT_BOARDS))
    ap.add_argument("--skip", default="", help="comma-separated methods to skip")
    ap.add_argument("--out", type=Path)
    ap.add_argument(
        "--hgq2-venv",
        type=Path,
        default=hgq2.default_venv(),
        help="the HGQ2 venv of bench/hgq2/setup_venv.sh (default $HGQ2_VENV or ~/.cache/fpga_prune/hgq2-venv)",
    )
    ap.add_argument("--hgq2-out", type=Path, metavar="DIR", help="keep HGQ2's splits, projects and predictions here")
    args = ap.parse_args(argv)
    skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    boards = [load_board(b.strip()) for b in args.boards.split(",") if b.strip()]
    bc, caps = bb.BenchConfig(), Caps()
    real_stdout = sys.stdout
    t_all = time.perf_counter()
    with contextlib.redirect_stdout(sys.stderr):
        dense, splits, info = bb.load_inputs(args, bc)
        dense_test = pm.roc_auc(splits.test.y, bb._predict(dense, splits.test.X))
        doc: dict[str, Any] = {
            "benchmark": "objective_cheapest_at_floor",
            "machine": bb.machine_info(),
            "floor_test_retention": FLOOR,
            "cost_units": {
                "lut_equivalent": "LUT + 100*DSP + 200*BRAM_18K (point estimate)",
                "cost": "fpga_prune.search.cost.board_cost of the estimate's upper bound at confidence 0.9",
            },
            "strategies": list(ir.STRATEGIES),
            "dense": {**info, "test_auc": round(dense_test, 6)},
            "hgq": "hgq (HGQ 1, 0.2.6) is not run: it needs keras<3 and TensorFlow < 2.21; HGQ2 is `hgq2`",
            "boards": {},
        }
        sweeps: dict[str, Any] = {}
        for name, fn in (
            ("tfmot", lambda: tfmot_sweep(dense, splits, bc)),
            ("hls4ml_dsp_aware", lambda: hls4ml_sweep(dense, splits, bc, boards[0])),
        ):
            if name in skip:
                continue
            bb.say(f"{name} sweep ...")
            t0 = time.perf_counter()
            try:
                sweeps[name] = (fn(), round(time.perf_counter() - t0, 1))
            except Exception as exc:  # a baseline that cannot run here is a result, not a crash
                bb.say(traceback.format_exc())
                sweeps[name] = (exc, round(time.perf_counter() - t0, 1))
        hgq2_found: list[hgq2.HgqDesign] | str | None = None  # None: skipped
        hgq2_wall = 0.0
        if "hgq2" not in skip:
            bb.say(f"hgq2 sweep in {args.hgq2_venv} ...")
            t0 = time.perf_counter()
            try:
                hdoc, hgq2_found = hgq2_sweep(args, dense, splits, boards[0])
                doc["hgq2"] = {"venv": str(args.hgq2_venv), **{k: v for k, v in hdoc.items() if k != "points"}}
            except Exception as exc:  # no venv, or HGQ2 failed: recorded, the other methods still run
                if not isinstance(exc, FileNotFoundError):
                    bb.say(traceback.format_exc())
                hgq2_found = f"not run: {type(exc).__name__}: {exc}"
                doc["hgq2"] = {"venv": str(args.hgq2_venv), "error": hgq2_found}
            hgq2_wall = round(time.perf_counter() - t0, 1)
        for board in boards:
            entry: dict[str, Any] = {"part": board.part, "budget": caps.budget(board)}
            for name in FPGA_PRUNE:
                if name in skip:
                    continue
                if name == "fpga_prune_da" and DA not in ir.STRATEGIES:
                    entry[name] = {"error": f"{DA!r} is not one of fpga_prune.arith.ir.STRATEGIES yet"}
                    continue
                bb.say(f"{board.name}: {name} ...")
                try:
                    entry[name] = run_fpga_prune(name, dense, splits, board, caps, dense_test)
                except Exception as exc:
                    bb.say(traceback.format_exc())
                    entry[name] = {"error": f"{type(exc).__name__}: {exc}"}
            for name, (sweep, wall) in sweeps.items():
                if isinstance(sweep, Exception):
                    entry[name] = {"error": f"{type(sweep).__name__}: {sweep}", "wall_s": wall}
                    continue
                rows = baseline_rows(sweep, board, caps, splits, dense_test)
                entry[name] = {"sweep": rows, "oracle": oracle(rows), "wall_s": wall}
            if isinstance(hgq2_found, str):
                entry["hgq2"] = {"error": hgq2_found}
            elif hgq2_found is not None:
                rows = hgq2_rows(hgq2_found, board, caps, splits, dense_test)
                entry["hgq2"] = {"sweep": rows, "oracle": oracle(rows), "wall_s": hgq2_wall}
            entry["ratios"] = ratios(entry)
            doc["boards"][board.name] = entry
        doc["wall_s"] = round(time.perf_counter() - t_all, 1)
    lines = ["LUT-equivalent (LUT + 100 DSP + 200 BRAM_18K) of the cheapest design at test retention >= 0.98"]
    for bname, entry in doc["boards"].items():
        for name in (*FPGA_PRUNE, "tfmot", "hls4ml_dsp_aware", "hgq2"):
            r = entry.get(name)
            if r is None:
                continue
            r = r.get("oracle", r) if "sweep" in r else r
            if r is None:
                lines.append(f"{bname:<10}{name:<22} none of the sweep keeps test retention >= {FLOOR}")
            elif "error" in r:
                lines.append(f"{bname:<10}{name:<22} {r['error']}")
            else:
                lines.append(
                    f"{bname:<10}{name:<22} LUT-eq {r['lut_equivalent']:>7}  DSP {r['dsp']:>5}  "
                    f"LUT {r['lut']:>6}  test retention {r['test_retention']:.4f}  fits {r['fits']}"
                )
        lines += [f"{bname:<10}ratio {k:<42} {v}" for k, v in entry["ratios"].items()]
    bb.say("\n".join(lines))
    emit(doc, args.out, indent=1, stream=real_stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main())
