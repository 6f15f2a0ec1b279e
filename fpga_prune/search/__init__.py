"""Fit the board: the search over pruning, precision, reuse factor and strategy.

Owns ``fit`` (``prune_to_fit`` under an accuracy floor and the board's
budget), ``designs`` (its candidates and result, and how one is chosen),
``precision`` (per-layer weight widths with QAT), ``cost`` (the board cost
that ``--objective resources`` minimises) and ``budget`` (what the search
tried and chose, as JSON, Markdown and plots).  It prices every candidate
with ``fpga_prune.estimate`` and scores it with the bit-accurate model.
"""
