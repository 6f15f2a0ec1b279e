"""What the bus testbenches share (``test_axis``, ``test_axil``, ``test_kernel``, ``test_wrapped``,
``test_wrapped_mm``): their settings from the environment, the clock and reset, the per-sample comparison, the
report each test writes, and a call of an ap_ctrl_hs block through its AXI-Lite registers.

Why one module: the benches differ in the bus they drive (an AXI-Stream pair, AXI-Lite registers, a Vitis kernel's
memory and registers, hls4ml's float beats), not in how they read vectors, count mismatches or report; one reading of
``FPGA_PRUNE_*`` and one report format keep their reports comparable in verify.json.

Configuration (environment, set by ``fpga_prune.rtl.simulate.run_tests``):
  FPGA_PRUNE_RAW         directory with the test's vector files (one sample a row)
  FPGA_PRUNE_REPORT_DIR  one ``<test>.json`` report per test goes here
  FPGA_PRUNE_NVEC        vectors of the batch test (default: all)
  FPGA_PRUNE_NAUX        vectors of the backpressure test (default: the bench's)
  FPGA_PRUNE_SEED        seed of the pauses and batch sizes (default 1)
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import cocotb
import numpy as np
from cocotb.clock import Clock
from cocotb.triggers import ClockCycles, RisingEdge, with_timeout
from cocotb.utils import get_sim_time

from fpga_prune.arith import axis

PERIOD_NS = 10


@dataclass(frozen=True)
class Vectors:
    """The test's inputs and expected outputs (rows of ``inputs``/``expected`` files) and how many to use."""

    x: np.ndarray
    y: np.ndarray
    n: int  # vectors of the batch test
    n_aux: int  # vectors of the backpressure test
    seed: int
    report_dir: Path


def load_vectors(inputs: str, expected: str, dtype: type, default_aux: int) -> Vectors:
    raw = Path(os.environ["FPGA_PRUNE_RAW"])
    x = np.loadtxt(raw / inputs, dtype=dtype, ndmin=2)
    y = np.loadtxt(raw / expected, dtype=dtype, ndmin=2)
    nvec = os.environ.get("FPGA_PRUNE_NVEC")
    return Vectors(
        x=x,
        y=y,
        n=min(len(x), int(nvec)) if nvec else len(x),
        n_aux=int(os.environ.get("FPGA_PRUNE_NAUX", str(default_aux))),
        seed=int(os.environ.get("FPGA_PRUNE_SEED", "1")),
        report_dir=Path(os.environ.get("FPGA_PRUNE_REPORT_DIR", ".")),
    )


def start_clock(dut) -> None:
    Clock(dut.ap_clk, PERIOD_NS, unit="ns").start()


async def reset(dut, cycles: int = 3) -> None:
    """``ap_rst_n`` low for ``cycles`` clock cycles, then one edge after it is released."""
    dut.ap_rst_n.value = 0
    await ClockCycles(dut.ap_clk, cycles)
    dut.ap_rst_n.value = 1
    await RisingEdge(dut.ap_clk)


def cycle() -> int:
    """The clock cycle the simulation is in."""
    return int(get_sim_time("ns")) // PERIOD_NS


def compare(
    result: dict,
    start: int,
    got: np.ndarray,
    want: np.ndarray,
    show: Callable[[np.ndarray], list] = lambda row: row.tolist(),
) -> None:
    """Samples ``start``.. of one batch: counted, and the first ten that differ recorded (``show``n)."""
    result["batches"] += 1
    result["vectors"] += len(want)
    bad = np.flatnonzero((got != want).any(axis=1))
    result["mismatches"] += len(bad)
    for i in bad[: max(0, 10 - len(result["first_mismatches"]))]:
        result["first_mismatches"].append({"index": int(start + i), "expected": show(want[i]), "got": show(got[i])})


def load_module(name: str, env: str):
    """The project's driver or host module at ``$env``, imported under ``name`` as the board would run it (its own
    copies of the packing, not this checkout's)."""
    spec = importlib.util.spec_from_file_location(name, os.environ[env])
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def new_result(errors: str) -> dict:
    """A test's report before it runs: its counts, first mismatches and the bus's own ``errors`` list
    (``framing_errors`` of an AXI-Stream bench, ``protocol_errors`` of a memory-mapped one)."""
    return {"vectors": 0, "batches": 0, "mismatches": 0, "first_mismatches": [], errors: []}


def bus_layouts(doc: dict) -> tuple[axis.Layout, axis.Layout]:
    """The input and output bus layouts a project's wrapper JSON (axis.json, axil.json, kernel.json) records."""
    keys = ("n", "width", "signed", "word_bits")
    bus = doc["bus"]
    return axis.Layout(**{k: bus["input"][k] for k in keys}), axis.Layout(**{k: bus["output"][k] for k in keys})


def finish(report_dir: Path, name: str, result: dict, problems: list[str]) -> None:
    """Write the test's report, then fail it on mismatches or any of the bench's own ``problems``."""
    result["test"] = name
    report_dir.mkdir(parents=True, exist_ok=True)
    (report_dir / f"{name}.json").write_text(json.dumps(result, indent=1, sort_keys=True) + "\n")
    if result["mismatches"]:
        m = result["first_mismatches"][0] if result["first_mismatches"] else {}
        problems = [f"{result['mismatches']} mismatching samples; first {m}", *problems]
    assert not problems, "; ".join(problems)


def finish_mapped(report_dir: Path, name: str, result: dict) -> None:
    """:func:`finish` of a memory-mapped bench (AXI-Lite, m_axi): its protocol errors fail the test too."""
    errs = result["protocol_errors"]
    finish(report_dir, name, result, [f"{len(errs)} protocol errors; first: {errs[0]}"] if errs else [])


def finish_stream(b, name: str, result: dict) -> None:
    """:func:`finish` of an AXI-Stream bench ``b`` (its ``report_dir`` and ``sink``): framing problems fail it."""
    finish(b.report_dir, name, result, stream_problems(result, b.sink))


async def stream(b, cuts: list[tuple[int, int]], result: dict) -> None:
    """An AXI-Stream bench's transfers ``cuts`` (sample ranges) queued by ``b.send`` while ``b.receive`` collects
    and compares each result, concurrently."""

    async def sender() -> None:
        for start, stop in cuts:
            await b.send(start, stop)

    task = cocotb.start_soon(sender())
    for start, stop in cuts:
        await b.receive(start, stop, result)
    await task


def stream_problems(result: dict, sink) -> list[str]:
    """An AXI-Stream test's framing errors and the transfers left in ``sink`` that no input asked for
    (recorded in ``result`` as ``stale_outputs``)."""
    result["stale_outputs"] = sink.count()
    problems = []
    if result["framing_errors"]:
        problems.append(f"{len(result['framing_errors'])} framing errors; first: {result['framing_errors'][0]}")
    if result["stale_outputs"]:
        problems.append(f"{result['stale_outputs']} transfers nobody sent")
    return problems


def pause(channels, rng, p: float) -> None:
    """Random idle cycles (probability ``p`` a cycle) on each cocotbext-axi channel of ``channels``."""
    for ch in channels:
        ch.set_pause_generator(iter(lambda: rng.random() < p, None))


async def write_pointer(ctl, offset: int, value: int, bits: int = 64) -> None:
    """A pointer argument's register: its low word at ``offset``, the high one (64 bits) after it."""
    await ctl.write_dword(offset, value & 0xFFFFFFFF)
    if bits > 32:
        await ctl.write_dword(offset + 4, value >> 32)


async def ap_ctrl_hs_call(dut, ctl, regs: dict, timeout_ns: int) -> tuple[int, list[str]]:
    """One call of an ap_ctrl_hs block whose registers (``regs``: control, isr offsets) ``ctl`` reaches, with
    interrupts enabled: ap_start, then its ``interrupt``; (cycles from ap_start to it, what the registers did wrong:
    ap_done/ap_idle/ap_ready after it, their clear on read, the interrupt status and its toggle-on-write clear)."""
    problems = []
    t0 = cycle()
    await ctl.write_dword(regs["control"], 1)
    await with_timeout(RisingEdge(dut.interrupt), timeout_ns, "ns")
    cycles = cycle() - t0
    ctrl = await ctl.read_dword(regs["control"])
    if ctrl & 0x0F != 0x0E:  # ap_done, ap_idle, ap_ready; ap_start consumed
        problems.append(f"control reads 0x{ctrl:02x} after the interrupt, expected 0x0e")
    if await ctl.read_dword(regs["control"]) & 0x0A:
        problems.append("ap_done/ap_ready not cleared by reading the control register")
    isr = await ctl.read_dword(regs["isr"])
    if isr != 0x3:
        problems.append(f"interrupt status reads 0x{isr:x}, expected ap_done and ap_ready (0x3)")
    await ctl.write_dword(regs["isr"], isr)  # toggle on write: clears what was read
    if await ctl.read_dword(regs["isr"]) or dut.interrupt.value:
        problems.append("the interrupt status did not clear")
    return cycles, problems
