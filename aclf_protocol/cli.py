"""Command line ``aclf-protocol`` (SPEC §10): the only module that reads files or prints."""

from __future__ import annotations

import sys

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (§10)."""
    args = sys.argv[1:] if argv is None else argv
    print("aclf-protocol: not yet implemented", args)  # noqa: T201
    return 2
