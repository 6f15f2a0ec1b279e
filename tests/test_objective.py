"""--objective resources, per-layer precision, cost and the Pareto front (issue #13, part 2)."""

from __future__ import annotations

import json
import math

import pytest

from fpga_prune import cli
from fpga_prune.boards import Caps, load_board
from fpga_prune.search import cost, precision

# ----------------------------------------------------------------------------- cost and front (no TF)


def test_pareto_front_on_a_hand_made_set():
    pts = [
        (1.0, 0.60),  # 0 cheapest: front
        (2.0, 0.65),  # 1 front
        (2.0, 0.64),  # 2 same cost, worse: dominated by 1
        (3.0, 0.65),  # 3 dearer, equal metric: dominated by 1
        (4.0, 0.70),  # 4 front
        (0.5, 0.55),  # 5 cheapest of all: front
        (5.0, 0.69),  # 6 dominated by 4
        (4.0, 0.70),
    ]  # 7 identical to 4: both on the front
    assert cost.pareto_front(pts) == [0, 1, 4, 5, 7]
    assert cost.pareto_front([]) == []


def test_board_cost_weights_the_binding_resource_and_lut_equivalent_prices():
    board, caps = load_board("pynq-z2"), Caps()
    budget = caps.budget(board)
    half_lut = {"dsp": 0, "bram18k": 0, "uram": 0, "lut": budget["lut"] // 2, "ff": 0}
    with_dsp = dict(half_lut, dsp=budget["dsp"] // 2)
    c0, c1 = cost.board_cost(half_lut, board, caps), cost.board_cost(with_dsp, board, caps)
    n = sum(1 for r in budget if budget[r] > 0)  # the resources the board has (no URAM on a Zynq-7000)
    f = (budget["lut"] // 2) / budget["lut"]
    assert c0 == pytest.approx(0.75 * f + 0.25 * f / n)
    assert c1 > c0  # DSPs at the same LUT use cost something
    assert cost.board_cost(dict(half_lut, uram=1), board, caps) == math.inf  # PYNQ-Z2 has no URAM
    assert cost.lut_equivalent({"lut": 33968, "dsp": 115, "bram18k": 1}) == 33968 + 11500 + 200


def test_precision_search_narrows_each_knob_to_its_own_limit_then_widens_the_worst():
    start = precision.PrecisionPlan(16, (("a", 16), ("b", 16)), (("r", 16),))

    def metric(plan):  # each knob loses accuracy below its own width; losses add up
        k = plan.knobs()
        loss = 0.0
        loss += 0.01 * max(0, 8 - k[("weight", "a")])
        loss += 0.01 * max(0, 4 - k[("weight", "b")])
        loss += 0.01 * max(0, 10 - k[("input", "")])
        return 1.0 - loss

    found = precision.search(start, metric, target=0.995)
    assert found.plan.knobs() == {("input", ""): 10, ("weight", "a"): 8, ("weight", "b"): 4, ("result", "r"): 3}
    assert found.metric == 1.0
    tight = precision.search(start, metric, target=1.0 - 0.015)  # a knob alone may lose 0.01, two may not
    assert tight.metric >= 0.985
    assert found.sensitivity["weight:a"][:3] == [[16, 1.0], [12, 1.0], [10, 1.0]]
    held = precision.search(start, metric, 0.995, narrowest={("result", "r"): 5})  # e.g. one fraction bit left
    assert held.plan.knobs()[("result", "r")] == 5


# ----------------------------------------------------------------------------- searches on the real data


@pytest.fixture(scope="module")
def searches(trained_model, bybit_csv):
    """Four short searches of the same trained model for the PYNQ-Z2 (shortened ladder and fine-tunes)."""
    from fpga_prune.data import load
    from fpga_prune.model import features
    from fpga_prune.model.training import load_bundle
    from fpga_prune.search.config import FitConfig
    from fpga_prune.search.fit import prune_to_fit

    bundle = load_bundle(trained_model)
    splits = features.split(features.build(load(bybit_csv), bundle.spec), bundle.spec)
    board = load_board("pynq-z2")
    base = {
        "neuron_fractions": (0.5, 0.625, 0.75),
        "sparsity_rounds": (0.3, 0.5),
        "finetune_epochs": 3,
        "patience": 1,
        "sensitivity": False,
        "margin": 0.0,
        "strategy": "latency",
    }
    out = {}
    for name, kw in (
        ("accuracy", {}),
        ("uniform", {"objective": "resources", "precision": "uniform"}),
        ("per_layer", {"objective": "resources", "precision": "per-layer", "qat": False}),
    ):
        out[name] = prune_to_fit(bundle.model, splits, board, cfg=FitConfig(**base, **kw))
    return out


@pytest.mark.slow
def test_objective_resources_is_no_costlier_and_keeps_the_floor(searches):
    acc, res = searches["accuracy"], searches["uniform"]
    assert acc.fits and res.fits
    assert res.chosen.cost <= acc.chosen.cost
    assert res.chosen.val_metric >= res.config.min_retention * res.dense_val_metric
    assert res.chosen.estimate.fits(res.board, res.caps)
    # the cheapest design is really the cheapest good one of all tried
    good = [d for d in res.designs if d.fits and d.meets_floor]
    assert res.chosen.cost == min(d.cost for d in good)


@pytest.mark.slow
def test_per_layer_precision_reduces_cost_at_equal_floor(searches):
    uni, per = searches["uniform"], searches["per_layer"]
    assert per.fits and per.chosen.plan is not None
    assert per.chosen.cost < uni.chosen.cost
    assert cost.lut_equivalent(per.chosen.estimate.used()) < cost.lut_equivalent(uni.chosen.estimate.used())
    assert per.chosen.val_metric >= per.config.min_retention * per.dense_val_metric
    assert per.precision_sensitivity  # the per-knob curves of the chosen model
    # the settings really carry the plan: every layer's weight width is the plan's
    w = dict(per.chosen.plan.weight_bits)
    for name, ls in per.chosen.settings.layers:
        if ls.weight is not None:
            assert ls.weight.startswith(f"ap_fixed<{w[name]},")


@pytest.mark.slow
def test_run_resources_report_shows_the_front(trained_model, bybit_csv, tmp_path):
    out = tmp_path / "run"
    assert (
        cli.main(
            [
                "run",
                "--model",
                str(trained_model),
                "--board",
                "pynq-z2",
                "--data",
                str(bybit_csv),
                "--out",
                str(out),
                "--until",
                "prune",
                "--objective",
                "resources",
                "--finetune-epochs",
                "2",  # the whole search and QAT, on short fine-tunes (bench_resources_run times the default)
                "--quiet",
            ]
        )
        == 0
    )
    b = json.loads((out / "pruned" / "budget.json").read_text())
    hist = b["history"]
    assert b["search"]["objective"] == "resources"
    fitting = [h for h in hist if h["fits"]]
    expect = {fitting[i]["index"] for i in cost.pareto_front([(h["cost"], h["val_metric"]) for h in fitting])}
    assert {h["index"] for h in hist if h["front"]} == expect
    assert all(h["test_metric"] is not None for h in hist if h["front"])
    chosen = [h for h in hist if h["chosen"]]
    assert len(chosen) == 1 and chosen[0]["index"] == b["design"]["index"] and chosen[0]["fits"]
    # the front is costed exactly; the chosen design is on it unless a cheaper one failed the bootstrap check
    assert all(h["costed"] == "exact" for h in hist if h["front"])
    dominating = [h for h in fitting if h["cost"] <= chosen[0]["cost"] and h["val_metric"] > chosen[0]["val_metric"]]
    assert chosen[0]["front"] or all(h["meets_floor"] and h["index"] != chosen[0]["index"] for h in dominating)
    assert b["design"]["dsp"] == 0  # per-layer precision takes every product off the DSPs
    # distributed arithmetic ranked by proxy, the finalists and the chosen design solved by da4ml
    c = b["costing"]
    assert c["designs"] == len(hist) and 0 < c["by_proxy"] < c["designs"]
    assert c["by_proxy"] == sum(h["costed"] == "proxy" for h in hist)
    assert c["recosted_exactly"] >= 1 and c["da4ml_solves"] >= 3 and b["design"]["costed"] == "exact"
    assert chosen[0]["costed"] == "exact"
    assert b["accuracy"]["pruned_val"] >= b["accuracy"]["floor_val"]
    md, html = (out / "report.md").read_text(), (out / "report.html").read_text()
    assert "Pareto front" in md and "pynq-z2_pareto.png" in md and "**chosen**" in md
    assert f"{c['by_proxy']} of {c['designs']} designs costed by the distributed-arithmetic proxy" in md
    assert "Pareto front" in html and "data:image/png;base64" in html
    assert (out / "pruned" / "pareto.png").read_bytes()[:4] == b"\x89PNG"
    assert "Pareto front" in (out / "pruned" / "budget.md").read_text()


def test_qat_of_a_layer_without_integer_bits_stays_on_its_grid():
    """Weights all below 0.5 have an ``ap_fixed<W, I<=0>`` type; QKeras cannot take its negative integer
    bits (TensorFlow's integer Pow), so QAT trains on the same grid written another way and clips to the
    type: the weights it returns are exactly the network's raw values (this crashed with NotFoundError)."""
    import numpy as np
    import tensorflow as tf

    from fpga_prune.boards import load_board
    from fpga_prune.hls.adapter import network_from_keras
    from fpga_prune.prune import masks as masks_mod

    tf.keras.utils.set_random_seed(0)
    inp = tf.keras.layers.Input(shape=(6,), name="features")
    h = tf.keras.layers.Dense(4, activation="relu", name="fc1")(inp)
    out = tf.keras.layers.Dense(1, activation="sigmoid", name="fc_out")(h)
    model = tf.keras.Model(inp, out, name="mlp")
    rng = np.random.default_rng(0)
    k1 = rng.uniform(-0.2, 0.2, (6, 4)).astype(np.float32)  # |w| < 0.25: ap_fixed<5,-1>
    model.get_layer("fc1").set_weights([k1, np.zeros(4, np.float32)])
    x = rng.normal(size=(512, 6)).astype(np.float32)
    y = (x[:, 0] > 0).astype(np.float32)
    rngs = precision.ranges(model, x)
    plan = precision.PrecisionPlan(8, (("fc1", 5), ("fc_out", 6)), (("fc1_relu", 6),))
    t = precision.types(plan, rngs)
    assert t.weights["fc1"].integer <= 0
    fit = masks_mod.keras_fit(x, y, "binary_crossentropy", epochs=1, batch_size=128, seed=0)
    tuned = precision.qat(model, plan, rngs, fit, masks_mod.Masks.from_model(model))
    board = load_board("pynq-z2")
    net = network_from_keras(tuned, precision.settings(plan, rngs, "latency", 1, "ap_fixed<16,6>", board))
    w_t = t.weights["fc1"]
    kernel = tuned.get_layer("fc1").get_weights()[0]
    assert np.array_equal(net.layers[0].weights, np.round(kernel / w_t.lsb).astype(np.int64))
    assert kernel.min() >= w_t.raw_min * w_t.lsb and kernel.max() <= w_t.raw_max * w_t.lsb
