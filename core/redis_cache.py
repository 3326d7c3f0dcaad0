"""Django's Redis cache, keeping one client per connection pool and surviving an unreachable Redis.

django.core.cache.backends.redis builds a new redis.Redis object for every cache call. A cached page costs
two calls (the data version and the page), and building the clients was a fifth of a cache hit's time in the
national benchmark. A redis.Redis is a thin, thread-safe wrapper around its connection pool, so one per pool
is enough.

The cache only makes the portal faster: the database holds everything. When Redis refuses connections or does
not answer within its socket timeouts (settings CACHES OPTIONS), every cache call answers as if the cache were
empty: a read misses, a write is dropped, incr() raises ValueError as for a missing key. The first failure is
logged once; for LIVSKRAFT_CACHE_RETRY_SECONDS after it, calls in this process do not try Redis at all, so a
hung Redis costs one request a socket timeout now and then, not every request. The first call after that
pause tries again; when Redis answers, the outage ends (logged with its length) and `cache_recovered` is sent
before that call goes on, so that the page cache can retire every page stored before the outage.

Only connection and timeout errors count as an outage: any other Redis error is a bug and is raised.
"""

import logging
import threading
import time

from django.conf import settings
from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from django.dispatch import Signal
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Sent (with location=the cache's LOCATION) when a cache that was unreachable answers again.
cache_recovered = Signal()

UNREACHABLE = (RedisConnectionError, RedisTimeoutError)


class Outage:
    """Whether one Redis location is unreachable, shared by every thread of the process (Django gives each thread
    its own cache object, so the state cannot live on it)."""

    def __init__(self, location: str):
        self.location = location
        self.since: float | None = None  # time.monotonic() of the first failure, None while reachable
        self.retry_at = 0.0
        self._lock = threading.Lock()

    @property
    def down(self) -> bool:
        return self.since is not None

    def may_try(self) -> bool:
        """True while reachable; during an outage, True for one caller once the pause is over."""
        if self.since is None:
            return True
        with self._lock:
            now = time.monotonic()
            if now < self.retry_at:
                return False
            self.retry_at = now + settings.LIVSKRAFT_CACHE_RETRY_SECONDS  # the other threads keep waiting
            return True

    def failed(self, error: Exception) -> None:
        with self._lock:
            now = time.monotonic()
            self.retry_at = now + settings.LIVSKRAFT_CACHE_RETRY_SECONDS
            if self.since is not None:
                return
            self.since = now
        logger.error(
            "Cache unreachable at %s (%s): serving pages uncached, trying again every %s s.",
            self.location,
            error,
            settings.LIVSKRAFT_CACHE_RETRY_SECONDS,
        )

    def answered(self) -> bool:
        """Note a successful call; True if it ended an outage."""
        if self.since is None:
            return False
        with self._lock:
            if self.since is None:
                return False
            seconds, self.since = time.monotonic() - self.since, None
        logger.warning("Cache reachable again at %s after %.1f s.", self.location, seconds)
        return True


_OUTAGES: dict[str, Outage] = {}
_OUTAGES_LOCK = threading.Lock()


def outage_of(location: str) -> Outage:
    with _OUTAGES_LOCK:
        return _OUTAGES.setdefault(location, Outage(location))


def _resilient(method, missing):
    """Wrap a client method: during an outage answer missing(same arguments), or raise it if it is an exception."""

    def call(self, *args, **kwargs):
        outage = self.outage
        if outage.may_try():
            try:
                if outage.down:
                    # A cheap probe first: the recovery signal may use the cache before this call goes on.
                    self.get_client(write=True).ping()
                    if outage.answered():
                        cache_recovered.send(sender=type(self), location=outage.location)
                return method(self, *args, **kwargs)
            except UNREACHABLE as error:
                outage.failed(error)
        if isinstance(missing, type) and issubclass(missing, Exception):
            raise missing("The cache is unreachable: no such key.")
        return missing(*args, **kwargs)

    call.__name__ = method.__name__
    return call


def _false(*args, **kwargs):
    return False


def _none(*args, **kwargs):
    return None


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, location: str = "", **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}
        self.outage = outage_of(location)

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client

    def reachable(self) -> bool:
        """Whether Redis answers now (asked at most once per pause during an outage)."""
        return _resilient(lambda client: bool(client.get_client(write=True).ping()), _false)(self)

    add = _resilient(RedisCacheClient.add, _false)
    get = _resilient(RedisCacheClient.get, lambda key, default: default)
    set = _resilient(RedisCacheClient.set, _none)
    touch = _resilient(RedisCacheClient.touch, _false)
    delete = _resilient(RedisCacheClient.delete, _false)
    get_many = _resilient(RedisCacheClient.get_many, lambda keys: {})
    has_key = _resilient(RedisCacheClient.has_key, _false)
    # incr() raises ValueError for a missing key; callers already treat that as "start afresh".
    incr = _resilient(RedisCacheClient.incr, ValueError)
    set_many = _resilient(RedisCacheClient.set_many, _none)
    delete_many = _resilient(RedisCacheClient.delete_many, _none)
    clear = _resilient(RedisCacheClient.clear, _false)


class ReusingRedisCache(RedisCache):
    """The Redis cache with one client per pool, answering misses while Redis is unreachable (see the module)."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
        self._options = {**self._options, "location": ",".join(self._servers)}

    @property
    def unreachable(self) -> bool:
        """Whether the last call found Redis unreachable (and no call has reached it since)."""
        return self._cache.outage.down

    def reachable(self) -> bool:
        return self._cache.reachable()


def cache_unreachable(backend) -> bool:
    """Whether a cache (any backend; only Redis can be unreachable) failed its last call."""
    return getattr(backend, "unreachable", False)


def cache_reachable_now(backend) -> bool:
    """Ask the cache whether it answers (for the health check); local memory always does."""
    reachable = getattr(backend, "reachable", None)
    return True if reachable is None else reachable()
