"""cocotb testbench for a network top with Vitis HLS io_parallel ports (ap_ctrl_hs + ap_vld).

Why one generic bench: the same checks must hold for the RTL fpga_prune
renders and for RTL a user exports from Vitis HLS.  Port names and widths come
from a port map (``fpga_prune.ports/1`` JSON), never from the RTL itself.

Configuration (environment, set by ``fpga_prune.verify_rtl.run_tests``):
  FPGA_PRUNE_VECTORS    vectors.json (meta) next to inputs.hex / expected.hex
  FPGA_PRUNE_PORTS      port map JSON (default: the one inside vectors.json)
  FPGA_PRUNE_REPORT_DIR one ``<test>.json`` report per test goes here
  FPGA_PRUNE_NVEC       use only the first N vectors (default: all)
  FPGA_PRUNE_NAUX       vectors for the idle-gap and reset tests (default 400)
  FPGA_PRUNE_SEED       seed of the random gaps (default 1)
  FPGA_PRUNE_MAX_REPORT mismatches reported in detail (default 10)

Timing discipline: inputs are driven and outputs sampled at the falling edge,
so every value read is settled.  ``ap_ready`` is read before the next drive and
says whether the value presented during the last rising edge was taken; a
vector is held until it is taken, so stalling DUTs are handled.
"""

from __future__ import annotations

import json
import os
import random
from collections import deque
from pathlib import Path

import cocotb
from cocotb.clock import Clock
from cocotb.triggers import FallingEdge

# ----------------------------------------------------------------------------- setup


def _uint(v) -> int | None:
    """Value of a Logic (1-bit port) or LogicArray as an unsigned int; None if X/Z."""
    if not v.is_resolvable:
        return None
    return v.to_unsigned() if hasattr(v, "to_unsigned") else int(v)


class Bench:
    """Vectors, ports and the handles of one DUT."""

    def __init__(self, dut) -> None:
        vec_path = Path(os.environ["FPGA_PRUNE_VECTORS"])
        self.meta = json.loads(vec_path.read_text())
        ports_path = os.environ.get("FPGA_PRUNE_PORTS")
        self.ports = json.loads(Path(ports_path).read_text()) if ports_path else self.meta["ports"]
        root = vec_path.parent
        self.inputs = [int(line, 16) for line in (root / self.meta["files"]["inputs"]).read_text().split()]
        self.n_out = int(self.meta["n_outputs"])
        exp_lines = (root / self.meta["files"]["expected"]).read_text().splitlines()
        self.ow = int(self.ports["output_width"])
        self.expected = [tuple(self._signed(int(f, 16), self.ow, self.ports["output_signed"])
                               for f in line.split()) for line in exp_lines if line.strip()]
        nvec = os.environ.get("FPGA_PRUNE_NVEC")
        if nvec:
            self.inputs = self.inputs[: int(nvec)]
            self.expected = self.expected[: int(nvec)]
        if len(self.inputs) != len(self.expected):
            raise ValueError(f"{vec_path}: {len(self.inputs)} inputs but {len(self.expected)} expected rows")
        self.traces = {}
        for tr in self.meta.get("traces", []):
            self.traces[int(tr["index"])] = (tr, [
                [int(f, 16) for f in line.split()]
                for line in (root / tr["file"]).read_text().splitlines()])
        self.iw = int(self.ports["input_elem_width"])
        self.n_in = int(self.ports["n_inputs"])
        self.in_frac = int(self.meta["input_frac"])
        self.out_frac = int(self.meta["output_frac"])
        self.max_report = int(os.environ.get("FPGA_PRUNE_MAX_REPORT", "10"))
        self.seed = int(os.environ.get("FPGA_PRUNE_SEED", "1"))
        self.n_aux = int(os.environ.get("FPGA_PRUNE_NAUX", "400"))
        self.report_dir = Path(os.environ.get("FPGA_PRUNE_REPORT_DIR", "."))

        p = self.ports
        self.dut = dut
        self.clk = self._h(p["clock"])
        self.rst = self._h(p["reset"])
        self.start = self._h(p["start"])
        self.ready = self._h(p["ready"])
        self.done = self._h(p["done"])
        self.idle = self._h(p["idle"])
        self.din = self._h(p["input"])
        self.din_vld = self._h(p["input_vld"])
        self.outs = [self._h(n) for n in p["outputs"]]
        self.out_vlds = [self._h(n) for n in p["output_vlds"]]
        if len(self.outs) != self.n_out:
            raise ValueError(f"port map has {len(self.outs)} outputs, vectors have {self.n_out}")
        self.cycle = 0

    def _h(self, name: str):
        try:
            return getattr(self.dut, name)
        except AttributeError:
            raise AttributeError(f"DUT {self.ports['top']} has no port {name!r} (port map / --ports)") from None

    @staticmethod
    def _signed(v: int, width: int, signed: bool) -> int:
        if signed and v >> (width - 1):
            v -= 1 << width
        return v

    def unpack_input(self, bus: int) -> list[int]:
        m = (1 << self.iw) - 1
        return [self._signed((bus >> (k * self.iw)) & m, self.iw, self.ports["input_signed"])
                for k in range(self.n_in)]

    async def tick(self) -> None:
        await FallingEdge(self.clk)
        self.cycle += 1

    def read_outputs(self) -> tuple[int, ...] | None:
        if _uint(self.out_vlds[0].value) != 1:
            return None
        got = []
        for h, vh in zip(self.outs, self.out_vlds):
            if vh is not self.out_vlds[0] and _uint(vh.value) != 1:
                raise AssertionError(f"cycle {self.cycle}: output valids disagree")
            val = _uint(h.value)
            got.append(None if val is None else self._signed(val, self.ow, self.ports["output_signed"]))
        return tuple(got)

    def taken(self) -> bool:
        return _uint(self.ready.value) == 1

    def drive(self, bus: int | None, vld: bool = True) -> None:
        if bus is None:
            self.start.value = 0
            self.din_vld.value = 0
        else:
            self.din.value = bus
            self.start.value = 1
            self.din_vld.value = 1 if vld else 0

    async def reset(self, cycles: int = 3) -> None:
        self.rst.value = 1
        self.drive(None)
        self.din.value = 0
        for _ in range(cycles):
            await self.tick()
        self.rst.value = 0
        await self.tick()


# ----------------------------------------------------------------------------- streaming


class Stream:
    """Drive ``order`` (vector indices) through the DUT and collect results in order."""

    def __init__(self, b: Bench, order: list[int], rng: random.Random, gap_prob: float = 0.0,
                 vld_drop_prob: float = 0.0, reset_after: int | None = None) -> None:
        self.b, self.order, self.rng = b, order, rng
        self.gap_prob, self.vld_drop_prob, self.reset_after = gap_prob, vld_drop_prob, reset_after
        self.results: list[tuple[int, tuple, int, int]] = []  # (idx, got, accept cycle, out cycle)
        self.stale: list[int] = []  # cycles of outputs that matched no pending input
        self.accept_cycles: list[int] = []
        self.dropped_by_reset: list[int] = []
        self.reset_cycle: int | None = None

    async def run(self, timeout_idle: int = 2000) -> None:
        b = self.b
        pending: deque[tuple[int, int]] = deque()
        pos = 0
        presented: int | None = None  # index into order presented with start & vld
        last_progress = b.cycle
        flushing_with_dummies = False
        accepted = 0
        while True:
            await b.tick()
            if presented is not None and b.taken():
                # ap_ready was high in the previous cycle (read now, still settled)
                pending.append((self.order[presented], b.cycle - 1))
                self.accept_cycles.append(b.cycle - 1)
                pos = presented + 1
                accepted += 1
                last_progress = b.cycle
            elif flushing_with_dummies and b.taken():
                pending.append((-1, b.cycle))  # a dummy: its output is discarded
            presented = None
            got = b.read_outputs()
            if got is not None:
                if pending:
                    idx, acc = pending.popleft()
                    if idx >= 0:
                        self.results.append((idx, got, acc, b.cycle))
                    last_progress = b.cycle
                else:
                    self.stale.append(b.cycle)
            if self.reset_after is not None and self.reset_cycle is None and accepted >= self.reset_after:
                self.reset_cycle = b.cycle
                # Everything accepted but not yet delivered is lost: re-drive it.
                lost = [idx for idx, _ in pending if idx >= 0]
                self.dropped_by_reset.extend(lost)
                if lost:
                    pos = self.order.index(lost[0])
                pending.clear()
                await b.reset(2)
                continue
            if pos < len(self.order):
                if self.gap_prob and self.rng.random() < self.gap_prob:
                    b.drive(None)
                else:
                    drop = bool(self.vld_drop_prob) and self.rng.random() < self.vld_drop_prob
                    b.drive(b.inputs[self.order[pos]], vld=not drop)
                    if not drop:
                        presented = pos
                continue
            if not pending:
                b.drive(None)
                break
            # All inputs taken: let a flushable pipeline drain; a stalling one
            # (Vitis "stp") only advances on new inputs, so feed dummies.
            if not flushing_with_dummies and b.cycle - last_progress > 64:
                flushing_with_dummies = True
            if flushing_with_dummies:
                b.drive(b.inputs[self.order[-1]])
            else:
                b.drive(None)
            if b.cycle - last_progress > timeout_idle:
                raise AssertionError(f"timeout: {len(pending)} outputs never arrived "
                                     f"(first pending vector {pending[0][0]})")
        b.drive(None)


# ----------------------------------------------------------------------------- checking


def _real(raw: int | None, frac: int) -> float | None:
    return None if raw is None else raw * 2.0 ** -frac


async def _probe_layers(b: Bench, idx: int) -> dict | None:
    """Re-run vector ``idx`` alone and compare each layer's probe with the model's trace.

    Only for our generated RTL (probes in the port map) and vectors with traces.
    """
    probes = b.ports.get("probes") or []
    if not probes or not b.traces:
        return None
    await b.reset(2)
    b.drive(b.inputs[idx])
    await b.tick()
    if not b.taken():
        return {"error": "DUT did not take the probe vector"}
    b.drive(None)
    t0 = b.cycle
    snapshots: dict[int, dict[int, int]] = {}
    for _ in range(max(p["latency"] for p in probes) + 1):
        for p in probes:
            if b.cycle - t0 == p["latency"] - 1:
                # registered at edge t0+latency-1 -> visible at the falling edge after it
                vals = {}
                for j, sig in p["signals"].items():
                    v = _uint(getattr(b.dut, sig).value)
                    vals[int(j)] = None if v is None else Bench._signed(v, p["width"], p["signed"])
                snapshots[p["index"]] = vals
        await b.tick()
    for p in probes:
        k = p["index"]
        if k not in b.traces or k not in snapshots:
            continue
        tr, rows = b.traces[k]
        exp_row = [Bench._signed(v, p["width"], p["signed"]) for v in rows[idx]]
        diffs = {j: (exp_row[j], got) for j, got in snapshots[k].items() if exp_row[j] != got}
        if diffs:
            j0 = min(diffs)
            return {"index": k, "layer": p["layer"], "neurons": sorted(diffs),
                    "neuron": j0, "expected": diffs[j0][0], "got": diffs[j0][1]}
    return {"index": None, "layer": None, "note": "all probed layers match the model"}


async def check_and_report(b: Bench, name: str, s: Stream, extra: dict | None = None) -> None:
    mismatches = []
    for idx, got, acc, out in s.results:
        exp = b.expected[idx]
        if tuple(got) != tuple(exp):
            mismatches.append((idx, got, acc, out))
    seen = {idx for idx, *_ in s.results}
    missing = [i for i in s.order if i not in seen]
    details = []
    for idx, got, _acc, _out in mismatches[: b.max_report]:
        x = b.unpack_input(b.inputs[idx])
        details.append({
            "index": idx, "input": x, "input_real": [_real(v, b.in_frac) for v in x],
            "expected": list(b.expected[idx]), "got": list(got),
            "expected_real": [_real(v, b.out_frac) for v in b.expected[idx]],
            "got_real": [_real(v, b.out_frac) for v in got],
        })
    for d in details[:3]:
        d["first_bad_layer"] = await _probe_layers(b, d["index"])
    lat = [out - acc for _idx, _got, acc, out in s.results]
    acc = s.accept_cycles
    report = {
        "test": name, "vectors": len(s.order), "checked": len(s.results),
        "mismatches": len(mismatches), "missing": len(missing), "stale_outputs": len(s.stale),
        "first_mismatches": details,
        "latency_cycles": max(lat) if lat else None, "latency_min": min(lat) if lat else None,
        "ii": ((acc[-1] - acc[0]) / (len(acc) - 1)) if len(acc) > 1 else None,
        "cycles": b.cycle, **(extra or {}),
    }
    b.report_dir.mkdir(parents=True, exist_ok=True)
    (b.report_dir / f"{name}.json").write_text(json.dumps(report, indent=1, sort_keys=True) + "\n")
    problems = []
    if mismatches:
        d = details[0]
        problems.append(f"{len(mismatches)} mismatches; first: vector {d['index']} input={d['input']} "
                        f"expected={d['expected']} ({d['expected_real']}) got={d['got']} ({d['got_real']})")
    if missing:
        problems.append(f"{len(missing)} vectors produced no output (first {missing[0]})")
    if s.stale:
        problems.append(f"{len(s.stale)} outputs with no pending input (first at cycle {s.stale[0]})")
    assert not problems, "; ".join(problems)


async def _setup(dut) -> Bench:
    b = Bench(dut)
    Clock(b.clk, 10, unit="ns").start()
    b.drive(None)
    b.din.value = 0
    await b.reset(3)
    return b


# ----------------------------------------------------------------------------- tests


@cocotb.test()
async def back_to_back(dut) -> None:
    """One vector per cycle, all vectors; measures latency and II."""
    b = await _setup(dut)
    idle_ok = _uint(b.idle.value) == 1
    s = Stream(b, list(range(len(b.inputs))), random.Random(b.seed))
    await s.run()
    await check_and_report(b, "back_to_back", s, {"idle_after_reset": idle_ok})
    assert idle_ok, "ap_idle was not high after reset with ap_start low"


@cocotb.test()
async def idle_gaps(dut) -> None:
    """Random idle cycles (ap_start low) and dropped input_ap_vld in the stream."""
    b = await _setup(dut)
    rng = random.Random(b.seed + 1)
    n = min(b.n_aux, len(b.inputs))
    order = rng.sample(range(len(b.inputs)), n)
    s = Stream(b, order, rng, gap_prob=0.35, vld_drop_prob=0.1)
    await s.run()
    await check_and_report(b, "idle_gaps", s)


@cocotb.test()
async def reset_mid_stream(dut) -> None:
    """ap_rst while results are in flight: nothing stale after it, all correct again."""
    b = await _setup(dut)
    rng = random.Random(b.seed + 2)
    n = min(b.n_aux, len(b.inputs))
    order = list(range(n))
    s = Stream(b, order, rng, gap_prob=0.1, reset_after=max(1, n // 2))
    await s.run()
    await check_and_report(b, "reset_mid_stream", s,
                           {"reset_cycle": s.reset_cycle, "dropped_by_reset": len(s.dropped_by_reset)})
    assert s.reset_cycle is not None, "the reset was never applied"
