"""The fixed-point network: the one description of the hardware every back end shares.

Why an IR of our own: the bit-accurate numpy model (``emulate``), the Verilog
rendering (``rtl``), the test vectors and the cocotb testbench must describe
exactly the same arithmetic.  It is built once from hls4ml's *converted* model
graph (every resolved precision, 'auto' types included) by
``fpga_prune.hls_adapter`` and saved as ``network.json`` in the generated
project, so ``verify`` needs neither Keras nor hls4ml to reload it.

All numbers are raw integers of their ``FixedType`` (value = raw * 2**-frac).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Literal, Union

import numpy as np

from fpga_prune.fixed import FixedType

Strategy = Literal["latency", "resource"]
ActivationKind = Literal["linear", "relu", "sigmoid", "softmax"]


def _type_to_json(t: FixedType) -> str:
    return str(t)


@dataclass(frozen=True, eq=False)
class DenseLayer:
    """``res = cast<result>(cast<accum>(bias) + sum_i cast<accum>(x_i * w_ij))``.

    ``weights`` has shape (n_in, n_out) like Keras; zero entries are absent
    from hardware.  Accumulation order follows hls4ml (see ``emulate``).
    """

    name: str
    input_type: FixedType
    weight_type: FixedType
    bias_type: FixedType
    accum_type: FixedType
    result_type: FixedType
    weights: np.ndarray  # int64 raw, (n_in, n_out)
    biases: np.ndarray  # int64 raw, (n_out,)
    strategy: Strategy = "latency"
    reuse_factor: int = 1

    kind: str = field(default="dense", init=False)

    @property
    def n_in(self) -> int:
        return int(self.weights.shape[0])

    @property
    def n_out(self) -> int:
        return int(self.weights.shape[1])

    def to_dict(self) -> dict:
        return {
            "kind": "dense", "name": self.name,
            "input_type": str(self.input_type), "weight_type": str(self.weight_type),
            "bias_type": str(self.bias_type), "accum_type": str(self.accum_type),
            "result_type": str(self.result_type),
            "weights": self.weights.astype(np.int64).tolist(),
            "biases": self.biases.astype(np.int64).tolist(),
            "strategy": self.strategy, "reuse_factor": self.reuse_factor,
        }


@dataclass(frozen=True, eq=False)
class ActivationLayer:
    """Element-wise activation.  ``tables`` holds hls4ml's lookup tables as raw
    integers of ``table_type`` (sigmoid: ``{"sigmoid": ...}``; softmax:
    ``{"exp": ..., "invert": ...}`` with ``exp_table_type``/``inv_table_type``
    in ``params``); ``params`` holds the table sizes/ranges and any other
    constant the implementation needs (documented by ``emulate``).
    """

    name: str
    activation: ActivationKind
    input_type: FixedType
    result_type: FixedType
    n: int
    tables: dict[str, np.ndarray] = field(default_factory=dict)
    table_types: dict[str, FixedType] = field(default_factory=dict)
    params: dict[str, int | str] = field(default_factory=dict)

    kind: str = field(default="activation", init=False)

    def to_dict(self) -> dict:
        return {
            "kind": "activation", "name": self.name, "activation": self.activation,
            "input_type": str(self.input_type), "result_type": str(self.result_type),
            "n": self.n,
            "tables": {k: np.asarray(v, dtype=np.int64).tolist() for k, v in sorted(self.tables.items())},
            "table_types": {k: str(v) for k, v in sorted(self.table_types.items())},
            "params": dict(sorted(self.params.items())),
        }


Layer = Union[DenseLayer, ActivationLayer]


@dataclass(frozen=True, eq=False)
class FixedNetwork:
    """The whole design: inputs of ``input_type`` -> layers -> outputs."""

    name: str
    input_type: FixedType
    n_inputs: int
    layers: tuple[Layer, ...]

    @property
    def output_type(self) -> FixedType:
        return self.layers[-1].result_type

    @property
    def n_outputs(self) -> int:
        last = self.layers[-1]
        return last.n_out if isinstance(last, DenseLayer) else last.n

    def to_json(self) -> str:
        doc = {
            "format": "fpga_prune.network/1", "name": self.name,
            "input_type": str(self.input_type), "n_inputs": self.n_inputs,
            "layers": [layer.to_dict() for layer in self.layers],
        }
        return json.dumps(doc, indent=1, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> FixedNetwork:
        doc = json.loads(text)
        if doc.get("format") != "fpga_prune.network/1":
            raise ValueError(f"not an fpga_prune network (format={doc.get('format')!r})")
        layers: list[Layer] = []
        for d in doc["layers"]:
            if d["kind"] == "dense":
                layers.append(DenseLayer(
                    name=d["name"],
                    input_type=FixedType.parse(d["input_type"]),
                    weight_type=FixedType.parse(d["weight_type"]),
                    bias_type=FixedType.parse(d["bias_type"]),
                    accum_type=FixedType.parse(d["accum_type"]),
                    result_type=FixedType.parse(d["result_type"]),
                    weights=np.asarray(d["weights"], dtype=np.int64).reshape(-1, len(d["biases"])),
                    biases=np.asarray(d["biases"], dtype=np.int64),
                    strategy=d["strategy"], reuse_factor=int(d["reuse_factor"]),
                ))
            elif d["kind"] == "activation":
                layers.append(ActivationLayer(
                    name=d["name"], activation=d["activation"],
                    input_type=FixedType.parse(d["input_type"]),
                    result_type=FixedType.parse(d["result_type"]),
                    n=int(d["n"]),
                    tables={k: np.asarray(v, dtype=np.int64) for k, v in d["tables"].items()},
                    table_types={k: FixedType.parse(v) for k, v in d["table_types"].items()},
                    params=dict(d["params"]),
                ))
            else:
                raise ValueError(f"unknown layer kind {d['kind']!r}")
        return cls(name=doc["name"], input_type=FixedType.parse(doc["input_type"]),
                   n_inputs=int(doc["n_inputs"]), layers=tuple(layers))
