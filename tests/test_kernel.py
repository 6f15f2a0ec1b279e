"""--interface vitis-kernel: the Alveo default, the kernel's files, its C simulation, the Verilog kernel under
cocotbext-axi, the pyxrt host's packing and plumbing, and one run on alveo-u55c."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import types
from pathlib import Path

import numpy as np
import pytest

from fpga_prune.arith import axis
from fpga_prune.cli import main

#: the files --interface vitis-kernel adds to the project
KERNEL_FILES = {
    "kernel.json",
    "firmware/myproject_kernel.cpp",
    "firmware/myproject_kernel.h",
    "host/fpga_prune_axis.py",
    "host/fpga_prune_fixed.py",
    "host/myproject_kernel_host.py",
    "rtl_kernel/myproject_kernel.v",
    "scripts/build_kernel.tcl",
    "scripts/link.cfg",
    "tb/tb_kernel.cpp",
    "tb_data/kernel_expected.dat",
    "tb_data/kernel_in.dat",
}
#: the default design on alveo-u55c: 16 x ap_fixed<16,..> in, 1 out, on 256-bit words: a word a sample each way
IN_LAYOUT = axis.Layout(16, 16, True, 256)
OUT_LAYOUT = axis.Layout(1, 16, True, 256)


def _tree(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def kernel_projects(tmp_path_factory, pruned_pynq, bybit_csv) -> tuple[Path, Path]:
    """The pruned design on alveo-u55c with its default interface (vitis-kernel, C simulation checked) and with
    --interface none (not checked: only its files are compared)."""
    root = tmp_path_factory.mktemp("kernel")
    common = ["--model", str(pruned_pynq), "--board", "alveo-u55c", "--data", str(bybit_csv), "--vectors", "300"]
    common += ["--stress", "16", "--quiet"]
    assert main(["generate", *common, "--out", str(root / "kernel")]) == 0
    assert main(["generate", *common, "--out", str(root / "none"), "--interface", "none", "--no-check"]) == 0
    return root / "kernel", root / "none"


@pytest.fixture(scope="module")
def firmware_object(kernel_projects, tmp_path_factory) -> Path:
    """The project's firmware compiled once (with its own C simulation), linked by the kernel's C simulations."""
    from fpga_prune.hls.csim import run_csim

    bdir = tmp_path_factory.mktemp("fw")
    assert run_csim(kernel_projects[0], build_dir=bdir).ok
    return bdir / "myproject.o"


# ----------------------------------------------------------------------------- the option and the project


def test_vitis_kernel_adds_the_kernel_and_changes_no_other_file(kernel_projects):
    kernel, none = (_tree(p) for p in kernel_projects)
    assert set(kernel) - set(none) == KERNEL_FILES
    assert not set(none) - set(kernel)
    changed = {name for name in none if none[name] != kernel[name]}
    assert changed == {"README.md", "Makefile", "manifest.json", "budget.json"}  # they describe the kernel
    budget = json.loads(kernel["budget.json"])
    # the kernel's m_axi adapters (256-bit) and s_axi_control, apart from the network's estimate
    assert budget.pop("interface")["totals"] == {"lut": 2 * 4321 + 552, "ff": 2 * 2474 + 322, "bram18k": 0}
    searched = json.loads(none["budget.json"])
    searched.pop("interface")  # what prune reserved on the pynq-z2 (its axi-stream), kept by --interface none
    assert budget == searched
    assert "9194 LUT, 5270 FF, 0 BRAM_18K" in kernel["README.md"].decode()
    doc = json.loads(kernel["kernel.json"])
    assert doc["bus"]["input"] == {**IN_LAYOUT.to_dict()} and doc["bus"]["output"] == {**OUT_LAYOUT.to_dict()}
    assert doc["registers"] == {"control": 0, "gie": 4, "ier": 8, "isr": 12, "x": 0x10, "y": 0x1C, "n": 0x28}
    assert (doc["platform"], doc["memory"], doc["max_burst"]) == ("xilinx_u55c_gen3x16_xdma_3_202210_1", "HBM[0]", 16)
    assert json.loads(kernel["manifest.json"])["interface"]["name"] == "vitis-kernel"
    lines = kernel["tb_data/kernel_in.dat"].decode().splitlines()
    assert len(lines) == 316 and sum(line.endswith(" 1") for line in lines) == 5  # runs of 1, 2, 7, 64, 242
    assert kernel["scripts/link.cfg"].decode().splitlines()[-3:] == [
        "nk=myproject_kernel:1:myproject_kernel_1",
        "sp=myproject_kernel_1.x:HBM[0]",
        "sp=myproject_kernel_1.y:HBM[0]",
    ]
    make = kernel["Makefile"].decode()
    assert "PLATFORM ?= xilinx_u55c_gen3x16_xdma_3_202210_1" in make and "KERNEL_MHZ ?= 300" in make
    assert "--config scripts/link.cfg --kernel_frequency $(KERNEL_MHZ)" in make
    assert "--hls.clock $(KERNEL_MHZ)000000:myproject_kernel" in make
    cpp = kernel["firmware/myproject_kernel.cpp"].decode()
    assert 'extern "C" void myproject_kernel(const bus_word_t *x, bus_word_t *y, unsigned int n)' in cpp
    assert "#pragma HLS INTERFACE m_axi port=x offset=slave bundle=gmem0 max_read_burst_length=16" in cpp
    assert "#pragma HLS INTERFACE ap_ctrl_hs port=return" in cpp
    assert "open_solution -reset solution1 -flow_target vitis" in kernel["scripts/build_kernel.tcl"].decode()
    assert "make xclbin" in kernel["README.md"].decode() and "HBM[0]" in kernel["README.md"].decode()


def test_kernel_csim_is_bit_exact_and_catches_a_write_past_the_buffer(kernel_projects, firmware_object, tmp_path):
    from fpga_prune.verify.checks import check_kernel_csim

    prj, _ = kernel_projects
    c = check_kernel_csim(prj, firmware_object)
    assert (c.name, c.kind, c.vectors, c.mismatches, c.passed) == ("kernel_csim", "csim", 316, 0, True)
    assert c.details["words"] == {"expected": 316, "got": 316} and c.details["batches"] == 5
    assert c.details["testbench"] == (
        "fpga_prune tb_kernel: 5 runs, 316 words in, 316 words out, 0 mismatching words, 0 guard words overwritten"
    )
    bad = tmp_path / "bad"
    shutil.copytree(prj, bad)
    cpp = bad / "firmware" / "myproject_kernel.cpp"
    text = cpp.read_text()
    assert "y[(unsigned long)i * OUT_WORDS + w] = word;" in text
    cpp.write_text(
        text.replace("y[(unsigned long)i * OUT_WORDS + w] = word;", "y[(unsigned long)i * OUT_WORDS + w + 1] = word;")
    )
    c = check_kernel_csim(bad, firmware_object)  # each result a word late: the last one lands in the guard
    assert not c.passed and "the kernel wrote outside its output buffer" in c.failure
    assert "5 guard words overwritten" in c.details["testbench"]
    assert c.mismatches > 250  # every sample but those whose neighbour has the same result


# ----------------------------------------------------------------------------- the Verilog kernel


@pytest.mark.parametrize("sim", ["verilator", "icarus"])
def test_kernel_rtl_is_bit_exact_with_backpressure_and_reset(kernel_projects, sim):
    from fpga_prune.verify.checks import VerifyOptions, check_kernel_rtl

    prj, _ = kernel_projects
    c = check_kernel_rtl(prj, sim, VerifyOptions())
    assert c.passed, c.failure
    tests = c.details["tests"]
    assert {name: (t["vectors"], t["mismatches"], t["passed"], t["protocol_errors"]) for name, t in tests.items()} == {
        "kernel_batches": (316, 0, True, []),
        "kernel_backpressure": (316, 0, True, []),
        "kernel_reset_mid_run": (200, 0, True, []),
        "kernel_host": (200, 0, True, []),  # the pyxrt host's encode/decode against the simulated kernel
    }
    assert c.name == f"rtl_kernel_{sim}" and c.vectors == 316 + 316 + 200 + 200
    # a run of n samples from ap_start to the interrupt: a word a sample each way on the 256-bit bus, the
    # network's 9-cycle latency, the read request, the write burst and its response, whichever simulator
    assert c.details["cycles_per_batch"] == {"1": 20, "3": 22, "16": 35, "250": 269, "46": 65}
    assert c.details["samples_per_cycle"] == 0.9294  # the 250-sample run: nearly a sample a cycle
    # idle cycles on 35 % of every memory channel's cycles did stall it: a whole sample a cycle is 316 + setup
    assert tests["kernel_backpressure"]["cycles"] > 2 * 316


def test_kernel_rtl_check_catches_a_done_flag_that_is_not_cleared_on_read(kernel_projects, tmp_path):
    from fpga_prune.verify.checks import VerifyOptions, check_kernel_rtl

    prj, _ = kernel_projects
    bad = tmp_path / "bad"
    shutil.copytree(prj, bad, ignore=shutil.ignore_patterns("build"))
    v = bad / "rtl_kernel" / "myproject_kernel.v"
    text = v.read_text()
    assert "            end else if (read_ctrl) begin\n                ap_done_r <= 1'b0;" in text
    v.write_text(
        text.replace(
            "            end else if (read_ctrl) begin\n                ap_done_r <= 1'b0;",
            "            end else if (read_ctrl) begin",
        )
    )
    c = check_kernel_rtl(bad, "icarus", VerifyOptions(vectors=20))
    assert not c.passed and c.mismatches == 0  # the results are right; the register map is not
    errors = c.details["tests"]["kernel_batches"]["protocol_errors"]
    assert errors and errors[0] == "ap_done/ap_ready not cleared by reading the control register"


def test_kernel_wrapper_of_odd_widths_on_a_64_bit_bus_lints_clean_and_runs_bit_exact(tmp_path):
    """12-bit signed inputs and three 10-bit unsigned (sigmoid) outputs on 64-bit words: 3 input words a sample
    (lane tops unused), one output word (zero extension, an empty lane), bursts cut at 4 KiB every 512 words."""
    from fpga_prune.arith import emulate
    from fpga_prune.arith.fixed import FixedType
    from fpga_prune.hls.kernel_project import KernelDesign
    from fpga_prune.hls.vectors import write_vectors
    from fpga_prune.outdir import write_tree
    from fpga_prune.rtl import render, simulate
    from fpga_prune.rtl.kernel import render_kernel_wrapper
    from fpga_prune.rtl.portmap import PortMap
    from fpga_prune.testing import synthetic_network

    net = synthetic_network(3, n_in=12, hidden=(8,), n_out=3, io=FixedType(True, 12, 4))
    bus = axis.bus_format(64, 12, 12, True, 3, net.output_type.width, net.output_type.signed)
    assert (bus.input.words_per_sample, bus.output.words_per_sample, bus.output.signed) == (3, 1, False)
    rng = np.random.default_rng(0)
    x = rng.integers(-2048, 2048, size=(300, 12))
    y = emulate.predict_raw(net, x)
    rtl_files = render.render_rtl(net, top="myproject")
    ports = PortMap.from_json(rtl_files["ports.json"])
    files = {f"rtl/{k}": v for k, v in rtl_files.items()}
    files |= {f"rtl_kernel/{k}": v for k, v in render_kernel_wrapper(ports, bus, "myproject_kernel").items()}
    files |= {f"vectors/{k}": v for k, v in write_vectors(net, x, y, ports=ports).items()}
    files["kernel.json"] = KernelDesign("myproject", "myproject_kernel", bus, "p", "DDR[0]", 300.0).to_json()
    files["tb_data/inputs_raw.dat"] = "".join(" ".join(map(str, r)) + "\n" for r in x)
    files["tb_data/expected_raw.dat"] = "".join(" ".join(map(str, r)) + "\n" for r in y)
    write_tree(tmp_path, files)
    with simulate.tool_path():
        lint = subprocess.run(
            [
                shutil.which("verilator") or "verilator",
                "--lint-only",
                "-Wall",
                "--default-language",
                "1364-2001",
                "--top-module",
                "myproject_kernel",
                *sorted(str(p) for p in (tmp_path / "rtl").glob("*.v")),
                str(tmp_path / "rtl_kernel" / "myproject_kernel.v"),
            ],
            capture_output=True,
            text=True,
        )
    assert lint.returncode == 0, lint.stderr
    build = simulate.build_rtl(
        tmp_path / "rtl", "icarus", build_dir=tmp_path / "b", wrapper=(tmp_path / "rtl_kernel", "myproject_kernel")
    )
    env = {"FPGA_PRUNE_KERNEL": str(tmp_path / "kernel.json"), "FPGA_PRUNE_RAW": str(tmp_path / "tb_data")}
    tests = ("kernel_batches", "kernel_backpressure", "kernel_reset_mid_run")
    res = simulate.run_tests(build, tmp_path / "vectors", tests, test_module="test_kernel", extra_env=env)
    got = {name: (t["vectors"], t["mismatches"], t["passed"]) for name, t in res.tests.items()}
    assert got == {
        "kernel_batches": (300, 0, True),
        "kernel_backpressure": (300, 0, True),
        "kernel_reset_mid_run": (200, 0, True),
    }
    # 3 input beats a sample: each further sample of a run 3 cycles
    cpb = res.tests["kernel_batches"]["cycles_per_batch"]
    assert cpb["16"] - cpb["3"] == 13 * 3 and cpb["250"] - cpb["16"] == 234 * 3


# ----------------------------------------------------------------------------- the pyxrt host


def test_host_ships_fpga_prunes_own_packing_and_imports_without_pyxrt_or_fpga_prune(kernel_projects):
    from fpga_prune.arith import fixed

    prj, _ = kernel_projects
    assert (prj / "host" / "fpga_prune_axis.py").read_text() == Path(axis.__file__).read_text()
    assert (prj / "host" / "fpga_prune_fixed.py").read_text() == Path(fixed.__file__).read_text()
    code = (
        "import sys; sys.path.insert(0, 'host'); import numpy as np; import myproject_kernel_host as h; "
        "x = np.loadtxt('tb_data/inputs_raw.dat', dtype=np.int64, ndmin=2)[:3]; "
        "print(h.encode(x).hex(), h.input_bytes(3), h.output_bytes(3), 'pyxrt' in sys.modules, "
        "any(m.startswith('fpga_prune.') for m in sys.modules)); "
        "h.Accelerator()"
    )
    r = subprocess.run([sys.executable, "-c", code], cwd=prj, capture_output=True, text=True)
    x = np.loadtxt(prj / "tb_data" / "inputs_raw.dat", dtype=np.int64, ndmin=2)[:3]
    assert r.stdout.split() == [axis.pack(x, IN_LAYOUT).hex(), "96", "96", "False", "False"]
    assert "No module named 'pyxrt'" in r.stderr  # pyxrt only when a device is opened


class _FakeXrt:
    """pyxrt's device/xclbin/kernel/bo as the host uses them; a run computes through the bit-accurate model on
    the bytes the host synced, as the kernel does on the card."""

    class bo:  # pyxrt.bo
        normal = "normal"

        def __init__(self, device, size, flags, group) -> None:
            self.size, self.group, self.host, self.card = size, group, bytearray(size), bytearray(size)
            device.bos.append(self)

        def write(self, data, offset) -> None:
            self.host[offset : offset + len(data)] = bytes(data)

        def sync(self, direction, size, offset) -> None:
            src, dst = (self.host, self.card) if direction == "to_device" else (self.card, self.host)
            dst[offset : offset + size] = src[offset : offset + size]

        def read(self, size, offset):
            return np.frombuffer(bytes(self.host[offset : offset + size]), dtype=np.int8)

    xclBOSyncDirection = types.SimpleNamespace(XCL_BO_SYNC_BO_TO_DEVICE="to_device", XCL_BO_SYNC_BO_FROM_DEVICE="back")
    ert_cmd_state = types.SimpleNamespace(ERT_CMD_STATE_COMPLETED="completed")

    def __init__(self, network) -> None:
        outer = self

        class device:
            def __init__(self, index) -> None:
                self.index, self.bos, self.loaded = index, [], None
                outer.devices.append(self)

            def load_xclbin(self, xb):
                self.loaded = xb.path
                return "uuid"

        class xclbin:
            def __init__(self, path) -> None:
                self.path = path

        class kernel:
            shared = "shared"

            def __init__(self, dev, uuid, name, mode) -> None:
                outer.kernel_args = (uuid, name, mode)

            def group_id(self, arg):
                return 100 + arg

            def __call__(self, bo_in, bo_out, n):
                from fpga_prune.arith import emulate

                x = axis.unpack(bytes(bo_in.card[: n * IN_LAYOUT.sample_bytes]), IN_LAYOUT)
                out = axis.pack(emulate.predict_raw(network, x), OUT_LAYOUT)
                bo_out.card[: len(out)] = out
                outer.runs.append(n)
                return types.SimpleNamespace(wait=lambda: "completed")

        self.device, self.xclbin, self.kernel = device, xclbin, kernel
        self.devices, self.runs, self.kernel_args = [], [], None


def test_host_batches_floats_through_a_loopback_card_bit_exactly(kernel_projects, monkeypatch):
    from fpga_prune.arith import emulate, fixed
    from fpga_prune.arith.ir import FixedNetwork

    prj, _ = kernel_projects
    network = FixedNetwork.from_json((prj / "network.json").read_text())
    fake = _FakeXrt(network)
    pyxrt = types.ModuleType("pyxrt")
    for name in ("device", "xclbin", "kernel", "bo", "xclBOSyncDirection", "ert_cmd_state"):
        setattr(pyxrt, name, getattr(fake, name))
    monkeypatch.setitem(sys.modules, "pyxrt", pyxrt)
    monkeypatch.syspath_prepend(str(prj / "host"))
    import myproject_kernel_host as host

    acc = host.Accelerator("build/myproject_kernel.xclbin")
    assert fake.devices[0].loaded == "build/myproject_kernel.xclbin"
    assert fake.kernel_args == ("uuid", "myproject_kernel", "shared")
    x_raw = np.loadtxt(prj / "tb_data" / "inputs_raw.dat", dtype=np.int64, ndmin=2)
    y_raw, timing = acc.predict_raw(x_raw, batch=100)
    assert (timing.samples, timing.batches, fake.runs) == (316, 4, [100, 100, 100, 16])
    # one pair of buffers for the whole call, sized for a batch, each in its argument's memory group
    assert [(b.size, b.group) for b in fake.devices[0].bos] == [(100 * 32, 100), (100 * 32, 101)]
    assert np.array_equal(y_raw, np.loadtxt(prj / "tb_data" / "expected_raw.dat", dtype=np.int64, ndmin=2))
    y, _ = acc.predict(fixed.to_float(x_raw, network.input_type))
    assert np.array_equal(y, fixed.to_float(emulate.predict_raw(network, x_raw), network.output_type))


# ----------------------------------------------------------------------------- a run on alveo-u55c


@pytest.mark.slow
def test_run_on_alveo_u55c_writes_and_verifies_the_kernel(tmp_path, trained_model, bybit_csv):
    """``fpga-prune run --board alveo-u55c`` with its default interface: the kernel's checks in verify.json (300
    vectors here, to keep it short; with the default 5,000 each kernel check counts 2,200 + 400 + 200 + 200).
    Under Icarus alone: the same Verilog kernel runs under both simulators in
    ``test_kernel_rtl_is_bit_exact_with_backpressure_and_reset``, and each Verilator build costs about a minute
    of CPU in a suite that must finish in ten."""
    out = tmp_path / "r"
    argv = ["run", "--board", "alveo-u55c", "--model", str(trained_model), "--data", str(bybit_csv)]
    argv += ["--out", str(out), "--finetune-epochs", "0", "--n-boot", "200", "--vectors", "300", "--stress", "32"]
    assert main([*argv, "--sim", "icarus", "--quiet"]) == 0
    verify = json.loads((out / "project" / "verify.json").read_text())
    checks = {c["name"]: c for c in verify["checks"]}
    assert verify["ok"] is True and (out / "project" / "kernel.json").is_file()
    assert (checks["kernel_csim"]["mismatches"], checks["kernel_csim"]["vectors"]) == (0, 332)
    assert sorted(n for n in checks if n.startswith("rtl_")) == ["rtl_icarus", "rtl_kernel_icarus"]
    c = checks["rtl_kernel_icarus"]
    assert (c["mismatches"], c["vectors"], c["passed"]) == (
        0,
        332 + 332 + 200 + 200,
        True,
    )  # backpressure: min(400, vectors)
    report = json.loads((out / "report.json").read_text())
    want = {"bit_accurate": 0, "csim": 0, "verilator": None, "icarus": 0}
    assert report["summary"]["boards"][0]["mismatches"] == want
