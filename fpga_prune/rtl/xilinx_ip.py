"""Simulation stand-ins for the Xilinx IP cores an HLS export names but does not ship as Verilog.

Why: Vivado/Vitis HLS export an operator it maps to a Xilinx IP core (floating-point casts in a
VivadoAccelerator ``<prj>_axi`` wrapper: ``float`` in, ``double`` to cast to ``ap_fixed``) as a wrapper
module that instantiates ``<module>`` and a ``<module>_ip.tcl`` that creates the core in Vivado; the core's
own Verilog exists only inside Vivado.  Without it neither Verilator nor Icarus can build the export.  The
cores whose behaviour is exact and simple are written here from the ``_ip.tcl``'s ``CONFIG`` (operation,
precisions, latency, clock enable); any other is refused by name.
"""

from __future__ import annotations

import re
from pathlib import Path

from fpga_prune.errors import InputError
from fpga_prune.templating import render

_CREATE = re.compile(r"create_ip\s+-name\s+(\S+).*?-module_name\s+(\S+)")
_CONFIG = re.compile(r"CONFIG\.(\w+)\s+([^\s\]]+)")
_MODULE = re.compile(r"^\s*module\s+(\w+)", re.MULTILINE)


def ip_config(tcl: Path) -> tuple[str, str, dict[str, str]]:
    """(IP name, module name, ``CONFIG`` values) of an export's ``<module>_ip.tcl``."""
    text = tcl.read_text(errors="replace")
    made = _CREATE.search(text)
    if made is None:
        raise InputError(tcl, "create_ip", "no `create_ip -name ... -module_name ...` line")
    return made.group(1), made.group(2), dict(_CONFIG.findall(text))


def stand_ins(rtl_dir: Path) -> dict[str, str]:
    """``<module>.v`` -> Verilog of each IP core ``rtl_dir``'s ``*_ip.tcl`` files create and no ``.v`` defines."""
    defined = {m for v in rtl_dir.glob("*.v") for m in _MODULE.findall(v.read_text(errors="replace"))}
    out: dict[str, str] = {}
    for tcl in sorted(rtl_dir.glob("*_ip.tcl")):
        name, module, cfg = ip_config(tcl)
        if module in defined:
            continue
        operation = cfg.get("operation_type", "?")
        kind = (name, operation, cfg.get("a_precision_type"), cfg.get("result_precision_type"))
        if kind != ("floating_point", "Float_to_Float", "Single", "Double"):
            raise InputError(
                tcl,
                f"{name} {module}",
                f"Xilinx IP ({operation}, {cfg.get('a_precision_type')} to {cfg.get('result_precision_type')}) "
                "has no simulation stand-in (only floating_point single to double is modelled); the export "
                "cannot be simulated without Vivado's own model of it",
            )
        out[f"{module}.v"] = render(
            "rtl/fp_extend_ip.v.j2",
            {
                "module": module,
                "tcl": tcl.name,
                "latency": int(cfg.get("c_latency", "0")),
                "aclken": cfg.get("has_aclken", "false") == "true",
            },
        )
    return out


__all__ = ["ip_config", "stand_ins"]
