"""Errors whose text is written for the person at the terminal.

The library raises these; the CLI catches :class:`OpsdeskError` at its edge,
prints ``Error: <message>`` on one line and exits with ``exit_code``.
"""


class OpsdeskError(Exception):
    """Base class: the message says what was wrong and what would be right."""

    exit_code = 1


class NotFound(OpsdeskError):
    """A record, system or file named by the user does not exist."""


class Refused(OpsdeskError):
    """The request is understood but the contract's rules forbid it."""


class InvalidInput(OpsdeskError):
    """A value given by the user cannot be read (bad time, bad month, naive datetime...)."""

    exit_code = 2


class StoreError(OpsdeskError):
    """The database cannot be opened, is damaged, or was written by a newer opsdesk."""


class BadOption(InvalidInput):
    """Options that do not go together, or an option's value out of its range: a usage mistake,
    reported as the command line reports its own (``Invalid value: ... (see `opsdesk CMD -h`)``)."""
