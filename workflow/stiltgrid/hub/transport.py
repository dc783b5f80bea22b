"""How a hub request is made: what a commit id looks like, which errors are worth retrying, and retries with backoff.

``huggingface_hub`` retries some calls itself (downloads, tree listings) but not repository info; every call the
fetch makes goes through :func:`with_retries`. Imported by the reader (stiltgrid.hub.base) and the data lock alike.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from typing import TypeVar

COMMIT = re.compile(r"^[0-9a-f]{40}$")
T = TypeVar("T")

TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}
_TRANSIENT_NAMES = {
    "ConnectError",
    "ReadError",
    "WriteError",
    "RemoteProtocolError",
    "ReadTimeout",
    "ConnectTimeout",
    "TimeoutException",
    "PoolTimeout",
    "NetworkError",
    "ChunkedEncodingError",
    "ConnectionError",
    "ConnectionResetError",
    "IncompleteRead",
    "StaleCopy",
}


def _chain(err: BaseException) -> Iterator[BaseException]:
    seen = set()
    while err is not None and id(err) not in seen:
        seen.add(id(err))
        yield err
        err = err.__cause__ or err.__context__


def transient(err: BaseException) -> tuple[bool, float | None]:
    """(whether the error is worth retrying, the server's Retry-After seconds if it gave one)."""
    for e in _chain(err):
        response = getattr(e, "response", None)
        status = getattr(response, "status_code", None)
        if status in TRANSIENT_STATUS:
            after = (getattr(response, "headers", None) or {}).get("Retry-After")
            return True, float(after) if after and str(after).strip().isdigit() else None
        if type(e).__name__ in _TRANSIENT_NAMES or "Consistency check failed" in str(e):
            return True, None
    return False, None


def with_retries(
    call: Callable[[], T],
    attempts: int = 5,
    base: float = 1.0,
    sleep: Callable[[float], None] = time.sleep,
    on_retry: Callable[[str], None] | None = None,
) -> T:
    """``call()``, retried with exponential backoff (or the server's Retry-After) while it fails transiently."""
    for attempt in range(1, attempts + 1):
        try:
            return call()
        except Exception as err:  # noqa: BLE001 - classified below; anything else goes up unchanged
            retry, after = transient(err)
            if not retry or attempt == attempts:
                raise
            wait = after if after is not None else min(base * 2 ** (attempt - 1), 30.0)
            if on_retry:
                on_retry(f"{type(err).__name__}: retrying in {wait:g} s ({attempt}/{attempts - 1})")
            sleep(wait)
    raise AssertionError("unreachable")
