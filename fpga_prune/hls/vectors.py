"""Test vectors: which raw inputs, their expected outputs, and the one encoding of them as files.

Why one module: the generated project (``generate``), the RTL simulation
(``verify_rtl``/``sim/``), ``verify`` and the tests all read the same vector
files; one writer means one format.  Expected outputs and per-layer traces
always come from the bit-accurate model (``fpga_prune.arith.emulate``).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from fpga_prune.arith import emulate, fixed
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import FixedNetwork
from fpga_prune.data.candles import Candles
from fpga_prune.errors import InputError
from fpga_prune.model import features
from fpga_prune.outdir import json_text, write_tree
from fpga_prune.rtl.portmap import PortMap, default_port_map

if TYPE_CHECKING:  # the Keras bundle: importing it at run time would load TensorFlow
    from fpga_prune.hls.project import TopSignature
    from fpga_prune.model.training import Bundle


@dataclass(frozen=True, eq=False)
class VectorSet:
    """Test vectors: raw inputs, the bit-accurate model's raw outputs, and where each row came from.

    Rows ``[0, n_test)`` are the held-out test split in time order, then
    ``n_val`` validation rows (only when more vectors were asked for than the
    test split holds), then ``n_stress`` synthetic rows (corners and seeded
    random bit patterns over the whole input type, which exercise the
    saturation/wrap paths that real, clipped features rarely reach).
    """

    x_raw: np.ndarray
    expected_raw: np.ndarray
    x_model: np.ndarray  # float32 model inputs of the real rows (what Keras sees)
    y: np.ndarray  # labels of the real rows
    timestamp_ms: np.ndarray  # of the real rows
    n_test: int
    n_val: int
    n_stress: int

    @property
    def n(self) -> int:
        return int(self.x_raw.shape[0])

    @property
    def n_real(self) -> int:
        return self.n_test + self.n_val


def stress_inputs(network: FixedNetwork, n: int, seed: int) -> np.ndarray:
    """Corner and random raw inputs over the full input type (deterministic for a seed)."""
    t = network.input_type
    k = network.n_inputs
    corners = [
        np.zeros(k),
        np.full(k, t.raw_max),
        np.full(k, t.raw_min),
        np.where(np.arange(k) % 2 == 0, t.raw_max, t.raw_min),
        np.where(np.arange(k) % 2 == 0, t.raw_min, t.raw_max),
        np.full(k, 1),
        np.full(k, -1 if t.signed else 1),
    ]
    rows = np.asarray(corners[:n], dtype=np.int64).reshape(-1, k)
    rest = n - rows.shape[0]
    if rest > 0:
        rng = np.random.default_rng(seed)
        rnd = rng.integers(t.raw_min, t.raw_max, size=(rest, k), endpoint=True, dtype=np.int64)
        rows = np.concatenate([rows, rnd])
    return rows


def check_raw_range(x_raw: np.ndarray, t: FixedType, where: str) -> None:
    """Raw inputs ``t`` cannot hold are an error, never silently wrapped into a vector file (issue #10)."""
    x = np.asarray(x_raw, dtype=np.int64)
    bad = np.argwhere((x < t.raw_min) | (x > t.raw_max))
    if len(bad):
        r, c = (int(v) for v in bad[0])
        raise InputError(
            where,
            f"vector {r} input {c}",
            f"raw value {int(x[r, c])} is outside {t} [{t.raw_min}, {t.raw_max}] ({len(bad)} such values)",
        )


#: C integer types of a top's by-value scalar arguments -> (signed, bits) (``TopGlue``)
_C_INTS = {
    "bool": (False, 1),
    "char": (True, 8),
    "signed char": (True, 8),
    "unsigned char": (False, 8),
    "short": (True, 16),
    "unsigned short": (False, 16),
    "int": (True, 32),
    "unsigned": (False, 32),
    "unsigned int": (False, 32),
    "long": (True, 64),
    "unsigned long": (False, 64),
    "int8_t": (True, 8),
    "uint8_t": (False, 8),
    "int16_t": (True, 16),
    "uint16_t": (False, 16),
    "int32_t": (True, 32),
    "uint32_t": (False, 32),
}
#: at most this many bits of a scalar argument are drawn (see ``scalar_type``)
SCALAR_BITS = 16


def scalar_type(ctype: str, where: Path, name: str) -> FixedType:
    """The integer type a top's scalar argument of C type ``ctype`` is drawn over: its own signedness, at most
    ``SCALAR_BITS`` bits.

    Why not the whole ``int``: such arguments carry detector words (transverse momentum, eta, phi counts of a
    trigger's objects, a few to 16 bits), and the top's own code casts and shifts them into the network's input;
    uniform 32-bit values would wrap that cast on nearly every vector.  16 bits cover those words, reach the
    cast's saturation and wrap paths through the edge rows and the uniform third, and the sigma-1 third keeps
    small counts frequent (``drawn_inputs``)."""
    c = " ".join(ctype.replace("const ", "").split())
    m = re.fullmatch(r"ap_(u?)int<\s*(\d+)\s*>", c)
    if m:
        signed, bits = not m.group(1), int(m.group(2))
    elif c in _C_INTS:
        signed, bits = _C_INTS[c]
    else:
        raise InputError(where, f"argument {name}", f"scalar of C type {ctype!r}: only integer scalars are drawn")
    bits = min(bits, SCALAR_BITS)
    return FixedType(signed, bits, bits)


def drawn_arrays(arrays: list[tuple[FixedType, int]], n: int, seed: int) -> np.ndarray:
    """``n`` raw rows of several inputs side by side (a top with several input arrays), each drawn over its own
    type by ``drawn_inputs`` (array ``i`` with ``seed + i``)."""
    return np.concatenate([drawn_inputs(t, k, n, seed + i) for i, (t, k) in enumerate(arrays)], axis=1)


def drawn_inputs(t: FixedType, k: int, n: int, seed: int) -> np.ndarray:
    """``n`` raw input rows over type ``t`` for a project that brings no data (deterministic for a seed).

    Edge cases first (zero, all max, all min, alternating, one-hot max and min
    per input), then thirds: uniform over the full range (saturation and wrap
    paths), normal with sigma = range/8, and normal with sigma = 1.0 in real
    units (where standardized features live) -- the normal sets clipped to the
    type, so every value is one the type holds.
    """
    edge = [
        np.zeros(k),
        np.full(k, t.raw_max),
        np.full(k, t.raw_min),
        np.where(np.arange(k) % 2 == 0, t.raw_max, t.raw_min),
    ]
    for v in (t.raw_max, t.raw_min):
        for i in range(k):
            row = np.zeros(k)
            row[i] = v
            edge.append(row)
    rows = np.asarray(edge[:n], dtype=np.int64).reshape(-1, k)
    rest = n - len(rows)
    if rest <= 0:
        return rows
    rng = np.random.default_rng(seed)
    a = rest // 3
    b = (rest - a) // 2
    uni = rng.integers(t.raw_min, t.raw_max, size=(a, k), endpoint=True, dtype=np.int64)
    span = float(t.raw_max) - float(t.raw_min)
    wide = np.rint(rng.normal(0.0, span / 8, size=(b, k)))
    unit = np.rint(rng.normal(0.0, 2.0**t.frac, size=(rest - a - b, k)))
    normal = np.clip(np.concatenate([wide, unit]), t.raw_min, t.raw_max).astype(np.int64)
    return np.concatenate([rows, uni, normal])


def build_vectors(
    network: FixedNetwork, bundle: Bundle, candles: Candles, n: int, stress: int, seed: int = 0
) -> VectorSet:
    """``n`` vectors from the held-out rows of ``candles`` (+ ``stress`` synthetic ones), with expected outputs."""
    spec = bundle.spec
    ds = features.build(candles, spec)
    _, va, te = features.split_bounds(len(ds), spec)
    test, val = ds.take(te), ds.take(va)
    n_test = min(n, len(test))
    n_val = min(n - n_test, len(val))
    n_stress = stress + (n - n_test - n_val)
    real = [test.take(slice(0, n_test))]
    if n_val:
        real.append(val.take(slice(0, n_val)))
    x_model = np.concatenate([bundle.scaler.transform(p.X) for p in real]).astype(np.float32)
    y = np.concatenate([p.y for p in real])
    ts = np.concatenate([p.timestamp_ms for p in real])
    parts = [emulate.quantize_inputs(network, x_model)]
    if n_stress:
        parts.append(stress_inputs(network, n_stress, seed))
    x_raw = np.concatenate(parts).astype(np.int64)
    expected = np.asarray(emulate.predict_raw(network, x_raw), dtype=np.int64)
    return VectorSet(x_raw, expected, x_model, y, ts, n_test, n_val, n_stress)


def _rows_text(a: np.ndarray, fmt: Callable[[Any], str], trailing: str = "") -> str:
    return "".join(" ".join(fmt(v) for v in row) + trailing + "\n" for row in a.tolist())


def vector_files(network: FixedNetwork, vs: VectorSet, ports: PortMap | None = None) -> dict[str, str]:
    """hls4ml's ``tb_data/`` (floats), our raw-integer files, and the cocotb hex set."""
    x_val = fixed.to_float(vs.x_raw, network.input_type)
    y_val = fixed.to_float(vs.expected_raw, network.output_type)
    files = {
        # hls4ml's format: space-separated floats, one vector per line (exact values, repr round-trips).
        "tb_data/tb_input_features.dat": _rows_text(x_val, repr, " "),
        "tb_data/tb_output_predictions.dat": _rows_text(y_val, repr, " "),
        "tb_data/inputs_raw.dat": _rows_text(vs.x_raw, str),
        "tb_data/expected_raw.dat": _rows_text(vs.expected_raw, str),
    }
    trace = emulate.trace(network, vs.x_raw)
    for name, text in write_vectors(network, vs.x_raw, vs.expected_raw, ports=ports, trace=trace).items():
        files[f"vectors/{name}"] = text
    return files


def write_vectors(
    network: FixedNetwork,
    x_raw: np.ndarray,
    expected_raw: np.ndarray,
    ports: PortMap | None = None,
    trace: list[np.ndarray] | None = None,
) -> dict[str, str]:
    """The cocotb vector set: ``vectors.json`` (meta) + ``inputs.hex`` + ``expected.hex``.

    One line per vector.  ``inputs.hex``: the packed input bus (element 0 in
    the LSBs), exactly what is driven on the input port.  ``expected.hex``:
    one two's-complement field per output, space separated.  With ``trace``
    (one raw array per layer from the bit-accurate model) ``trace_<k>.hex``
    lets the testbench name the first layer that diverges.
    """
    x_raw = np.asarray(x_raw, dtype=np.int64)
    expected_raw = np.asarray(expected_raw, dtype=np.int64)
    if x_raw.ndim != 2 or x_raw.shape[1] != network.n_inputs:
        raise ValueError(f"x_raw must be (n, {network.n_inputs}), got {x_raw.shape}")
    if expected_raw.shape != (x_raw.shape[0], network.n_outputs):
        raise ValueError(f"expected_raw must be ({x_raw.shape[0]}, {network.n_outputs}), got {expected_raw.shape}")
    ports = ports or default_port_map(network)
    check_raw_range(x_raw, network.input_type, "vectors")
    files = hex_files(x_raw, expected_raw, network.input_type.width, [network.output_type.width] * network.n_outputs)
    traces = []
    if trace is not None:
        for k, (layer, arr) in enumerate(zip(network.layers, trace, strict=True)):
            rw = layer.result_type.width
            arr = np.asarray(arr, dtype=np.int64)
            files[f"trace_{k + 1}.hex"] = (
                "\n".join(" ".join(f"{int(v) & ((1 << rw) - 1):x}" for v in row) for row in arr) + "\n"
            )
            traces.append(
                {"index": k + 1, "layer": layer.name, "file": f"trace_{k + 1}.hex", "type": str(layer.result_type)}
            )
    meta = {
        "format": "fpga_prune.vectors/1",
        "network": network.name,
        "count": int(x_raw.shape[0]),
        "n_inputs": network.n_inputs,
        "n_outputs": network.n_outputs,
        "input_type": str(network.input_type),
        "output_type": str(network.output_type),
        "input_frac": network.input_type.frac,
        "output_frac": network.output_type.frac,
        "ports": json.loads(ports.to_json()),
        "files": {"inputs": "inputs.hex", "expected": "expected.hex"},
        "traces": traces,
    }
    files["vectors.json"] = json_text(meta, indent=1)
    return files


def hex_files(x_raw: np.ndarray, expected_raw: np.ndarray, iw: int | list[int], ows: list[int]) -> dict[str, str]:
    """``inputs.hex`` (the packed input bus, element 0 in the LSBs; ``iw`` the width of every element, or of each
    when input arrays differ in type) and ``expected.hex`` (a field per output)."""
    in_lines = []
    for row in np.asarray(x_raw).tolist():
        ws = [iw] * len(row) if isinstance(iw, int) else iw
        bus, lo = 0, 0
        for v, w in zip(row, ws, strict=True):
            bus |= (int(v) & ((1 << w) - 1)) << lo
            lo += w
        in_lines.append(f"{bus:0{(lo + 3) // 4}x}")
    exp_lines = [
        " ".join(f"{int(v) & ((1 << w) - 1):0{(w + 3) // 4}x}" for v, w in zip(row, ows, strict=True))
        for row in np.asarray(expected_raw).tolist()
    ]
    return {"inputs.hex": "\n".join(in_lines) + "\n", "expected.hex": "\n".join(exp_lines) + "\n"}


def write_vector_dir(
    network: FixedNetwork, x_raw: np.ndarray, out_dir: str | Path, ports: PortMap | None = None
) -> Path:
    """The cocotb vector set for ``x_raw`` (expected outputs and per-layer traces from ``emulate``), on disk."""
    x_raw = np.asarray(x_raw, dtype=np.int64)
    tr = emulate.trace(network, x_raw)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    write_tree(out, write_vectors(network, x_raw, tr[-1], ports=ports, trace=tr))
    return out


def top_vector_files(sig: TopSignature, x_raw: np.ndarray, expected_raw: np.ndarray, ports: PortMap) -> dict[str, str]:
    """The cocotb vector set for an hls4ml project's top (any output arrays), expected from its C simulation.

    ``vectors.json`` records the top function's arrays (``input_array``,
    ``output_arrays``) and its other arguments (``scalar_args``) so the RTL's ports can be read from its Verilog.
    """
    x_raw = np.asarray(x_raw, dtype=np.int64)
    if sig.glue is not None:
        raise InputError(sig.header, sig.top, "RTL vectors of a top with scalar arguments")
    off = 0
    for a in sig.inputs:
        check_raw_range(x_raw[:, off : off + a.size], a.type, f"vectors for {sig.top} ({a.name})")
        off += a.size
    outs = [a for a in sig.outputs for _ in range(a.size)]
    iws = [a.type.width for a in sig.inputs for _ in range(a.size)]
    files = hex_files(
        x_raw, expected_raw, iws if sig.extra_inputs else sig.input.type.width, [a.type.width for a in outs]
    )
    arr = lambda a: {  # noqa: E731
        "name": a.name,
        "size": a.size,
        "width": a.type.width,
        "signed": a.type.signed,
        **({"stream": True} if a.stream else {}),
    }
    meta = {
        "format": "fpga_prune.vectors/1",
        "network": sig.top,
        "top": sig.top,
        "count": int(x_raw.shape[0]),
        "n_inputs": sig.input.size,
        "n_outputs": sig.n_outputs,
        "input_type": str(sig.input.type),
        "output_type": str(sig.outputs[0].type),
        "input_frac": sig.input.type.frac,
        "output_frac": sig.outputs[0].type.frac,
        "output_fracs": [a.type.frac for a in outs],
        "input_array": arr(sig.input),
        **({"extra_input_arrays": [arr(a) for a in sig.extra_inputs]} if sig.extra_inputs else {}),
        **({"input_fracs": [a.type.frac for a in sig.inputs for _ in range(a.size)]} if sig.extra_inputs else {}),
        "output_arrays": [arr(a) for a in sig.outputs],
        "scalar_args": [name for name, _ctype in sig.scalar_types],  # hls4ml 0.x const_size_*: not data ports
        "ports": json.loads(ports.to_json()),
        "files": {"inputs": "inputs.hex", "expected": "expected.hex"},
        "traces": [],
    }
    files["vectors.json"] = json_text(meta, indent=1)
    return files
