"""The one module that speaks hls4ml: settings -> CamelCase config -> ModelGraph -> FixedNetwork.

Why one module: hls4ml's config dicts (``Model``/``LayerName``/``Precision``,
CamelCase keys) and its types API change between releases; everything else in
fpga_prune sees ``fpga_prune.hls.settings.HlsSettings`` (our frozen, JSON-able
settings) and ``fpga_prune.arith.ir.FixedNetwork`` (resolved fixed-point types, raw
integer weights, lookup tables from ``fpga_prune.arith.tables``).
"""

from __future__ import annotations

import copy
import functools
import re
import tempfile
import weakref
from pathlib import Path

import numpy as np

from fpga_prune.arith import fixed
from fpga_prune.arith.fixed import FixedType
from fpga_prune.arith.ir import DA, ActivationLayer, DenseLayer, FixedNetwork, Layer, SoftmaxParams, exact_sum_type
from fpga_prune.arith.tables import sigmoid_layer, softmax_layer
from fpga_prune.errors import InputError
from fpga_prune.hls.graph_rules import (
    HLS4ML_TABLE_SIZE,
    HLS4ML_TABLE_TYPE,
    auto_accum,
    linear_activation_stays,
    resolved_precision,
    strategy_and_reuse,
)
from fpga_prune.hls.settings import SOFTMAX_IMPLEMENTATIONS, STRATEGIES, HlsSettings, to_fixed_type

# ----------------------------------------------------------------------------- hls4ml config


def _hls_precision(text: str) -> str:
    return text if text == "auto" else str(to_fixed_type(text))


def _hls_strategy(strategy: str) -> str:
    """hls4ml's spelling: 'Latency', 'Resource', 'distributed_arithmetic' (it lower-cases all three)."""
    return strategy if strategy == DA else strategy.capitalize()


def to_hls4ml_config(model, settings: HlsSettings) -> dict:
    """hls4ml's ``hls_config`` dict (granularity 'name') for ``model`` under ``settings``.

    Starts from ``hls4ml.utils.config_from_keras_model`` so QKeras quantizers
    give their own weight types and 'auto' types stay 'auto' for hls4ml to
    infer; then applies the model-wide and per-layer settings.  This is the
    one place settings become hls4ml's config: ``network_from_keras`` reads
    the same dict, so the search sees the network hls4ml builds.
    """
    settings.validate()
    cfg = _base_config(model, _hls_precision(settings.default_precision), settings.reuse_factor)
    cfg["Model"]["Strategy"] = _hls_strategy(settings.strategy)
    cfg["Model"]["ReuseFactor"] = settings.reuse_factor
    layer_cfgs = cfg["LayerName"]
    known = set(layer_cfgs)
    for name, _ in settings.layers:
        if name not in known:
            raise InputError(
                "hls settings", f"layers.{name}", f"no such layer in the model (layers: {', '.join(sorted(known))})"
            )
    class_of = {layer.name: type(layer).__name__ for layer in model.layers}
    inputs = input_layer_names(model)
    for name, lc in layer_cfgs.items():
        ls = settings.layer(name)
        prec = lc.setdefault("Precision", {})
        if name in inputs and settings.input_precision is not None:
            prec["result"] = _hls_precision(settings.input_precision)  # a layer's own ``result`` still wins
        if "ReuseFactor" in lc:
            lc["ReuseFactor"] = ls.reuse_factor or settings.reuse_factor
        if "weight" in prec:  # a layer with a kernel: strategy applies
            lc["Strategy"] = _hls_strategy(settings.strategy_of(name))
            lc["ReuseFactor"] = settings.reuse_factor_of(name)
        for key in ("weight", "bias", "result", "accum"):
            val = getattr(ls, key)
            if val is not None:
                prec[key] = _hls_precision(val)
        softmax = class_of.get(name) == "Softmax" or _is_softmax_cfg(model, name)
        if "TableSize" in lc or "table" in prec or softmax:
            lc["TableSize"] = ls.table_size or settings.table_size
            ttype = ls.table_type or settings.table_type
            if ttype is not None:
                _set_table_types(lc, _hls_precision(ttype), softmax)
        if softmax:
            lc["Implementation"] = ls.softmax_implementation or settings.softmax_implementation
    return cfg


#: model -> {(default precision, reuse factor): hls4ml's config_from_keras_model}; dropped with the model
_BASE_CONFIGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _base_config(model, default_precision: str, reuse_factor: int) -> dict:
    """A fresh copy of ``hls4ml.utils.config_from_keras_model`` for ``model`` (name granularity, Vitis).

    Why cached: it serializes the whole model to JSON and parses it, a sixth of
    the resources search's time, and it reads only the layers and their
    quantizers, never the weights (which fine-tuning changes in place).
    """
    import hls4ml  # noqa: PLC0415

    per = _BASE_CONFIGS.setdefault(model, {})
    key = (default_precision, reuse_factor)
    if key not in per:
        per[key] = hls4ml.utils.config_from_keras_model(
            model,
            granularity="name",
            default_precision=default_precision,
            default_reuse_factor=reuse_factor,
            backend="Vitis",
        )
    return copy.deepcopy(per[key])


def input_layer_names(model) -> frozenset[str]:
    """The names hls4ml gives ``model``'s input layers (a Sequential's InputLayer is not in ``model.layers``)."""
    names = {layer.name for layer in model.layers if type(layer).__name__ == "InputLayer"}
    names.update(layer.name for layer in getattr(model, "_input_layers", ()))
    return frozenset(names)


def _set_table_types(lc: dict, ttype: str, softmax: bool) -> None:
    """An activation's lookup-table types, where hls4ml 1.3 reads them: the layer attributes ``table_t``
    (sigmoid), ``exp_table_t`` and ``inv_table_t`` (softmax; legacy softmax always uses
    ``nnet::activ_config``'s ``ap_fixed<18,8>``, its config struct declares no ``table_t``).

    Why not only ``Precision``: hls4ml keeps ``Precision.table``/``exp_table``/
    ``inv_table`` in its config but no layer reads them (the tables kept their
    ``ap_fixed<18,8>`` defaults); they are set too so the config reads true.
    """
    keys = ("table", "exp_table", "inv_table") if softmax else ("table",)
    for key in keys:
        lc["Precision"][key] = ttype
        if not (softmax and key == "table"):  # hls4ml's softmax config emits no table_t (legacy: activ_config's)
            lc[f"{key}_t"] = ttype


def _is_softmax_cfg(model, name: str) -> bool:
    """hls4ml splits ``Dense(activation='softmax')`` into a layer named ``<dense>_softmax``."""
    for layer in model.layers:
        act = getattr(layer, "activation", None)
        act_name = getattr(act, "__name__", None) or str(getattr(layer, "get_config", lambda: {})().get("activation"))
        if layer.name == name and type(layer).__name__ == "Activation" and act_name == "softmax":
            return True
        if name == f"{layer.name}_softmax" and act_name == "softmax":
            return True
    return False


#: The constants of each distributed-arithmetic Dense of a converted model, by layer name:
#: hls4ml deletes a DA layer's weight variables once da4ml has compiled them into code.
DaConstants = dict[str, tuple[np.ndarray, np.ndarray, FixedType, FixedType]]  # layer -> w_raw, b_raw, w_t, b_t
_DA_CONSTANTS: weakref.WeakKeyDictionary[object, DaConstants] = weakref.WeakKeyDictionary()


def _da_quantized(model, settings: HlsSettings, cfg: dict) -> tuple[object, DaConstants]:
    """``model`` with each plain DA ``Dense``'s kernel and bias replaced by their fixed-point values.

    Why: hls4ml 1.3 hands da4ml the layer's *float* weights (``weight_t`` is
    never applied), so an unquantized kernel becomes a 30-bit-constant adder
    graph (the 11,000-line ``nnet_code_gen.h`` of issue #13).  Quantized the way
    hls4ml's writer would quantize them, the adder graph computes exactly the
    weights of our ``FixedNetwork``.  Returns (model, {layer: (w_raw, b_raw, w_t, b_t)}).
    """
    from fpga_prune.prune.graph import clone  # noqa: PLC0415

    consts: DaConstants = {}
    new_weights = []
    for layer in model.layers:
        ws = layer.get_weights()
        if type(layer).__name__ == "QDense" and settings.strategy_of(layer.name) == DA:
            raise InputError(
                "hls settings",
                f"layers.{layer.name}.strategy",
                "distributed_arithmetic is supported for plain Dense layers, not QKeras QDense",
            )
        if type(layer).__name__ == "Dense" and settings.strategy_of(layer.name) == DA:
            w_t = resolved_precision(cfg, layer.name, "weight")[1]
            b_t = resolved_precision(cfg, layer.name, "bias")[1]
            kernel = ws[0]
            bias = ws[1] if len(ws) > 1 else np.zeros(kernel.shape[1], kernel.dtype)
            w_raw = _writer_raw(kernel, w_t).reshape(kernel.shape)
            b_raw = _writer_raw(bias, b_t)
            consts[layer.name] = (w_raw, b_raw, w_t, b_t)
            ws = [fixed.to_float(w_raw, w_t).astype(kernel.dtype)] + (
                [fixed.to_float(b_raw, b_t).astype(bias.dtype)] if len(ws) > 1 else []
            )
        new_weights.append(ws)
    if not consts:
        return model, consts
    copy = clone(model)
    for layer, ws in zip(copy.layers, new_weights, strict=True):
        if ws:
            layer.set_weights(ws)
    return copy, consts


def convert(
    model, settings: HlsSettings, output_dir: str | Path, part: str | None = None, clock_period: float | None = None
):
    """Convert ``model`` to an hls4ml ``ModelGraph`` (Vitis backend, io_parallel); nothing is compiled.

    Distributed-arithmetic Dense layers get their quantized weights (``_da_quantized``).
    """
    import hls4ml  # noqa: PLC0415

    cfg = to_hls4ml_config(model, settings)
    model, consts = _da_quantized(model, settings, cfg)
    if consts:  # hls4ml hands each DA layer to da4ml's solver: wait if an install step is compiling it
        from fpga_prune.estimate.da import wait_for_solver  # noqa: PLC0415

        wait_for_solver()
    hls_model = hls4ml.converters.convert_from_keras_model(
        model,
        hls_config=cfg,
        output_dir=str(output_dir),
        backend="Vitis",
        io_type=settings.io_type,
        part=part or settings.part,
        clock_period=clock_period or settings.clock_period_ns,
    )
    _DA_CONSTANTS[hls_model] = consts
    return hls_model


# ----------------------------------------------------------------------------- ModelGraph -> IR
def _prec(p) -> FixedType:
    """An hls4ml precision object -> FixedType, via the C++ spelling the writer emits."""
    from hls4ml.model.types import ExponentPrecisionType, FixedPrecisionType, IntegerPrecisionType, XnorPrecisionType  # noqa: PLC0415

    if isinstance(p, (XnorPrecisionType, ExponentPrecisionType)):
        raise InputError("hls4ml model", type(p).__name__, "binary/exponent (power-of-2) types are not supported")
    if isinstance(p, IntegerPrecisionType) and not isinstance(p, FixedPrecisionType):
        return FixedType(bool(p.signed), int(p.width), int(p.width))
    if isinstance(p, FixedPrecisionType):
        rnd = "AP_" + str(p.rounding_mode) if p.rounding_mode is not None else "AP_TRN"
        sat = "AP_" + str(p.saturation_mode) if p.saturation_mode is not None else "AP_WRAP"
        return FixedType(bool(p.signed), int(p.width), int(p.integer), rnd, sat, int(p.saturation_bits or 0))
    return to_fixed_type(str(p))


def _weight_raw(var, t: FixedType) -> np.ndarray:
    """Raw integers the C++ arrays hold: the writer's decimal strings parsed as double, cast to ``t``.

    hls4ml writes each weight as ``'{:.Ff}'.format(value)`` with F = the
    type's fractional bits; C++ (header literal or ``load_weights_from_txt``,
    which reads a double) converts that double with the type's own rounding
    and overflow modes.  Rounding the decimal string can cross a quantization
    step, so quantizing the float weight directly would be wrong.
    """
    vals = np.array([float(s) for s in var], dtype=np.float64)
    return np.asarray(fixed.from_float(vals, t), dtype=np.int64)


def _config_text(node) -> str:
    from hls4ml.backends import get_backend  # noqa: PLC0415

    text = node.get_attr("config_cpp", None)
    if text:
        return text
    backend = get_backend("Vitis")
    tmpl = backend.get_layer_config_template(node) if hasattr(backend, "get_layer_config_template") else None
    if tmpl is None:
        for t in (
            node.model.config.backend._templates.values() if hasattr(node.model.config.backend, "_templates") else []
        ):
            if getattr(t, "name", "").endswith("config_template") and t.match(node):
                return t.format(node)
        from hls4ml.backends.vivado.passes.core_templates import (  # noqa: PLC0415
            ActivationConfigTemplate,
            DenseConfigTemplate,
            SoftmaxConfigTemplate,
        )

        for t in (SoftmaxConfigTemplate(), DenseConfigTemplate(), ActivationConfigTemplate()):
            if t.match(node):
                return t.format(node)
        return ""
    return tmpl.format(node)


def _cfg_value(text: str, key: str) -> str | None:
    m = re.search(rf"\b{key}\s*=\s*([^;]+);", text)
    return m.group(1).strip() if m else None


def _cfg_typedef(text: str, key: str) -> str | None:
    m = re.search(rf"typedef\s+(.+?)\s+{key}\s*;", text)
    return m.group(1).strip() if m else None


def network_from_hls(hls_model, name: str | None = None) -> FixedNetwork:
    """Read every resolved precision, weight and table of a converted hls4ml model."""
    layers: list[Layer] = []
    input_type: FixedType | None = None
    n_inputs = 0
    for node in hls_model.get_layers():
        cls = node.class_name
        if cls in ("InputLayer", "Input"):
            var = node.get_output_variable()
            input_type = _prec(var.type.precision)
            n_inputs = int(np.prod(var.shape))
            continue
        in_t = _prec(node.get_input_variable().type.precision)
        out_var = node.get_output_variable()
        out_t = _prec(out_var.type.precision)
        if cls == "Dense" and str(node.get_attr("strategy", "")).lower() == DA:
            consts = _DA_CONSTANTS.get(hls_model, {})
            if node.name not in consts:
                raise InputError(
                    "hls4ml model",
                    node.name,
                    "a distributed-arithmetic Dense converted outside "
                    "fpga_prune.hls.adapter.convert (its weights are gone)",
                )
            w, b, w_t, b_t = consts[node.name]
            layers.append(
                DenseLayer(
                    name=node.name,
                    input_type=in_t,
                    weight_type=w_t,
                    bias_type=b_t,
                    accum_type=exact_sum_type(in_t, w_t, b_t, w, b),
                    result_type=out_t,
                    weights=np.ascontiguousarray(w),
                    biases=b,
                    strategy=DA,
                    reuse_factor=1,
                )
            )
        elif cls == "Dense":
            w_var, b_var = node.get_weights("weight"), node.get_weights("bias")
            w_t, b_t = _prec(w_var.type.precision), _prec(b_var.type.precision)
            n_in, n_out = int(node.get_attr("n_in")), int(node.get_attr("n_out"))
            strategy = str(node.get_attr("strategy", "latency")).lower()
            if strategy not in STRATEGIES:
                raise InputError("hls4ml model", node.name, f"strategy {strategy!r} is not supported")
            from hls4ml.backends import get_backend  # noqa: PLC0415

            ptype = get_backend("Vitis").product_type(node.get_input_variable().type.precision, w_var.type.precision)
            w = _weight_raw(w_var, w_t)
            if node.get_attr("_weights_transposed", False):
                w = w.reshape(n_out, n_in).T  # resource strategy stores the kernel transposed
            else:
                w = w.reshape(n_in, n_out)
            if ptype == "weight_ternary" and np.any(w == -2):
                raise InputError("hls4ml model", node.name, "ternary weight -2 is multiplied as +1 by hls4ml")
            if ptype not in ("mult", "weight_ternary"):
                raise InputError("hls4ml model", node.name, f"product {ptype!r} is not supported")
            layers.append(
                DenseLayer(
                    name=node.name,
                    input_type=in_t,
                    weight_type=w_t,
                    bias_type=b_t,
                    accum_type=_prec(node.get_attr("accum_t").precision),
                    result_type=out_t,
                    weights=np.ascontiguousarray(w),
                    biases=_weight_raw(b_var, b_t),
                    strategy=strategy,
                    reuse_factor=int(node.get_attr("reuse_factor", 1)),
                )
            )
        elif cls in ("Activation", "Softmax"):
            act = str(node.get_attr("activation")).lower()
            n = int(np.prod(out_var.shape))
            if act == "softmax":
                layers.append(_softmax_layer(node, in_t, out_t, n))
            elif act == "sigmoid":
                size = int(node.get_attr("table_size"))
                tt = _prec(node.get_attr("table_t").precision)
                layers.append(sigmoid_layer(node.name, in_t, out_t, n, size, tt))
            elif act in ("relu", "linear"):
                layers.append(ActivationLayer(name=node.name, activation=act, input_type=in_t, result_type=out_t, n=n))
            else:
                raise InputError("hls4ml model", node.name, f"activation {act!r} is not supported")
        else:
            raise InputError("hls4ml model", node.name, f"layer class {cls!r} is not supported")
    if input_type is None:
        raise InputError("hls4ml model", None, "no input layer")
    return FixedNetwork(
        name=name or hls_model.config.get_project_name(), input_type=input_type, n_inputs=n_inputs, layers=tuple(layers)
    )


def _softmax_layer(node, in_t: FixedType, out_t: FixedType, n: int) -> ActivationLayer:
    text = _config_text(node)
    impl = (_cfg_value(text, "implementation") or "stable").split("::")[-1]
    if impl not in SOFTMAX_IMPLEMENTATIONS:
        raise InputError("hls4ml model", node.name, f"softmax implementation {impl!r} is not supported")
    if int(node.get_attr("n_inner", 1)) != 1 or int(node.get_attr("n_outer", 1)) != 1:
        raise InputError("hls4ml model", node.name, "multi-dimensional softmax is not supported")
    exp_size = int(_cfg_value(text, "exp_table_size"))
    inv_size = int(_cfg_value(text, "inv_table_size"))
    exp_scale = float(_cfg_value(text, "exp_scale") or 1.0)
    names = {}
    for key in ("exp_table_t", "inv_table_t", "accum_t", "inv_inp_t"):
        attr = node.get_attr(key)
        names[key] = _prec(attr.precision)
    typedef_acc = _cfg_typedef(text, "accum_t")
    if typedef_acc == "model_default_t":
        names["accum_t"] = _prec(
            node.model.config.backend.convert_precision_string(
                node.model.config.get_config_value("Model")["Precision"]["default"]
            )
        )
    typedef_inv_inp = _cfg_typedef(text, "inv_inp_t")
    if typedef_inv_inp == "model_default_t":
        names["inv_inp_t"] = names["exp_table_t"]
    norm_t = to_fixed_type(_cfg_typedef(text, "inp_norm_t")) if impl == "stable" else None
    if impl == "legacy":
        # the softmax config struct declares no table_t: legacy reads nnet::activ_config's, whatever the layer's
        typedef_table = _cfg_typedef(text, "table_t")
        tt = to_fixed_type(typedef_table) if typedef_table else HLS4ML_TABLE_TYPE
        exp_t = inv_t = tt
    else:
        exp_t, inv_t = names["exp_table_t"], names["inv_table_t"]
    params = SoftmaxParams(
        implementation=impl,
        exp_table_size=exp_size,
        inv_table_size=inv_size,
        accum_type=names["accum_t"],
        inv_inp_type=names["inv_inp_t"],
        inp_norm_type=norm_t,
        exp_scale=exp_scale,
    )
    return softmax_layer(node.name, in_t, out_t, n, params, exp_t, inv_t)


# ----------------------------------------------------------------------------- Keras -> IR without hls4ml
def _writer_raw(values: np.ndarray, t: FixedType) -> np.ndarray:
    """Same as ``_weight_raw`` for a plain array: ``'{:.Ff}'`` text, parsed as double, cast to t."""
    fmt = f"{{:.{max(0, t.frac)}f}}"
    vals = np.array([float(fmt.format(float(v))) for v in np.asarray(values, dtype=np.float64).ravel()])
    return np.asarray(fixed.from_float(vals, t), dtype=np.int64)


def network_from_keras(model, settings: HlsSettings, name: str = "myproject") -> FixedNetwork:
    """The ``FixedNetwork`` hls4ml builds, straight from a plain Keras MLP (no conversion).

    Why: the pruning search estimates resources for hundreds of candidates;
    this takes milliseconds.  It reads the very config ``to_hls4ml_config``
    hands hls4ml and applies hls4ml 1.3's rules for ``Dense``/``Activation``
    layers (relu, linear, sigmoid): the precision lookup, the split
    ``<dense>_<activation>`` layers, linear activations dropped or kept as
    casts, 'auto' weights/biases/activation results as the default
    precision, 'auto' accumulators and Dense results by hls4ml's exact-width
    rule, weights quantized from the writer's decimal text, Resource reuse
    factors snapped to hls4ml's closest valid value, table types and sizes.
    For anything else (QKeras quantizers, softmax) it falls back to a real
    hls4ml conversion in a temporary directory, which is exact by
    construction.  ``bench/fuzz_bitexact.py`` checks the two are equal.
    """
    settings.validate()
    plain = all(type(layer).__name__ in ("InputLayer", "Dense", "Activation") for layer in model.layers)
    acts = [
        layer.get_config().get("activation")
        for layer in model.layers
        if type(layer).__name__ in ("Dense", "Activation")
    ]
    inputs = input_layer_names(model)
    if not plain or len(inputs) != 1 or any(a not in ("relu", "linear", "sigmoid") for a in acts):
        with tempfile.TemporaryDirectory(prefix="fpga_prune_hls_") as tmp:
            return network_from_hls(convert(model, settings, tmp), name=name)
    cfg = to_hls4ml_config(model, settings)
    return _network_from_config(model, cfg, next(iter(inputs)), name)


def _network_from_config(model, cfg: dict, input_name: str, name: str) -> FixedNetwork:
    """``network_from_keras`` once the config is made: each layer as hls4ml builds it from ``cfg``."""
    default_text = str(cfg["Model"]["Precision"]["default"])
    resolved = functools.partial(resolved_precision, cfg)
    layers: list[Layer] = []
    # the output feeding the next layer: (its layer's hls4ml class, configured spelling, resolved type)
    text, in_t = resolved(input_name, "result")
    out = ("Input", text, in_t)
    width = n_inputs = int(model.input_shape[-1])

    def add_activation(lname: str, act: str, n: int) -> tuple[str, str, FixedType]:
        text, res = resolved(lname, "result")
        if act == "linear" and not linear_activation_stays(out[0], out[1], text, default_text):
            return out
        if act == "sigmoid":
            lc = cfg["LayerName"].get(lname, {})
            tt = to_fixed_type(lc["table_t"]) if "table_t" in lc else HLS4ML_TABLE_TYPE
            layers.append(sigmoid_layer(lname, out[2], res, n, int(lc.get("TableSize", HLS4ML_TABLE_SIZE)), tt))
        else:
            layers.append(ActivationLayer(name=lname, activation=act, input_type=out[2], result_type=res, n=n))
        return "Activation", text, res

    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "InputLayer":
            continue
        act = layer.get_config().get("activation")
        if kind == "Activation":
            out = add_activation(layer.name, act, width)
            continue
        kernel, *rest = layer.get_weights()
        bias = rest[0] if rest else np.zeros(kernel.shape[1], dtype=kernel.dtype)
        n_in, n_out = kernel.shape
        cur = out[2]
        w_t = resolved(layer.name, "weight")[1]
        b_t = resolved(layer.name, "bias")[1]
        exact = auto_accum(cur, w_t, b_t, n_in)
        res_text, res_t = resolved(layer.name, "result", exact)
        strategy, rf = strategy_and_reuse(cfg, layer.name, n_in, n_out)
        w_raw, b_raw = _writer_raw(kernel, w_t).reshape(n_in, n_out), _writer_raw(bias, b_t)
        acc_t = (
            exact_sum_type(cur, w_t, b_t, w_raw, b_raw) if strategy == DA else resolved(layer.name, "accum", exact)[1]
        )
        layers.append(
            DenseLayer(
                name=layer.name,
                input_type=cur,
                weight_type=w_t,
                bias_type=b_t,
                accum_type=acc_t,
                result_type=res_t,
                weights=w_raw,
                biases=b_raw,
                strategy=strategy,
                reuse_factor=rf,
            )
        )
        out, width = ("Dense", res_text, res_t), n_out
        out = add_activation(f"{layer.name}_{act}", act, width)  # hls4ml splits every Dense's activation
    return FixedNetwork(name=name, input_type=in_t, n_inputs=n_inputs, layers=tuple(layers))
