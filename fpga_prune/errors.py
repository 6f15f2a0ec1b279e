"""The two kinds of failure a user sees, each mapped to one exit code.

Why two classes: the CLI must tell "your input is wrong" (exit 2) from "the
check you asked for failed" (exit 1), and print one line, never a traceback.
"""

from __future__ import annotations

EXIT_OK = 0
EXIT_CHECK_FAILED = 1
EXIT_BAD_INPUT = 2


class FpgaPruneError(Exception):
    """Base class; ``exit_code`` is what the CLI returns."""

    exit_code = EXIT_BAD_INPUT


class InputError(FpgaPruneError, ValueError):
    """Bad input: names the file, the field (or row) and the offending value."""

    exit_code = EXIT_BAD_INPUT

    def __init__(self, source: object, field: str | None, message: str) -> None:
        self.source = str(source)
        self.field = field
        self.detail = message
        where = self.source if field is None else f"{self.source}: {field}"
        super().__init__(f"{where}: {message}")


class CheckFailed(FpgaPruneError):
    """A check the user asked for did not pass (budget not met, mismatches)."""

    exit_code = EXIT_CHECK_FAILED
