"""A cache that keeps working when Redis does not.

``default`` is this backend in production: it uses the ``PRIMARY`` cache
(Redis) and, when that cannot be reached, the ``FALLBACK`` one (the database
table), so allauth's rate limits keep counting and no page fails because the
cache is down. After a failure the primary is left alone for
``RETRY_AFTER`` seconds, so a dead Redis costs one connection attempt per
process and interval, not one per call.
"""

import logging
import time

from django.core.cache import caches
from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache

logger = logging.getLogger(__name__)

RETRY_AFTER = 15.0
_down_until: dict[str, float] = {}


def _unreachable_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [ConnectionError, TimeoutError, OSError]
    try:
        from django_redis.exceptions import ConnectionInterrupted
        from redis.exceptions import RedisError

        errors += [ConnectionInterrupted, RedisError]
    except ImportError:  # pragma: no cover - redis is always installed here
        pass
    return tuple(errors)


UNREACHABLE = _unreachable_errors()


class FallbackCache(BaseCache):
    def __init__(self, location, params):
        super().__init__(params)
        options = params.get("OPTIONS", {})
        self.primary_alias = options["PRIMARY"]
        self.fallback_alias = options["FALLBACK"]

    @property
    def primary(self) -> BaseCache:
        return caches[self.primary_alias]

    @property
    def fallback(self) -> BaseCache:
        return caches[self.fallback_alias]

    @property
    def _primary_key(self) -> str:
        return f"{self.primary_alias}:{caches.settings[self.primary_alias].get('LOCATION')}"

    def primary_is_up(self) -> bool:
        return time.monotonic() >= _down_until.get(self._primary_key, 0.0)

    def status(self) -> str:
        """ "ok" when the primary answers now, "fallback" when the database serves."""
        _down_until.pop(self._primary_key, None)
        self._call("has_key", "worq:healthz")
        return "ok" if self.primary_is_up() else "fallback"

    def _call(self, name, *args, **kwargs):
        if self.primary_is_up():
            try:
                return getattr(self.primary, name)(*args, **kwargs)
            except UNREACHABLE as exc:
                _down_until[self._primary_key] = time.monotonic() + RETRY_AFTER
                logger.warning(
                    "cache %s unreachable, using %s: %s", self.primary_alias, self.fallback_alias, exc
                )
        return getattr(self.fallback, name)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta=delta, version=version)

    def decr(self, key, delta=1, version=None):
        return self._call("decr", key, delta=delta, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def delete_pattern(self, pattern, **kwargs):
        """Tests and maintenance: clear matching keys where they can live."""
        try:
            return self.primary.delete_pattern(pattern, **kwargs)
        except (AttributeError, *UNREACHABLE):
            return None

    def clear(self):
        return self._call("clear")

    def close(self, **kwargs):
        for alias in (self.primary_alias, self.fallback_alias):
            try:
                caches[alias].close(**kwargs)
            except UNREACHABLE:
                pass
