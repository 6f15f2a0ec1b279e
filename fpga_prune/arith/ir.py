"""The fixed-point network: the one description of the hardware every back end shares.

Why an IR of our own: the bit-accurate numpy model (``emulate``), the Verilog
rendering (``rtl``), the test vectors and the cocotb testbench must describe
exactly the same arithmetic.  It is built once from hls4ml's *converted* model
graph (every resolved precision, 'auto' types included) by
``fpga_prune.hls.adapter`` and saved as ``network.json`` in the generated
project, so ``verify`` needs neither Keras nor hls4ml to reload it.

All numbers are raw integers of their ``FixedType`` (value = raw * 2**-frac).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from typing import Literal, NotRequired, TypedDict, cast, get_args

import numpy as np
import numpy.typing as npt

from fpga_prune.arith.fixed import FixedType
from fpga_prune.outdir import json_text

#: ``distributed_arithmetic`` is hls4ml's spelling: each constant matrix-vector product becomes an
#: adder graph (da4ml), summed exactly and then cast to the result type (see ``exact_sum_type``).
Strategy = Literal["latency", "resource", "distributed_arithmetic"]
#: ``quantizer`` is HGQ's heterogeneous ``FixedPointQuantizer`` as hls4ml writes it for io_parallel: a cast of
#: every element to its own type (``ActivationLayer.element_types``), then to the layer's result type.
#: ``unary_lut`` is HGQ's ``UnaryLUT`` (any element-wise function as a table indexed by the input's raw bits).
ActivationKind = Literal["linear", "relu", "sigmoid", "softmax", "quantizer", "unary_lut"]
SoftmaxImplementation = Literal["stable", "latency", "legacy", "argmax"]
STRATEGIES: tuple[Strategy, ...] = get_args(Strategy)
SOFTMAX_IMPLEMENTATIONS: tuple[SoftmaxImplementation, ...] = get_args(SoftmaxImplementation)
#: hls4ml < 1.0's "stable" softmax (x - max in a rounding, saturating copy of the input type,
#: un-negated exp table): read from old firmware, estimated and modelled bit for bit (``emulate``);
#: the RTL renderer refuses it by name rather than draw 1.x's semantics.
STABLE_PRE_1_0 = "stable_hls4ml0"
DA: Strategy = "distributed_arithmetic"
#: hls4ml's merge layers the IR models (``nnet_merge.h``: ``add``, ``subtract``, ``concatenate1d``)
MergeOp = Literal["add", "subtract", "concatenate"]
MERGE_OPS: tuple[MergeOp, ...] = get_args(MergeOp)
#: what a layer's ``inputs`` call the network's input array (not a C identifier, so no layer is named so)
NETWORK_INPUT = "<input>"
#: ``params`` of a layer in ``network.json``: ``table_size`` (sigmoid, unary_lut) or the softmax constants
#: (``SoftmaxParams.to_dict``), types spelled in C++.
LayerParams = dict[str, int | str]


class DenseDoc(TypedDict):
    """A Dense layer in ``network.json`` (raw integers, types spelled in C++)."""

    kind: Literal["dense"]
    name: str
    input_type: str
    weight_type: str
    bias_type: str
    accum_type: str
    result_type: str
    weights: list[list[int]]
    biases: list[int]
    strategy: Strategy
    reuse_factor: int
    op: NotRequired[Literal["dense", "normalize"]]
    inputs: NotRequired[list[str]]


class ActivationDoc(TypedDict):
    """An activation layer in ``network.json``."""

    kind: Literal["activation"]
    name: str
    activation: ActivationKind
    input_type: str
    result_type: str
    n: int
    tables: dict[str, list[int]]
    table_types: dict[str, str]
    params: LayerParams
    element_types: NotRequired[list[str | None]]
    inputs: NotRequired[list[str]]


class MergeDoc(TypedDict):
    """A merge layer in ``network.json`` (two inputs, named)."""

    kind: Literal["merge"]
    name: str
    op: MergeOp
    input_types: list[str]
    sizes: list[int]
    result_type: str
    inputs: list[str]


class InputDoc(TypedDict):
    """One input array of a network with several, in ``network.json``."""

    name: str
    type: str
    size: int


class NetworkDoc(TypedDict):
    """``network.json``: what ``FixedNetwork.to_json`` writes and ``from_json`` reads."""

    format: str
    name: str
    input_type: str
    n_inputs: int
    layers: list[DenseDoc | ActivationDoc | MergeDoc]
    outputs: NotRequired[list[str]]
    input_arrays: NotRequired[list[InputDoc]]


def exact_sum_type(
    input_type: FixedType, weight_type: FixedType, bias_type: FixedType, weights: np.ndarray, biases: np.ndarray
) -> FixedType:
    """The narrowest type that holds ``bias_j + sum_i x_i * w_ij`` exactly for every input in range.

    Why: hls4ml's distributed-arithmetic Dense ignores ``accum_t`` ("the CMVM
    operations will be implemented bit-exactly"); da4ml's adder graph carries
    every sum at full precision and only the final assignment to the result
    type rounds and saturates.  A DA layer's ``accum_type`` is this type, so the
    bit-accurate model and the RTL compute it as an accumulator that can
    neither round nor overflow (checked against hls4ml's C simulation in
    tests/test_da.py).
    """
    frac = max(input_type.frac + weight_type.frac, bias_type.frac)
    w = np.asarray(weights, dtype=np.int64).astype(object)
    lo_in, hi_in = input_type.raw_min, input_type.raw_max
    p_lo = np.minimum(w * lo_in, w * hi_in).sum(axis=0) if w.size else np.zeros(0, object)
    p_hi = np.maximum(w * lo_in, w * hi_in).sum(axis=0) if w.size else np.zeros(0, object)
    ps = frac - input_type.frac - weight_type.frac
    b = [int(v) << (frac - bias_type.frac) for v in np.asarray(biases, dtype=np.int64)]
    lows = [int(p) * (1 << ps) + bj for p, bj in zip(p_lo, b, strict=True)] or [0]
    highs = [int(p) * (1 << ps) + bj for p, bj in zip(p_hi, b, strict=True)] or [0]
    lo, hi = min(lows), max(highs)
    if lo >= 0:
        width = max(hi.bit_length(), 1)
        return FixedType(False, width, width - frac)
    width = max(hi.bit_length(), (-lo - 1).bit_length()) + 1
    return FixedType(True, width, width - frac)


@dataclass(frozen=True, eq=False)
class DenseLayer:
    """``res = cast<result>(cast<accum>(bias) + sum_i cast<accum>(x_i * w_ij))``.

    Under ``distributed_arithmetic`` ``accum_type`` must be ``exact_sum_type``
    of the layer (nothing rounds or overflows before the final cast).

    ``weights`` has shape (n_in, n_out) like Keras; zero entries are absent
    from hardware.  Accumulation order follows hls4ml (see ``emulate``).
    ``op == "normalize"``: hls4ml's BatchNormalization (``nnet::normalize``), the
    same arithmetic as a diagonal Dense summing exactly; the top function treats it
    as an element-wise step, not a Dense call (``estimate``).
    """

    name: str
    input_type: FixedType
    weight_type: FixedType
    bias_type: FixedType
    accum_type: FixedType
    result_type: FixedType
    weights: npt.NDArray[np.int64]  # raw, (n_in, n_out)
    biases: npt.NDArray[np.int64]  # raw, (n_out,)
    strategy: Strategy = "latency"
    reuse_factor: int = 1
    op: Literal["dense", "normalize"] = "dense"
    #: the layer it reads (``NETWORK_INPUT`` or a layer's name); () = the previous layer (a chain)
    inputs: tuple[str, ...] = ()

    kind: str = field(default="dense", init=False)

    def __post_init__(self) -> None:
        if self.strategy == DA:
            exact = exact_sum_type(self.input_type, self.weight_type, self.bias_type, self.weights, self.biases)
            if self.reuse_factor != 1:
                raise ValueError(
                    f"layer {self.name}: distributed arithmetic needs reuse factor 1, got {self.reuse_factor}"
                )
            if exact.width > 62:
                raise ValueError(
                    f"layer {self.name}: the exact sum needs {exact.width} bits; distributed "
                    "arithmetic is supported up to 62 (int64 raw values)"
                )
            if self.accum_type != exact:
                raise ValueError(
                    f"layer {self.name}: a distributed-arithmetic layer sums exactly in {exact}, not {self.accum_type}"
                )

    @property
    def n_in(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_out(self) -> int:
        return int(self.weights.shape[1])

    def to_dict(self) -> DenseDoc:
        doc: DenseDoc = {
            "kind": "dense",
            "name": self.name,
            "input_type": str(self.input_type),
            "weight_type": str(self.weight_type),
            "bias_type": str(self.bias_type),
            "accum_type": str(self.accum_type),
            "result_type": str(self.result_type),
            "weights": self.weights.astype(np.int64).tolist(),
            "biases": self.biases.astype(np.int64).tolist(),
            "strategy": self.strategy,
            "reuse_factor": self.reuse_factor,
        }
        if self.op != "dense":
            doc["op"] = self.op
        if self.inputs:
            doc["inputs"] = list(self.inputs)
        return doc


@dataclass(frozen=True)
class SoftmaxParams:
    """The constants of hls4ml's softmax config that its tables do not carry.

    ``accum_type``/``inv_inp_type``: the exp-sum's type and the invert
    table's address type (stable/latency); ``inp_norm_type``: the type of
    ``max - x`` that addresses the exp table (stable only); ``exp_scale`` is
    already folded into the exp table and kept for the record.  The table
    types themselves are ``ActivationLayer.table_types["exp"/"invert"]``.
    """

    implementation: SoftmaxImplementation | Literal["stable_hls4ml0"]
    exp_table_size: int
    inv_table_size: int
    accum_type: FixedType
    inv_inp_type: FixedType
    inp_norm_type: FixedType | None = None
    exp_scale: float = 1.0

    def __post_init__(self) -> None:
        if self.implementation not in (*SOFTMAX_IMPLEMENTATIONS, STABLE_PRE_1_0):
            raise ValueError(
                f"softmax implementation {self.implementation!r} is not one of {', '.join(SOFTMAX_IMPLEMENTATIONS)}"
            )
        if self.implementation == "stable" and self.inp_norm_type is None:
            raise ValueError("softmax 'stable' needs inp_norm_type")

    def to_dict(self) -> LayerParams:
        """``network.json``'s ``params`` of a softmax layer (types as their C++ spelling)."""
        d: LayerParams = {
            "implementation": self.implementation,
            "exp_table_size": self.exp_table_size,
            "inv_table_size": self.inv_table_size,
            "accum_type": str(self.accum_type),
            "inv_inp_type": str(self.inv_inp_type),
        }
        if self.inp_norm_type is not None:
            d["inp_norm_type"] = str(self.inp_norm_type)
        if self.exp_scale != 1.0:
            d["exp_scale"] = repr(self.exp_scale)
        return d

    @classmethod
    def from_dict(cls, d: Mapping[str, int | str]) -> SoftmaxParams:
        norm = d.get("inp_norm_type")
        impl = cast(SoftmaxImplementation, d["implementation"])  # __post_init__ checks it
        return cls(
            implementation=impl,
            exp_table_size=int(d["exp_table_size"]),
            inv_table_size=int(d["inv_table_size"]),
            accum_type=FixedType.parse(str(d["accum_type"])),
            inv_inp_type=FixedType.parse(str(d["inv_inp_type"])),
            inp_norm_type=None if norm is None else FixedType.parse(str(norm)),
            exp_scale=float(d.get("exp_scale", 1.0)),
        )


@dataclass(frozen=True, eq=False)
class ActivationLayer:
    """Element-wise activation.  ``tables`` holds hls4ml's lookup tables as raw
    integers of ``table_types`` (sigmoid: ``{"sigmoid": ...}`` with
    ``table_size`` entries; softmax: ``{"exp": ..., "invert": ...}`` with the
    constants in ``softmax``).  A ``quantizer`` has one ``element_types`` entry per
    element (None: the element is set to 0, HGQ's zero-bit case).
    """

    name: str
    activation: ActivationKind
    input_type: FixedType
    result_type: FixedType
    n: int
    tables: dict[str, npt.NDArray[np.int64]] = field(default_factory=dict)
    table_types: dict[str, FixedType] = field(default_factory=dict)
    table_size: int | None = None  # sigmoid
    softmax: SoftmaxParams | None = None
    element_types: tuple[FixedType | None, ...] = ()
    #: the layer it reads (``NETWORK_INPUT`` or a layer's name); () = the previous layer (a chain)
    inputs: tuple[str, ...] = ()

    kind: str = field(default="activation", init=False)

    def __post_init__(self) -> None:
        if (self.activation == "quantizer") != bool(self.element_types) or (
            self.element_types and len(self.element_types) != self.n
        ):
            raise ValueError(
                f"layer {self.name}: a quantizer needs one element type per element ({self.n}), other activations none"
            )
        if self.activation == "softmax" and self.softmax is None:
            raise ValueError(f"layer {self.name}: a softmax layer needs SoftmaxParams")
        if self.activation == "sigmoid" and self.table_size is None:
            raise ValueError(f"layer {self.name}: a sigmoid layer needs table_size")
        if self.activation == "unary_lut" and (
            self.table_size != 1 << self.input_type.width or len(self.tables.get("table", ())) != self.table_size
        ):
            raise ValueError(
                f"layer {self.name}: a unary_lut table has one entry per raw input value "
                f"({1 << self.input_type.width} for {self.input_type})"
            )

    def params(self) -> LayerParams:
        """The ``params`` object of ``network.json``."""
        if self.softmax is not None:
            return self.softmax.to_dict()
        return {} if self.table_size is None else {"table_size": self.table_size}

    def to_dict(self) -> ActivationDoc:
        doc: ActivationDoc = {
            "kind": "activation",
            "name": self.name,
            "activation": self.activation,
            "input_type": str(self.input_type),
            "result_type": str(self.result_type),
            "n": self.n,
            "tables": {k: np.asarray(v, dtype=np.int64).tolist() for k, v in sorted(self.tables.items())},
            "table_types": {k: str(v) for k, v in sorted(self.table_types.items())},
            "params": dict(sorted(self.params().items())),
        }
        if self.element_types:
            doc["element_types"] = [None if t is None else str(t) for t in self.element_types]
        if self.inputs:
            doc["inputs"] = list(self.inputs)
        return doc

    def element_native_widths(self) -> np.ndarray:
        """Bits of every element as the next layer's arithmetic sees it (0 where it is zeroed).

        Why not the element type's width: the element is stored in ``result_type``, and the
        HLS tool's range analysis trims only its high bits (the multipliers of an HGQ
        design read ``mul_12ns_10s`` for an ``ap_ufixed<2,10>`` element stored with 2
        fractional bits: 10 + 2 bits, the 10 zero low bits kept).  Unsigned elements
        carry no sign bit, as the tool types them (``12ns``).
        """
        frac = self.result_type.frac
        return np.array(
            [
                0 if t is None else int(min(self.result_type.width, max(0, t.integer + frac)))
                for t in self.element_types
            ],
            dtype=np.int64,
        )

    def element_widths(self) -> np.ndarray:
        """Signed bits of every element after a quantizer (``element_native_widths`` plus a sign bit
        for unsigned ones; 0 where it is zeroed): the operand width a signed multiplier needs.

        Why: HGQ gives each input of the next Dense its own width, and the products,
        the DSP split and the adders follow it.
        """
        native = self.element_native_widths()
        unsigned = np.array([t is not None and not t.signed for t in self.element_types], dtype=bool)
        return np.where(native > 0, native + unsigned, 0).astype(np.int64)


@dataclass(frozen=True, eq=False)
class MergeLayer:
    """hls4ml's merge of two arrays (``nnet_merge.h``), what graphs with branches join through.

    ``add``/``subtract``: ``res[i] = (res_T)(a[i] +/- b[i])`` -- the sum of two ``ap_fixed`` is exact, one
    cast to ``result_type``; ``concatenate`` (``concatenate1d``): ``res = (res_T) a ++ (res_T) b``, each
    element cast.  ``inputs`` names the two layers read (never implicit: a merge has two).
    """

    name: str
    op: MergeOp
    input_types: tuple[FixedType, FixedType]
    sizes: tuple[int, int]
    result_type: FixedType
    inputs: tuple[str, str]

    kind: str = field(default="merge", init=False)

    def __post_init__(self) -> None:
        if self.op not in MERGE_OPS:
            raise ValueError(f"layer {self.name}: merge {self.op!r} is not one of {', '.join(MERGE_OPS)}")
        if len(self.inputs) != 2 or len(self.input_types) != 2 or len(self.sizes) != 2:
            raise ValueError(f"layer {self.name}: a merge reads two arrays")
        if self.op != "concatenate" and self.sizes[0] != self.sizes[1]:
            raise ValueError(f"layer {self.name}: {self.op} of arrays of {self.sizes[0]} and {self.sizes[1]} elements")

    @property
    def n(self) -> int:
        """Elements of the result."""
        return sum(self.sizes) if self.op == "concatenate" else self.sizes[0]

    def to_dict(self) -> MergeDoc:
        return {
            "kind": "merge",
            "name": self.name,
            "op": self.op,
            "input_types": [str(t) for t in self.input_types],
            "sizes": list(self.sizes),
            "result_type": str(self.result_type),
            "inputs": list(self.inputs),
        }


Layer = DenseLayer | ActivationLayer | MergeLayer


@dataclass(frozen=True)
class NetworkInput:
    """One input array of the network: what a layer's ``inputs`` call it, its element type and size.

    Why named: hls4ml writes one top argument per Keras ``Input`` of a functional model (``in_a[4], in_b[3]``),
    each of its own type, and the layers that read them name which (their C names)."""

    name: str
    type: FixedType
    size: int

    def to_dict(self) -> InputDoc:
        return {"name": self.name, "type": str(self.type), "size": self.size}


def layer_size(layer: Layer) -> int:
    """Elements a layer's result array holds."""
    return layer.n_out if isinstance(layer, DenseLayer) else layer.n


@dataclass(frozen=True, eq=False)
class FixedNetwork:
    """The whole design: inputs of ``input_type`` -> layers -> outputs.

    A chain by default: each layer reads the one before it and the last is the
    output.  A graph (several heads, a shared trunk, merges): a layer names what
    it reads in ``inputs`` (``NETWORK_INPUT`` or an earlier layer: ``layers`` is
    in evaluation order), and ``outputs`` names the layers whose results are the
    top's output arrays, in the top's order (() = the last layer).

    Several input arrays (``input_arrays``, the top's order): layers name the one they
    read by its ``NetworkInput.name`` (``NETWORK_INPUT`` is then no name), ``sources``
    calls input ``i`` ``-1 - i``, a raw input vector is the arrays side by side, so
    ``n_inputs`` is their total and ``input_type`` the first one's (``input_types`` has each).
    """

    name: str
    input_type: FixedType
    n_inputs: int
    layers: tuple[Layer, ...]
    outputs: tuple[str, ...] = ()
    #: () = one input array, ``NETWORK_INPUT``, of ``input_type`` and ``n_inputs`` (every chain)
    input_arrays: tuple[NetworkInput, ...] = ()

    def __post_init__(self) -> None:
        if self.input_arrays and (
            self.n_inputs != sum(a.size for a in self.input_arrays) or self.input_type != self.input_arrays[0].type
        ):
            raise ValueError(
                f"network {self.name}: n_inputs/input_type must be the total/first of its {len(self.input_arrays)} "
                "input arrays"
            )
        if self._graph:
            self.sources  # noqa: B018 -- a graph is checked once, when it is built
            self.output_indices  # noqa: B018

    @cached_property
    def _graph(self) -> bool:
        """Whether anything names its inputs or outputs (else a chain, with no bookkeeping: the search
        builds thousands of chains a second)."""
        return bool(self.outputs) or bool(self.input_arrays) or any(lay.inputs for lay in self.layers)

    @property
    def inputs(self) -> tuple[NetworkInput, ...]:
        """Every input array, in the top's order (one, ``NETWORK_INPUT``, unless ``input_arrays`` says more)."""
        return self.input_arrays or (NetworkInput(NETWORK_INPUT, self.input_type, self.n_inputs),)

    @property
    def input_types(self) -> tuple[FixedType, ...]:
        """The element type of each input array."""
        return tuple(a.type for a in self.inputs)

    @property
    def input_offsets(self) -> tuple[int, ...]:
        """Where each input array starts in a raw input vector (the arrays side by side)."""
        offs = [0]
        for a in self.inputs[:-1]:
            offs.append(offs[-1] + a.size)
        return tuple(offs)

    def split_inputs(self, x: np.ndarray) -> list[np.ndarray]:
        """A batch of raw input vectors (n, ``n_inputs``) as one (n, size) block per input array."""
        return [x[:, o : o + a.size] for o, a in zip(self.input_offsets, self.inputs, strict=True)]

    @cached_property
    def _input_index(self) -> dict[str, int]:
        """Input name -> its source index (-1, -2, ...)."""
        return {a.name: -1 - i for i, a in enumerate(self.inputs)}

    @cached_property
    def _index(self) -> dict[str, int]:
        index: dict[str, int] = {}
        for k, lay in enumerate(self.layers):
            if lay.name in index or lay.name == NETWORK_INPUT or lay.name in self._input_index:
                raise ValueError(f"network {self.name}: two layers named {lay.name!r} in a graph")
            index[lay.name] = k
        return index

    @cached_property
    def sources(self) -> tuple[tuple[int, ...], ...]:
        """Per layer, the indices of the layers it reads (-1: the network's input)."""
        if not self._graph:
            return tuple((k - 1,) for k in range(len(self.layers)))
        out: list[tuple[int, ...]] = []
        for k, lay in enumerate(self.layers):
            if not lay.inputs:
                out.append((k - 1,))
                continue
            srcs = []
            for name in lay.inputs:
                j = self._input_index[name] if name in self._input_index else self._index.get(name)
                if j is None or j >= k:
                    raise ValueError(
                        f"network {self.name}: layer {lay.name} reads {name!r}, not the input nor an earlier layer"
                    )
                srcs.append(j)
            out.append(tuple(srcs))
        return tuple(out)

    @cached_property
    def output_indices(self) -> tuple[int, ...]:
        """Indices of the layers whose results are the outputs, in order."""
        if not self.outputs:
            return (len(self.layers) - 1,)
        missing = [o for o in self.outputs if o not in self._index]
        if missing:
            raise ValueError(f"network {self.name}: output {missing[0]!r} is not a layer")
        return tuple(self._index[o] for o in self.outputs)

    @property
    def is_chain(self) -> bool:
        """Each layer reads the one before it and the last one is the only output."""
        return not self._graph or (
            not self.input_arrays
            and self.output_indices == (len(self.layers) - 1,)
            and all(s == (k - 1,) for k, s in enumerate(self.sources))
        )

    def source_type(self, j: int) -> FixedType:
        """The type of what source index ``j`` (of ``sources``) holds."""
        return self.inputs[-1 - j].type if j < 0 else self.layers[j].result_type

    def source_size(self, j: int) -> int:
        """The elements source index ``j`` (of ``sources``) holds."""
        return self.inputs[-1 - j].size if j < 0 else layer_size(self.layers[j])

    @property
    def source_indices(self) -> range:
        """Every source index: the inputs (-1, -2, ...; lowest first) and the layers."""
        return range(-len(self.inputs), len(self.layers))

    def consumers(self) -> list[list[int]]:
        """Per source index (input ``i`` is entry ``-1 - i``: the last entries), the layers that read it."""
        out: list[list[int]] = [[] for _ in range(len(self.layers) + len(self.inputs))]
        for k, srcs in enumerate(self.sources):
            for j in srcs:
                out[j].append(k)
        return out

    @property
    def output_types(self) -> tuple[FixedType, ...]:
        """The type of each output array."""
        return tuple(self.layers[k].result_type for k in self.output_indices)

    @property
    def output_sizes(self) -> tuple[int, ...]:
        """The elements of each output array."""
        return tuple(layer_size(self.layers[k]) for k in self.output_indices)

    @property
    def output_type(self) -> FixedType:
        """The one type of every output (chains; a graph whose outputs differ in type has none)."""
        types = set(self.output_types)
        if len(types) != 1:
            raise ValueError(f"network {self.name}: its outputs have {len(types)} types (see output_types)")
        return self.output_types[0]

    @property
    def n_outputs(self) -> int:
        """Output elements, over every output array."""
        return layer_size(self.layers[-1]) if not self._graph else sum(self.output_sizes)

    def to_json(self) -> str:
        doc: NetworkDoc = {
            "format": "fpga_prune.network/1",
            "name": self.name,
            "input_type": str(self.input_type),
            "n_inputs": self.n_inputs,
            "layers": [layer.to_dict() for layer in self.layers],
        }
        if self.outputs:
            doc["outputs"] = list(self.outputs)
        if self.input_arrays:
            doc["input_arrays"] = [a.to_dict() for a in self.input_arrays]
        return json_text(doc, indent=1)

    @classmethod
    def from_json(cls, text: str) -> FixedNetwork:
        doc: NetworkDoc = json.loads(text)
        if doc.get("format") != "fpga_prune.network/1":
            raise ValueError(f"not an fpga_prune network (format={doc.get('format')!r})")
        layers: list[Layer] = []
        for d in doc["layers"]:
            if d["kind"] == "dense":
                layers.append(
                    DenseLayer(
                        name=d["name"],
                        input_type=FixedType.parse(d["input_type"]),
                        weight_type=FixedType.parse(d["weight_type"]),
                        bias_type=FixedType.parse(d["bias_type"]),
                        accum_type=FixedType.parse(d["accum_type"]),
                        result_type=FixedType.parse(d["result_type"]),
                        weights=np.asarray(d["weights"], dtype=np.int64).reshape(-1, len(d["biases"])),
                        biases=np.asarray(d["biases"], dtype=np.int64),
                        strategy=d["strategy"],
                        reuse_factor=int(d["reuse_factor"]),
                        op=d.get("op", "dense"),
                        inputs=tuple(d.get("inputs", ())),
                    )
                )
            elif d["kind"] == "activation":
                layers.append(
                    ActivationLayer(
                        name=d["name"],
                        activation=d["activation"],
                        input_type=FixedType.parse(d["input_type"]),
                        result_type=FixedType.parse(d["result_type"]),
                        n=int(d["n"]),
                        tables={k: np.asarray(v, dtype=np.int64) for k, v in d["tables"].items()},
                        table_types={k: FixedType.parse(v) for k, v in d["table_types"].items()},
                        table_size=int(d["params"]["table_size"]) if "table_size" in d["params"] else None,
                        softmax=SoftmaxParams.from_dict(d["params"]) if d["activation"] == "softmax" else None,
                        element_types=tuple(
                            None if t is None else FixedType.parse(t) for t in d.get("element_types", ())
                        ),
                        inputs=tuple(d.get("inputs", ())),
                    )
                )
            elif d["kind"] == "merge":
                t1, t2 = (FixedType.parse(t) for t in d["input_types"])
                s1, s2 = (int(v) for v in d["sizes"])
                i1, i2 = d["inputs"]
                layers.append(
                    MergeLayer(
                        name=d["name"],
                        op=d["op"],
                        input_types=(t1, t2),
                        sizes=(s1, s2),
                        result_type=FixedType.parse(d["result_type"]),
                        inputs=(i1, i2),
                    )
                )
            else:
                raise ValueError(f"unknown layer kind {d['kind']!r}")
        return cls(
            name=doc["name"],
            input_type=FixedType.parse(doc["input_type"]),
            n_inputs=int(doc["n_inputs"]),
            layers=tuple(layers),
            outputs=tuple(doc.get("outputs", ())),
            input_arrays=tuple(
                NetworkInput(a["name"], FixedType.parse(a["type"]), int(a["size"])) for a in doc.get("input_arrays", ())
            ),
        )
