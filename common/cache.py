"""A per-process memo with a time limit, for reference data that admins edit rarely.

Triage reads the taxonomy, the routing catalogue and the calendar for every ticket; reading them once a
minute instead keeps a worker fast. An edit is seen at once by the process that made it (the models'
signals clear the memo) and by every other process within `seconds`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")
_registry: list[ProcessCache] = []


class ProcessCache(Generic[T]):
    def __init__(self, loader: Callable[[], T], seconds: float):
        self.loader, self.seconds = loader, seconds
        self._value: T | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        _registry.append(self)

    def __call__(self) -> T:
        if time.monotonic() >= self._expires:
            with self._lock:
                if time.monotonic() >= self._expires:
                    self._value = self.loader()
                    self._expires = time.monotonic() + self.seconds
        return self._value  # type: ignore[return-value]

    def clear(self) -> None:
        self._expires = 0.0


def process_cache(seconds: float = 60) -> Callable[[Callable[[], T]], ProcessCache[T]]:
    return lambda loader: ProcessCache(loader, seconds)


def clear_process_caches(*_args, **_kwargs) -> None:
    """Forget every memo (a signal receiver: any reference-data edit in this process)."""
    for cache in _registry:
        cache.clear()
