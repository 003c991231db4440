"""Return codes and exceptions of the Lars client.

``RetCode`` is the wire's ``LarsRetCode`` (docs/PROTOCOL.md §3): the code
of a ``get_host`` answer, and the outcome a caller reports. Failures to get
a usable answer at all are exceptions: :class:`LarsTimeoutError` when the
agent did not answer in time, :class:`LarsSystemError` when it answered
something unusable or a socket call failed.
"""

from __future__ import annotations

import enum


class RetCode(enum.IntEnum):
    """``LarsRetCode``: the agent's return codes, as on the wire."""

    SUCC = 0
    """``RET_SUCC``: a host was chosen (in a report: the call succeeded)."""
    OVERLOAD = 1
    """``RET_OVERLOAD``: every host is overloaded (in a report: the call failed)."""
    SYSTEM_ERROR = 2
    """``RET_SYSTEM_ERROR``: the agent reported an error it should not send."""
    NOEXIST = 3
    """``RET_NOEXIST``: the module has no hosts (yet); the agent pulls its route."""

    @classmethod
    def from_wire(cls, value: int) -> RetCode:
        """The code of a wire value; a value outside 0..3 is ``SYSTEM_ERROR``."""
        try:
            return cls(value)
        except ValueError:
            return cls.SYSTEM_ERROR

    @property
    def wire_name(self) -> str:
        """The original's name: ``RET_SUCC``, ``RET_OVERLOAD``, ... ."""
        return "RET_" + self.name


class LarsError(Exception):
    """A call got no usable answer from the agent (the original's
    ``RET_SYSTEM_ERROR``)."""

    retcode = RetCode.SYSTEM_ERROR


class LarsTimeoutError(LarsError, TimeoutError):
    """No answer to the call arrived before the client's timeout: the
    agent is not running (``refused`` is then usually true: its port
    answered "connection refused") or is too busy."""

    def __init__(self, message: str, refused: bool = False) -> None:
        super().__init__(message)
        self.refused = refused


class LarsSystemError(LarsError):
    """The agent answered something that is not the answer to this call,
    or a socket call failed."""
