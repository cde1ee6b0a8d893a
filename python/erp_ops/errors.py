"""Errors the operations commands share with the command line (:mod:`harness.cli`)."""


class UsageError(RuntimeError):
    """A command cannot run as asked (printed as one line, exit code 1)."""
