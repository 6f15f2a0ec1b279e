"""cocotb testbench of the AXI-Lite top (``rtl.axil``) around our RTL of the network.

Why cocotbext-axi: its AxiLiteMaster is the host (the PS writing and reading the IP's registers), an independent
reading of AXI-Lite, with pause generators on all five channels.  A sample goes in as the register writes of its
words, ap_start, polls of ap_done and reads of its result words; the words are packed and unpacked by
``fpga_prune.arith.axis`` -- the code the PYNQ driver and the C simulation's word files use; the register map
is the project's ``axil.json`` (``fpga_prune.arith.axil``).

Configuration (environment, set by ``fpga_prune.rtl.simulate.run_tests``):
  FPGA_PRUNE_AXIL        the project's axil.json (word format, register map)
  FPGA_PRUNE_RAW         directory with inputs_raw.dat / expected_raw.dat (raw integers, one sample a row)
  FPGA_PRUNE_REPORT_DIR  one ``<test>.json`` report per test goes here
  FPGA_PRUNE_NVEC        vectors of the sample test (default: all)
  FPGA_PRUNE_NAUX        vectors of the pause test (default 240)
  FPGA_PRUNE_SEED        seed of the pauses (default 1)
  FPGA_PRUNE_DRIVER      the project's PYNQ driver (driver/<top>_axil_driver.py) for the axil_driver test
"""

from __future__ import annotations

import json
import os
import random
from pathlib import Path

import bus_bench
import cocotb
import numpy as np
from cocotb.triggers import ClockCycles
from cocotbext.axi import AxiLiteBus, AxiLiteMaster

from fpga_prune.arith import axis

#: polls of the control register before a sample counts as lost
MAX_POLLS = 200


class AxilBench:
    def __init__(self, dut) -> None:
        doc = json.loads(Path(os.environ["FPGA_PRUNE_AXIL"]).read_text())
        self.fin, self.fout = bus_bench.bus_layouts(doc)
        self.regs = doc["registers"]
        self.x_offsets, self.y_offsets = doc["input_offsets"], doc["output_offsets"]
        self.start, self.done = doc["control_bits"]["ap_start"], doc["control_bits"]["ap_done"]
        v = bus_bench.load_vectors("inputs_raw.dat", "expected_raw.dat", np.int64, default_aux=240)
        self.x, self.y, self.n, self.n_aux, self.seed, self.report_dir = v.x, v.y, v.n, v.n_aux, v.seed, v.report_dir
        self.dut = dut
        bus_bench.start_clock(dut)
        self.ctl = AxiLiteMaster(AxiLiteBus.from_prefix(dut, "s_axi_control"), dut.ap_clk, dut.ap_rst_n, False)

    async def reset(self, cycles: int = 3) -> None:
        await bus_bench.reset(self.dut, cycles)

    cycle = staticmethod(bus_bench.cycle)

    def pauses(self, rng: random.Random, p: float) -> None:
        """Random idle cycles on all five channels: address, data and responses offered and taken late."""
        w, r = self.ctl.write_if, self.ctl.read_if
        for ch in (w.aw_channel, w.w_channel, w.b_channel, r.ar_channel, r.r_channel):
            ch.set_pause_generator(iter(lambda: rng.random() < p, None))

    def writes(self, i: int) -> list[tuple[int, int]]:
        """The register writes of sample ``i``'s input words."""
        return list(zip(self.x_offsets, axis.words(axis.pack(self.x[i : i + 1], self.fin), self.fin), strict=True))

    async def run(
        self,
        writes: list[tuple[int, int]],
        control: int | None = None,
        start: int | None = None,
        done: int | None = None,
        y_offsets: list[int] | None = None,
    ) -> tuple[list[int], int, list[str]]:
        """One sample as a host runs it (the driver's constants when given): (result words, polls, problems)."""
        control = self.regs["control"] if control is None else control
        problems = []
        for offset, value in writes:
            await self.ctl.write_dword(offset, value)
        await self.ctl.write_dword(control, self.start if start is None else start)
        polls = 0
        while True:
            ctrl = await self.ctl.read_dword(control)
            polls += 1
            if ctrl & (self.done if done is None else done):
                break
            if polls >= MAX_POLLS:
                problems.append(f"no ap_done after {polls} polls (control 0x{ctrl:02x})")
                break
        if ctrl & 0x0F != 0x0E and not problems:  # ap_done, ap_idle, ap_ready; ap_start consumed
            problems.append(f"control reads 0x{ctrl:02x} at ap_done, expected 0x0e")
        words = [await self.ctl.read_dword(o) for o in (self.y_offsets if y_offsets is None else y_offsets)]
        return words, polls, problems

    def compare(self, words: list[int], i: int, result: dict) -> None:
        data = b"".join(w.to_bytes(4, "little") for w in words)
        bus_bench.compare(result, i, axis.unpack(data, self.fout), self.y[i : i + 1])


async def _interrupt_and_clear_on_read(b: AxilBench, result: dict) -> None:
    """Sample 0 with the interrupt enabled: ap_done raises it and sets both ISR bits, reading the control register
    clears ap_done and ap_ready, writing ISR toggles them off."""
    await b.ctl.write_dword(b.regs["gie"], 1)
    await b.ctl.write_dword(b.regs["ier"], 1)
    words, _, problems = await b.run(b.writes(0))
    b.compare(words, 0, result)
    if await b.ctl.read_dword(b.regs["control"]) & 0x0A:
        problems.append("ap_done/ap_ready not cleared by reading the control register")
    isr = await b.ctl.read_dword(b.regs["isr"])
    if isr != 0x3 or not b.dut.interrupt.value:
        problems.append(f"interrupt {b.dut.interrupt.value}, status 0x{isr:x} after ap_done; expected 1 and 0x3")
    await b.ctl.write_dword(b.regs["isr"], isr)
    if await b.ctl.read_dword(b.regs["isr"]) or b.dut.interrupt.value:
        problems.append("the interrupt status did not clear")
    await b.ctl.write_dword(b.regs["gie"], 0)
    result["protocol_errors"] += problems


@cocotb.test()
async def axil_samples(dut) -> None:
    """Samples one after another, as the driver runs them: cycles and polls per sample."""
    b = AxilBench(dut)
    await b.reset()
    result = bus_bench.new_result("protocol_errors")
    t0 = b.cycle()
    await _interrupt_and_clear_on_read(b, result)
    first = b.cycle() - t0
    t0, polls = b.cycle(), 0
    for i in range(1, b.n):
        words, p, problems = await b.run(b.writes(i))
        result["protocol_errors"] += problems
        b.compare(words, i, result)
        polls += p
    cycles = b.cycle() - t0
    result["cycles_per_batch"] = {"1": first}
    result["cycles"] = cycles
    result["cycles_per_sample"] = round(cycles / (b.n - 1), 2) if b.n > 1 else None
    result["polls_per_sample"] = round(polls / (b.n - 1), 2) if b.n > 1 else None
    result["samples_per_cycle"] = round((b.n - 1) / cycles, 4) if cycles else None
    result["beats_per_sample"] = b.fin.words_per_sample + b.fout.words_per_sample
    bus_bench.finish_mapped(b.report_dir, "axil_samples", result)


@cocotb.test()
async def axil_pauses(dut) -> None:
    """Random idle cycles on all five AXI-Lite channels (35 % of cycles): the same results."""
    b = AxilBench(dut)
    rng = random.Random(b.seed)
    b.pauses(rng, 0.35)
    await b.reset()
    n = min(b.n_aux, b.n)
    result = bus_bench.new_result("protocol_errors")
    t0 = b.cycle()
    for i in range(n):
        words, _, problems = await b.run(b.writes(i))
        result["protocol_errors"] += problems
        b.compare(words, i, result)
    result["cycles"] = b.cycle() - t0
    bus_bench.finish_mapped(b.report_dir, "axil_pauses", result)


@cocotb.test()
async def axil_reset_mid_run(dut) -> None:
    """ap_rst_n low while a sample is in the network: idle, registers cleared, no interrupt, the next samples whole."""
    b = AxilBench(dut)
    await b.reset()
    await b.ctl.write_dword(b.regs["gie"], 1)
    await b.ctl.write_dword(b.regs["ier"], 1)
    for offset, value in b.writes(0):
        await b.ctl.write_dword(offset, value)
    await b.ctl.write_dword(b.regs["control"], b.start)
    await ClockCycles(dut.ap_clk, 2)  # the sample is in the network's pipeline
    mid = b.cycle()
    await b.reset(2)
    result = bus_bench.new_result("protocol_errors")
    ctrl = await b.ctl.read_dword(b.regs["control"])
    if ctrl & 0x0F != 0x04:
        result["protocol_errors"].append(f"control reads 0x{ctrl:02x} after the reset, expected idle (0x04)")
    leftovers = [await b.ctl.read_dword(o) for o in (*b.x_offsets, *b.y_offsets, b.regs["gie"], b.regs["isr"])]
    await ClockCycles(dut.ap_clk, 16)  # the interrupted sample would have come out by now
    if any(leftovers) or b.dut.interrupt.value or await b.ctl.read_dword(b.regs["control"]) & 0x0A:
        result["protocol_errors"].append(f"registers not cleared by the reset: {leftovers}")
    n = min(40, b.n)
    for i in range(n):
        words, _, problems = await b.run(b.writes(i))
        result["protocol_errors"] += problems
        b.compare(words, i, result)
    result["reset_cycle"] = mid
    bus_bench.finish_mapped(b.report_dir, "axil_reset_mid_run", result)


@cocotb.test()
async def axil_driver(dut) -> None:
    """The PYNQ driver's register writes (floats and raw) and its unpacking against the simulated top: the writes
    it would make go in, the words it would read come out."""
    b = AxilBench(dut)
    drv = bus_bench.load_module("axil_driver_under_test", "FPGA_PRUNE_DRIVER")
    await b.reset()
    n = min(120, b.n)
    result = bus_bench.new_result("protocol_errors")
    result["float_mismatches"] = 0
    x = b.x[:n]
    assert drv.encode_float(drv.fixed.to_float(x, drv.INPUT_TYPE)) == drv.encode(x), "encode_float(to_float(x))"
    for i in range(n):
        writes = drv.input_writes(x[i])
        words, _, problems = await b.run(writes, drv.CONTROL, drv.AP_START, drv.AP_DONE, list(drv.Y_OFFSETS))
        result["protocol_errors"] += problems
        got, want = drv.decode_words(words), b.y[i]
        result["batches"] += 1
        result["vectors"] += 1
        if (got != want).any():
            result["mismatches"] += 1
            if len(result["first_mismatches"]) < 10:
                result["first_mismatches"].append({"index": i, "expected": want.tolist(), "got": got.tolist()})
        fl = drv.decode_float(words)
        result["float_mismatches"] += int((fl != drv.fixed.to_float(want, drv.OUTPUT_TYPE)).any())
    result["mismatches"] += result["float_mismatches"]
    bus_bench.finish_mapped(b.report_dir, "axil_driver", result)
