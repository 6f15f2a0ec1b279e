"""Board registry, board-file validation (one-line errors, exit 2) and `fpga-prune boards`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from fpga_prune.boards import DEFAULT_CAPS, Caps, board_names, list_boards, load_board, parse_caps
from fpga_prune.cli import main
from fpga_prune.errors import InputError
from fpga_prune.resources import asset_path

REQUIRED = {"pynq-z2", "arty-a7-100t", "zcu102", "zcu104", "kv260", "alveo-u250", "alveo-u55c", "vcu118"}


def test_shipped_boards_are_complete_and_named_after_their_files():
    assert REQUIRED <= set(board_names())
    for b in list_boards():
        assert b.name in board_names()
        assert min(b.dsp, b.bram18k, b.lut, b.ff) > 0 and b.uram >= 0
        assert b.dsp_width == ((25, 18) if b.family == "7series" else (27, 18))
        assert "DS" in b.source and len(b.source) > 60  # names the data sheet


def test_known_datasheet_counts():
    b = load_board("pynq-z2")
    assert (b.part, b.dsp, b.bram18k, b.uram, b.lut, b.ff) == ("xc7z020clg400-1", 220, 280, 0, 53200, 106400)
    b = load_board("alveo-u250")
    assert (b.dsp, b.bram18k, b.uram, b.lut, b.ff) == (12288, 5376, 1280, 1728000, 3456000)
    b = load_board("kv260")
    assert (b.dsp, b.bram18k, b.uram, b.lut, b.ff) == (1248, 288, 64, 117120, 234240)


def test_unknown_board_lists_valid_names():
    with pytest.raises(InputError) as exc:
        load_board("zcu999")
    assert "unknown board 'zcu999'" in str(exc.value) and "pynq-z2" in str(exc.value)


def test_caps_defaults_budget_and_overrides():
    b = load_board("pynq-z2")
    assert DEFAULT_CAPS == Caps(0.8, 0.8, 0.8, 0.7, 0.5)
    assert DEFAULT_CAPS.budget(b) == {"dsp": 176, "bram18k": 224, "uram": 0, "lut": 37240, "ff": 53200}
    caps = parse_caps(["dsp=0.6", "lut=0.5,ff=0.4", "bram18k=1"])
    assert caps == Caps(dsp=0.6, bram=1.0, uram=0.8, lut=0.5, ff=0.4)
    assert caps.budget(b)["dsp"] == 132


@pytest.mark.parametrize(
    "item,needle",
    [
        ("dps=0.6", "cap 'dps': unknown resource; valid: dsp, bram, uram, lut, ff"),
        ("dsp=abc", "cap dsp: must be a number in (0, 1], got 'abc'"),
        ("dsp=1.5", "cap dsp: must be a number in (0, 1], got 1.5"),
        ("dsp", "expected RESOURCE=FRACTION"),
    ],
)
def test_bad_caps(item, needle):
    with pytest.raises(InputError) as exc:
        parse_caps([item])
    assert needle in str(exc.value)


def _good() -> dict:
    return yaml.safe_load((asset_path("boards") / "pynq-z2.yaml").read_text())


def _write(tmp_path: Path, doc) -> Path:
    p = tmp_path / "myboard.yaml"
    p.write_text(yaml.safe_dump(doc) if not isinstance(doc, str) else doc)
    return p


def test_user_board_file_loads(tmp_path, capsys):
    doc = _good() | {"name": "my-z7020", "dsp": 100}
    p = _write(tmp_path, doc)
    b = load_board(str(p))
    assert (b.name, b.dsp, b.dsp_width) == ("my-z7020", 100, (25, 18))
    assert main(["boards", "--board", str(p), "--cap", "dsp=0.5"]) == 0
    out = capsys.readouterr().out
    assert "my-z7020" in out and "dsp 50" in out


@pytest.mark.parametrize(
    "mutate,expected",
    [
        (lambda d: d.pop("dsp"), "field dsp: missing"),
        (lambda d: d.update(dsp=-3), "field dsp: must be a non-negative integer, got -3"),
        (lambda d: d.update(lut="lots"), "field lut: must be a non-negative integer, got 'lots'"),
        (lambda d: d.update(ff=1.5), "field ff: must be a non-negative integer, got 1.5"),
        (lambda d: d.update(uram=True), "field uram: must be a non-negative integer, got True"),
        (lambda d: d.update(clock_period_ns=0), "field clock_period_ns: must be a positive number"),
        (lambda d: d.update(dsp_width="25by18"), "field dsp_width: must look like 27x18"),
        (lambda d: d.update(family="virtex9"), "field family: must be one of 7series, ultrascale, ultrascale+"),
        (lambda d: d.update(part=""), "field part: must be a non-empty string"),
        (lambda d: d.update(dps=220), "field dps: unknown field; valid fields:"),
        (lambda d: (d.update(interface="axi-lite"), d.pop("ps")), "field ps: missing (interface axi-lite needs it)"),
        (
            lambda d: d.update(interface="pcie"),
            "field interface: unknown interface 'pcie'; valid: axi-stream, axi-lite, vitis-kernel, none",
        ),
        (lambda d: d.update(interface="vitis-kernel"), "field platform: missing (interface vitis-kernel needs it)"),
        (lambda d: d.update(memory="HBM0"), "field memory: must be a Vitis memory bank like HBM[0] or DDR[0]"),
        (lambda d: d.update(m_axi_width=1024), "field m_axi_width: must be one of 32, 64, 128, 256, 512 (bits)"),
        (lambda d: d.update(ps="versal"), "field ps: must be one of zynq, zynq_ultra, got 'versal'"),
        (lambda d: d.update(dma_width=48), "field dma_width: must be one of 32, 64, 128, 256, 512, 1024 (bits)"),
        (lambda d: d.pop("ps"), "field ps: missing (interface axi-stream needs it)"),
    ],
)
def test_bad_board_field_is_one_line_exit_2(tmp_path, capsys, mutate, expected):
    doc = _good()
    mutate(doc)
    p = _write(tmp_path, doc)
    assert main(["boards", "--board", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert err.startswith(f"fpga-prune: error: {p}: {expected}")


@pytest.mark.parametrize(
    "text,expected",
    [
        ("name: [unclosed\n", "not valid YAML at line"),
        ("- just\n- a list\n", "must be a YAML mapping of board fields, got list"),
    ],
)
def test_malformed_board_file(tmp_path, capsys, text, expected):
    p = _write(tmp_path, text)
    assert main(["boards", "--board", str(p)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{p}: {expected}" in err


def test_missing_board_file(tmp_path, capsys):
    assert main(["boards", "--board", str(tmp_path / "nope.yaml")]) == 2
    assert "nope.yaml: no such board file" in capsys.readouterr().err


def test_boards_json_lists_all(capsys):
    assert main(["boards", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    names = [b["name"] for b in doc["boards"]]
    assert REQUIRED <= set(names) and names == sorted(names)
    z2 = next(b for b in doc["boards"] if b["name"] == "pynq-z2")
    assert z2["dsp"] == 220 and z2["dsp_width"] == "25x18" and z2["budget"]["dsp"] == 176
    assert doc["caps"] == {"dsp": 0.8, "bram": 0.8, "uram": 0.8, "lut": 0.7, "ff": 0.5}


def test_boards_text_table(capsys):
    assert main(["boards"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:4] == ["name", "part", "family", "DSP"]
    assert any(line.startswith("vcu118") and "xcvu9p" in line for line in out.splitlines())


def test_boards_shows_the_interface(capsys):
    assert main(["boards", "--board", "kv260"]) == 0
    assert capsys.readouterr().out.rstrip().endswith("interface: axi-stream (ps zynq_ultra, 128-bit AXI DMA)")
    assert main(["boards", "--board", "alveo-u55c"]) == 0
    assert (
        capsys.readouterr()
        .out.rstrip()
        .endswith("interface: vitis-kernel (platform xilinx_u55c_gen3x16_xdma_3_202210_1, HBM[0], 256-bit m_axi)")
    )
    assert main(["boards", "--board", "alveo-u250", "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)["boards"][0]
    assert (doc["interface"], doc["ps"], doc["dma_width"], doc["vivado_board"]) == ("vitis-kernel", None, None, None)
    assert (doc["platform"], doc["memory"], doc["m_axi_width"]) == (
        "xilinx_u250_gen3x16_xdma_4_1_202210_1",
        "DDR[0]",
        512,
    )


def test_interface_defaults_per_board():
    """Zynq and Kria boards stream through the PS's AXI DMA; Alveo cards get the Vitis kernel; boards without
    a processing system or a platform get the bare IP; a board file without the fields still loads (none)."""
    got = {b.name: (b.interface, b.ps, b.dma_width) for b in list_boards()}
    assert got["pynq-z2"] == ("axi-stream", "zynq", 64)
    assert got["kv260"] == got["zcu104"] == got["zcu102"] == ("axi-stream", "zynq_ultra", 128)
    assert got["alveo-u55c"] == got["alveo-u250"] == ("vitis-kernel", None, None)
    for name in ("arty-a7-100t", "vcu118"):
        assert got[name] == ("none", None, None)
    doc = {k: v for k, v in _good().items() if k not in ("interface", "ps", "dma_width")}
    from fpga_prune.boards import board_from_mapping

    old = board_from_mapping(doc, "old.yaml")
    assert (old.interface, old.ps, old.dma_width) == ("none", None, None)
    assert old.to_dict() == load_board("pynq-z2").to_dict()  # the fields prune's digest records are unchanged
