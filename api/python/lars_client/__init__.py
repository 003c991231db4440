"""lars_client: the Lars client library for Python.

A caller asks the Lars LB agent on its own host which host of a module
(modid, cmdid) to call, and tells it how the call went. Pure Python over
UDP, speaking the same frames as the C++ and Rust clients
(docs/PROTOCOL.md); every call that waits gives up after the client's
timeout.

Layout: ``client.py`` (:class:`Client`), ``frame.py`` (frames, addresses,
hash keys, latencies and policies on the wire), ``errors.py`` (:class:`RetCode`, exceptions), ``lars_pb2.py``
(generated from proto/lars.proto), ``__main__.py`` (the command line).
"""

from lars_client.client import Client, Host, Route, RouteHost
from lars_client.errors import LarsError, LarsSystemError, LarsTimeoutError, RetCode
from lars_client.frame import hash_key

__all__ = [
    "Client",
    "Host",
    "Route",
    "RouteHost",
    "hash_key",
    "LarsError",
    "LarsSystemError",
    "LarsTimeoutError",
    "RetCode",
]
