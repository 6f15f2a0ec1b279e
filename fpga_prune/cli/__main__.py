"""``python -m fpga_prune.cli``: the same entry point as the ``fpga-prune`` script."""

import sys

from fpga_prune.cli.app import main

sys.exit(main())
