"""One Jinja2 environment for every generated file (Amaranth's settings).

Why: ``StrictUndefined`` turns a missing variable into an error instead of
an empty string in a Verilog or Tcl file; ``trim_blocks``/``lstrip_blocks``
keep control lines out of the output; ``keep_trailing_newline`` keeps files
POSIX-clean.  Templates are rendered into memory; callers write the tree at
once with :func:`fpga_prune.outdir.write_tree`.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import jinja2

from fpga_prune.resources import asset_path

#: The data of one template: names to strings, numbers, lists and nested dicts, as the template reads them
#: (Jinja2 checks the names at render time, ``StrictUndefined``).
TemplateContext = dict[str, Any]


@functools.lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(asset_path("hls_templates"))),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=False,
    )
    return env


def render(template: str, context: Mapping[str, object]) -> str:
    """Render ``hls_templates/<template>`` (a ``.j2`` file) with ``context``."""
    if not template.endswith(".j2"):
        raise ValueError(f"templates must be .j2 files, got {template!r}")
    return environment().get_template(template).render(**context)
