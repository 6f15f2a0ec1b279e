"""Verification, bit for bit: the bit-accurate model against C simulation and RTL.

Owns ``checks`` (each check and ``VerifyOptions``), ``project`` (``verify``:
the checks of one project directory, ``verify.json`` and JUnit XML) and
``foreign`` (any hls4ml project, read from its firmware).
A failed check is a result (exit 1), never an exception.
"""
