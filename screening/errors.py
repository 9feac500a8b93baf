"""Errors a user can act on.

Every failure caused by the input (not a video, corrupt, empty, no person, too long, no webcam) is a
:class:`ScreeningError` carrying what went wrong and what to do about it. The command line and the web
page print those two sentences and never a traceback.
"""
from __future__ import annotations


class ScreeningError(Exception):
    """An error caused by the input, with a plain-language fix."""

    def __init__(self, message: str, what_to_do: str):
        super().__init__(message)
        self.message = message
        self.what_to_do = what_to_do

    def __str__(self) -> str:  # pragma: no cover - trivial
        return f"{self.message} {self.what_to_do}"

    def __reduce__(self):
        # both sentences across a process boundary (a batch or a benchmark's worker processes): the default
        # pickling passes the message alone and the error could not be rebuilt there
        return type(self), (self.message, self.what_to_do)


class VideoError(ScreeningError):
    """The file cannot be read as a video, or is outside the limits."""


class NoPersonError(ScreeningError):
    """Pose tracking found nobody, or too little of a person, to measure."""


class ModelError(ScreeningError):
    """A pose model file is missing, unreadable, or would need a download."""
