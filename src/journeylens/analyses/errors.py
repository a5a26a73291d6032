"""The errors of a query that cannot be answered (re-exported by ``base``)."""

from __future__ import annotations


class AnalysisError(ValueError):
    """A query that cannot be answered; the message says what to do instead."""


class InputError(AnalysisError):
    """A value the user typed that cannot be read; the message names the input itself
    ("Window '2weeks': ..."), so it is shown as it is, without a field name in front."""
