"""The progress callback every long-running library function takes.

Why a module of its own at the bottom: the search, the verifier and the flow's
step runner all report progress the same way, and none of them may import
another's layer to learn the type.
"""

from __future__ import annotations

from collections.abc import Callable

#: a progress callback: one human-readable message per call
Progress = Callable[[str], None]

__all__ = ["Progress"]
