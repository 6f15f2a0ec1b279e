"""Structural facts about a :class:`~fpga_prune.arith.ir.FixedNetwork` that every back end must agree on.

Why one module: the bit-accurate model (``emulate``), the Verilog rendering
(``rtl``) and the resource estimate (``estimate``) each need hls4ml's order of
accumulation, the shape of ``nnet::reduce``'s adder tree and which neurons
survive pruning.  Stated twice, the two statements drift and the RTL no longer
computes what the model computes; stated here, they cannot.
"""

from __future__ import annotations

import numpy as np

from fpga_prune.arith.ir import DenseLayer, FixedNetwork, Layer, MergeLayer


def accumulation_order(layer: DenseLayer) -> np.ndarray:
    """Input indices in the order hls4ml adds their products into ``acc[j]``.

    Latency and Resource with ``RF > n_in`` (``rf_gt_nin_rem0``) add
    ``i = 0..n_in-1`` in turn.  Resource with ``RF <= n_in``
    (``dense_resource_rf_leq_nin``) walks ``w_index = ir + RF*im`` over the
    transposed weights, so output ``j`` sees ``i = ir + RF*k`` for ``ir`` in
    ``0..RF-1`` outer and ``k`` inner.  The same order holds for every ``j``.
    Order matters only when the accumulator saturates (saturation does not
    commute).
    """
    n_in, rf = layer.n_in, layer.reuse_factor
    if layer.strategy == "resource" and 1 <= rf <= n_in:
        return np.array([ir + rf * k for ir in range(rf) for k in range(n_in // rf)], dtype=np.int64)
    return np.arange(n_in, dtype=np.int64)


def reduce_tree(n: int) -> tuple[tuple[int, int], ...]:
    """The adds of ``nnet::reduce<T, n, Op_add>``, each cast to ``T``, in evaluation order.

    Operand ids ``0..n-1`` are the leaves; add ``k`` produces id ``n + k``
    and the last add is the root (no adds for ``n == 1``).  hls4ml splits
    ``n`` leaves into a left part of ``2**floor(log2(n-1))`` leaves and the
    rest, recursively; adds are listed left subtree, right subtree, then the
    node itself.
    """
    if n < 1:
        raise ValueError(f"reduce over {n} leaves")
    adds: list[tuple[int, int]] = []

    def build(lo: int, hi: int) -> int:
        count = hi - lo
        if count == 1:
            return lo
        left = 1 << ((count - 1).bit_length() - 1)
        a = build(lo, lo + left)
        b = build(lo + left, hi)
        adds.append((a, b))
        return n + len(adds) - 1

    build(0, n)
    return tuple(adds)


def live_neurons(network: FixedNetwork) -> list[list[int]]:
    """Indices of the outputs of each layer that reach the network's outputs.

    Why: a neuron whose every outgoing weight was pruned is dead hardware;
    hls4ml leaves it to synthesis (which removes it), the RTL drops it from the
    netlist outright, and the estimator does not count it.  An HGQ quantizer's
    zero-bit element (``out[i] = 0``) needs nothing upstream.  In a graph, a
    layer's element is live when any layer reading it needs it.
    """
    if not network.is_chain:
        return _live_graph(network)[0]
    layers = network.layers
    live: list[list[int]] = [[] for _ in layers]
    need = np.arange(network.n_outputs)
    for k in range(len(layers) - 1, -1, -1):
        layer = layers[k]
        live[k] = need.tolist()
        if isinstance(layer, DenseLayer):
            need = np.flatnonzero((layer.weights[:, need] != 0).any(axis=1)) if need.size else need
        elif isinstance(layer, MergeLayer):  # pragma: no cover - a merge makes a graph
            raise AssertionError("a merge in a chain")
        elif layer.activation == "softmax":
            # every output depends on every input (max, sum): all or nothing
            live[k] = list(range(layer.n)) if need.size else []
            need = np.asarray(live[k], dtype=np.int64)
        elif layer.activation == "quantizer":
            need = np.asarray([i for i in live[k] if layer.element_types[i] is not None], dtype=np.int64)
        # other activations are element-wise: the same indices are needed upstream
    return live


def _needs(layer: Layer, live: list[int]) -> list[list[int]]:
    """What ``layer`` reads of each of its sources to give its ``live`` elements (one list per source)."""
    if isinstance(layer, DenseLayer):
        return [np.flatnonzero((layer.weights[:, live] != 0).any(axis=1)).tolist() if live else []]
    if isinstance(layer, MergeLayer):
        if layer.op == "concatenate":
            n1 = layer.sizes[0]
            return [[i for i in live if i < n1], [i - n1 for i in live if i >= n1]]
        return [live, live]
    if layer.activation == "quantizer":
        return [[i for i in live if layer.element_types[i] is not None]]
    return [live]


def _live_graph(network: FixedNetwork) -> tuple[list[list[int]], list[int]]:
    """``live_neurons`` and ``input_live`` of a graph: demands gathered from every reader, last layer first."""
    layers = network.layers
    need: list[set[int]] = [set() for _ in range(len(layers) + len(network.inputs))]  # -1 - i: input array i
    for k in network.output_indices:
        need[k].update(range(network.source_size(k)))
    live: list[list[int]] = [[] for _ in layers]
    for k in range(len(layers) - 1, -1, -1):
        layer = layers[k]
        live[k] = sorted(need[k])
        if not isinstance(layer, (DenseLayer, MergeLayer)) and layer.activation == "softmax" and live[k]:
            live[k] = list(range(layer.n))  # all or nothing
        for j, idx in zip(network.sources[k], _needs(layer, live[k]), strict=True):
            need[j].update(idx)
    inputs = [o + i for a, o in enumerate(network.input_offsets) for i in sorted(need[-1 - a])]
    return live, inputs


def input_live(network: FixedNetwork) -> list[int]:
    """Network inputs that some surviving weight reads (indices of a raw input vector: the arrays side by side)."""
    if not network.is_chain:
        return _live_graph(network)[1]
    first = network.layers[0]
    live = live_neurons(network)
    if isinstance(first, DenseLayer):
        return [i for i in range(first.n_in) if any(first.weights[i, j] != 0 for j in live[0])]
    return live[0]
