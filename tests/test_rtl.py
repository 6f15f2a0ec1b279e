"""Verilog rendering: ports, determinism, pruned hardware absent, lint, casts."""

from __future__ import annotations

import json
import re

import pytest

from fpga_prune.arith.analysis import live_neurons
from fpga_prune.arith.fixed import OVERFLOW_MODES, QUANT_MODES, FixedType
from fpga_prune.arith.ir import ActivationLayer, DenseLayer, FixedNetwork
from fpga_prune.outdir import write_tree
from fpga_prune.rtl import render as rtl
from fpga_prune.rtl.blocks import cast_raw
from fpga_prune.rtl.portmap import PortMap
from fpga_prune.rtl.simulate import verilator_lint
from fpga_prune.testing import cast_sweep_network, synthetic_network, synthetic_softmax_network


@pytest.fixture(scope="module")
def net() -> FixedNetwork:
    return synthetic_network(0)


def test_ports_follow_vitis_naming(net):
    files = rtl.render_rtl(net)
    top = files["myproject.v"]
    header = top[top.index("module myproject (") : top.index(");")]
    names = re.findall(r"(input|output)\s+wire\s+(?:\[(\d+):0\]\s+)?(\w+)", header)
    ports = {n: (d, int(w) + 1 if w else 1) for d, w, n in names}
    assert ports == {
        "ap_clk": ("input", 1),
        "ap_rst": ("input", 1),
        "ap_start": ("input", 1),
        "ap_done": ("output", 1),
        "ap_idle": ("output", 1),
        "ap_ready": ("output", 1),
        "input_1": ("input", 12 * 16),
        "input_1_ap_vld": ("input", 1),
        # 6 IR layers + the input layer: hls4ml calls the last one layer7_out
        "layer7_out_0": ("output", 10),
        "layer7_out_0_ap_vld": ("output", 1),
    }
    pm = PortMap.from_json(files["ports.json"])
    assert pm.input == "input_1" and pm.outputs == ("layer7_out_0",) and pm.latency == 9
    assert [p["latency"] for p in pm.probes] == [2, 3, 5, 6, 8, 9]


def test_port_names_are_configurable(net):
    files = rtl.render_rtl(net, top="btc_dir", input_name="dense_input", output_name="layer9_out")
    assert "module btc_dir (" in files["btc_dir.v"]
    assert "input  wire [191:0] dense_input," in files["btc_dir.v"]
    assert "output wire layer9_out_0_ap_vld," in files["btc_dir.v"]
    assert json.loads(files["ports.json"])["input_vld"] == "dense_input_ap_vld"


def test_rendering_is_deterministic(net):
    assert rtl.render_rtl(net) == rtl.render_rtl(synthetic_network(0))


def test_zero_weights_and_dead_neurons_are_absent(net):
    text = rtl.render_rtl(net)["myproject.v"]
    live = live_neurons(net)
    for k, layer in enumerate(net.layers):
        if not isinstance(layer, DenseLayer):
            continue
        lname = f"l{k + 1}_{layer.name}"
        regs = set(re.findall(rf"reg\s+\[\d+:0\] ({lname}_m_\d+_\d+)_r;", text))
        expected = {f"{lname}_m_{i}_{j}" for j in live[k] for i in range(layer.n_in) if layer.weights[i, j] != 0}
        assert regs == expected
        assert len(regs) < layer.n_in * layer.n_out * 0.5  # sparsity 0.7 really removed hardware
    # layer-0 neuron 31 feeds nothing (all its layer-2 weights are zero): gone entirely
    assert 31 not in live[0] and "l1_dense_y_31" not in text and "l2_relu_y_31" not in text
    # the pruned input 11 is only kept alive by the unused-input sink
    assert "wire x_11" not in text and "unused_inputs" in text


def test_verilator_lint_wall_is_clean(net, tmp_path):
    write_tree(tmp_path, rtl.render_rtl(net))
    ok, log = verilator_lint(tmp_path)
    assert ok, log
    assert "%Warning" not in log


def test_unsupported_activation_is_a_clear_error():
    t = FixedType(True, 8, 3)
    bad = FixedNetwork("n", t, 2, (ActivationLayer("th", "tanh", t, t, 2),))  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tanh.*supported: linear, relu, sigmoid, softmax"):
        rtl.render_rtl(bad)


@pytest.mark.parametrize("impl,stages,roms", [("stable", 5, 2), ("latency", 5, 2), ("legacy", 4, 2), ("argmax", 1, 0)])
def test_softmax_renders_lint_clean_with_tables_as_roms(impl, stages, roms, tmp_path):
    net = synthetic_softmax_network(0, implementation=impl)
    files = rtl.render_rtl(net)
    pm = PortMap.from_json(files["ports.json"])
    assert pm.latency == 2 + 1 + 2 + stages and len(pm.outputs) == 3
    rom_files = sorted(f for f in files if f.endswith("rom.v"))
    assert len(rom_files) == roms
    if roms:
        # the exp table is a ROM with hls4ml's 1024 entries, instantiated once per class (stable/latency)
        # or per ordered pair of classes (legacy)
        exp = next(f for f in rom_files if "exp_rom" in f)
        assert len(re.findall(r"^\s+10'h[0-9a-f]{3}: q <=", files[exp], re.M)) == 1024
        n_inst = len(re.findall(r"myproject_l4_softmax_exp_rom u_", files["myproject.v"]))
        assert n_inst == (6 if impl == "legacy" else 3)
    write_tree(tmp_path, files)
    ok, log = verilator_lint(tmp_path)
    assert ok, log
    assert "%Warning" not in log


@pytest.mark.parametrize(
    "src,dst,raw,want",
    [
        ("ap_fixed<8,4>", "ap_fixed<6,4,AP_RND_CONV,AP_SAT>", 0b00001010, 2),  # 0.625 -> 0.5 (half to even)
        ("ap_fixed<8,4>", "ap_fixed<6,4,AP_RND_CONV,AP_SAT>", 0b00001110, 4),  # 0.875 -> 1.0
        ("ap_fixed<8,4>", "ap_fixed<6,4,AP_RND,AP_SAT>", -2, 0),  # -0.125 -> 0 (half up)
        ("ap_fixed<8,4>", "ap_fixed<6,4,AP_RND_INF,AP_SAT>", -2, -1),  # half away from zero
        ("ap_fixed<8,4>", "ap_fixed<6,4,AP_TRN_ZERO,AP_SAT>", -3, 0),
        ("ap_fixed<8,4>", "ap_fixed<6,4>", -3, -1),  # floor
        ("ap_fixed<8,8>", "ap_fixed<4,4,AP_TRN,AP_SAT>", 100, 7),
        ("ap_fixed<8,8>", "ap_fixed<4,4,AP_TRN,AP_SAT_SYM>", -100, -7),
        ("ap_fixed<8,8>", "ap_fixed<4,4,AP_TRN,AP_SAT_ZERO>", -100, 0),
        ("ap_fixed<8,8>", "ap_fixed<4,4>", 9, -7),  # wrap
        ("ap_fixed<8,8>", "ap_ufixed<4,4,AP_TRN,AP_SAT>", -5, 0),
    ],
)
def test_generation_time_cast(src, dst, raw, want):
    assert cast_raw(raw, FixedType.parse(src), FixedType.parse(dst)) == want


def test_cast_sweep_covers_every_mode():
    text = rtl.render_rtl(cast_sweep_network(0))["myproject.v"]
    dsts = set(re.findall(r"// myproject_cast_\d+: \S+ -> (\S+)", text))
    modes = set()
    for d in dsts:
        t = FixedType.parse(d)
        modes.add((t.rounding, t.saturation))
    assert modes == {(q, o) for q in QUANT_MODES for o in OVERFLOW_MODES}
