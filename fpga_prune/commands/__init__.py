"""Subcommands of ``fpga-prune``; one module each (see ``fpga_prune.cli.COMMANDS``)."""
