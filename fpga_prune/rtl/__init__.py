"""RTL: our Verilog of the IR, the ports of exported RTL, and its simulation.

Owns ``render`` (Jinja2 templates -> Verilog of a ``FixedNetwork``) with
``blocks`` (the ap_fixed casts, literals, ROMs and table indices it is built
from), ``portmap`` (``PortMap``: the top's ports, the testbench's contract),
``ports`` (how an exported top's ports map to the network's arrays),
``simulate`` (the two-phase cocotb runner under Verilator and Icarus) and
``yosys`` (a synthesis cross-check).  It reads only the IR.
"""
