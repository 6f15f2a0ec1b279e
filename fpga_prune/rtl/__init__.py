"""RTL: our Verilog of the IR, the ports of exported RTL, and its simulation.

Owns ``render`` (Jinja2 templates -> Verilog of a ``FixedNetwork``),
``ports`` (how an exported top's ports map to the network's arrays),
``simulate`` (the two-phase cocotb runner under Verilator and Icarus) and
``yosys`` (a synthesis cross-check).  It reads only the IR.
"""
