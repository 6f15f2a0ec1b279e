"""The ``fpga-prune`` command line: it parses and prints; the library does the work.

``app`` holds the registry of subcommands (``COMMANDS``), the parser and
``main``; each other module is one subcommand (``HELP``, ``add_arguments``,
``run``).  ``candle_options`` holds the candle-source options that
``data``, ``train``, ``prune`` and ``run`` share.
"""

from fpga_prune.cli.app import COMMANDS, build_parser, load_command, main

__all__ = ["COMMANDS", "build_parser", "load_command", "main"]
