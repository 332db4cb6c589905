"""The embedded default's cache: Django's file-based cache, shared by every gunicorn worker of one machine.

Only the throttles use the cache, and they count with `add` and `incr` (common/throttling.py). Django's file
cache does both as a read then a write, so two workers counting at once could both read 5 and both write 6:
here both run under one lock file, and `incr` keeps the entry's expiry (Django's would reset it to the default
timeout). A local-memory cache would give each worker counters of its own, and a client as many tries.
"""

import os
import pickle
import time
import zlib
from contextlib import contextmanager

from django.core.cache.backends.base import DEFAULT_TIMEOUT
from django.core.cache.backends.filebased import FileBasedCache
from django.core.files import locks


class FileCache(FileBasedCache):
    @contextmanager
    def _locked(self):
        self._createdir()
        with open(os.path.join(self._dir, "lock"), "wb") as lock:  # no .djcache suffix: never culled
            locks.lock(lock, locks.LOCK_EX)
            try:
                yield
            finally:
                locks.unlock(lock)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        with self._locked():
            return super().add(key, value, timeout, version)

    def incr(self, key, delta=1, version=None):
        with self._locked():
            try:
                with open(self._key_to_file(key, version), "rb") as f:
                    expiry = pickle.load(f)
                    value = pickle.loads(zlib.decompress(f.read())) + delta
            except (FileNotFoundError, EOFError):
                expiry = 0
            if expiry is not None and expiry <= time.time():
                raise ValueError(f"Key '{key}' not found.")
            self.set(key, value, None if expiry is None else expiry - time.time(), version)
            return value
