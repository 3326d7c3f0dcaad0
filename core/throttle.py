"""Login throttling against password guessing, kept in Django's cache.

After LIVSKRAFT_LOGIN_MAX_PER_USER failed logins for one user name (case-insensitive), or
LIVSKRAFT_LOGIN_MAX_PER_IP from one address, within LIVSKRAFT_LOGIN_WINDOW_SECONDS, further
attempts are refused before the password is checked. A successful login clears the user name's
count. Refused attempts are not counted, so the lock ends when the window has passed, however
often someone keeps trying.

The window slides in slices of a fifteenth of its length (a minute for 15 minutes): each slice is
one cache counter. An attempt reserves its place with the cache's `incr` before the password is
checked and keeps it if the login fails, so a burst of simultaneous guesses cannot slip past the
limit on a cache whose `incr` is atomic (local memory, Redis, Memcached).

While the cache is unreachable (core/redis_cache.py answers every call as a miss) the throttle fails open:
nothing is counted and nobody is refused. Failing closed would lock every planner out for as long as Redis is
down, and would let anyone who can take Redis down do exactly that; failing open leaves guessing as slow as
the password hasher makes it, for the length of an outage that is logged and shown on /helse/.
"""

import contextlib
import hashlib
import ipaddress
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps

from django.conf import settings
from django.core.cache import cache

logger = logging.getLogger(__name__)

KEY_PREFIX = "livskraft:login-failures"
SLICES_PER_WINDOW = 15
USER = "user"
ADDRESS = "address"


class LoginRefused(Exception):  # noqa: N818 (a refusal, not an error)
    """Raised instead of checking the password; `seconds` is how long until an attempt is allowed."""

    def __init__(self, seconds: int):
        super().__init__(seconds)
        self.seconds = seconds

    @property
    def minutes(self) -> int:
        return max(1, math.ceil(self.seconds / 60))


def client_address(request) -> str | None:
    """Return the visitor's address as counted: REMOTE_ADDR, or our proxy's X-Forwarded-For if trusted.

    With LIVSKRAFT_TRUSTED_PROXY one reverse proxy stands in front of the portal and appends the
    address it saw; only that last entry is trusted, as the visitor can write anything before it.
    IPv6 addresses count per /64 network, which one visitor usually holds whole.
    """
    address = request.META.get("REMOTE_ADDR", "")
    if settings.LIVSKRAFT_TRUSTED_PROXY:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")[-1].strip()
        address = forwarded or address
    try:
        parsed = ipaddress.ip_address(address)
    except ValueError:
        return address or None
    if parsed.version == 6:
        if parsed.ipv4_mapped is not None:
            return str(parsed.ipv4_mapped)
        return str(ipaddress.ip_network(f"{parsed}/64", strict=False))
    return str(parsed)


@dataclass
class Attempt:
    """One login attempt that has reserved its place in the counters it counts against."""

    throttle: "LoginThrottle"
    username: str
    reserved: dict[str, str] = field(default_factory=dict)  # kind of counter → cache key

    def succeeded(self) -> None:
        """Clear the user name's count and give the address back its place."""
        self.throttle.clear_user(self.username)
        if ADDRESS in self.reserved:
            self.throttle.release(self.reserved[ADDRESS])

    def abandoned(self) -> None:
        """Give every place back: the password was never judged (e.g. the database failed)."""
        for key in self.reserved.values():
            self.throttle.release(key)


class LoginThrottle:
    """Count failed logins per user name and per address; `clock` returns the time in seconds."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        self.window = int(settings.LIVSKRAFT_LOGIN_WINDOW_SECONDS)
        self.slice = max(1, self.window // SLICES_PER_WINDOW)
        self.slices = math.ceil(self.window / self.slice)
        self.limits = {USER: settings.LIVSKRAFT_LOGIN_MAX_PER_USER, ADDRESS: settings.LIVSKRAFT_LOGIN_MAX_PER_IP}

    def begin(self, username: str, address: str | None) -> Attempt:
        """Reserve a place for one attempt, or raise LoginRefused without reserving anything."""
        now = self.clock()
        current = int(now // self.slice)
        counters = [(USER, self.normalise(username))] + ([(ADDRESS, address)] if address else [])
        counts = {counter: self._counts(*counter, current) for counter in counters}
        for counter, slices in counts.items():
            if sum(slices.values()) >= self.limits[counter[0]]:
                self._refuse(counter, slices, now)

        attempt = Attempt(self, username)
        for counter, slices in counts.items():
            key = self._key(*counter, current)
            place = self._add_one(key)
            attempt.reserved[counter[0]] = key
            slices[current] = place
            if sum(slices.values()) > self.limits[counter[0]]:
                # Simultaneous attempts took the last places first.
                attempt.abandoned()
                slices[current] -= 1
                self._refuse(counter, slices, now)
        return attempt

    def clear_user(self, username: str) -> None:
        current = int(self.clock() // self.slice)
        cache.delete_many([self._key(USER, self.normalise(username), index) for index in self._indices(current)])

    @staticmethod
    def normalise(username: str) -> str:
        return username.casefold()

    def release(self, key: str) -> None:
        with contextlib.suppress(ValueError):  # already expired or cleared
            cache.decr(key)

    def _key(self, kind: str, value: str, index: int) -> str:
        # Hashed: any user name makes a valid key for every cache backend (Memcached refuses spaces).
        digest = hashlib.sha256(value.encode()).hexdigest()
        return f"{KEY_PREFIX}:{kind}:{digest}:{index}"

    def _indices(self, current: int) -> range:
        return range(current - self.slices + 1, current + 1)

    def _counts(self, kind: str, value: str, current: int) -> dict[int, int]:
        keys = {self._key(kind, value, index): index for index in self._indices(current)}
        return {keys[key]: count for key, count in cache.get_many(list(keys)).items() if count > 0}

    def _add_one(self, key: str) -> int:
        timeout = self.window + self.slice
        cache.add(key, 0, timeout)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout)
            count = 1
        # The database and file caches write incr's result with their default timeout; keep the slice for the window.
        cache.touch(key, timeout)
        return count

    def _refuse(self, counter: tuple[str, str], slices: dict[int, int], now: float):
        """Log the refusal and raise LoginRefused with the time until the oldest failures leave the window."""
        kind, value = counter
        remaining = sum(slices.values())
        seconds = self.window
        for index in sorted(slices):
            remaining -= slices[index]
            if remaining < self.limits[kind]:
                seconds = math.ceil((index + self.slices) * self.slice - now)
                break
        logger.warning(
            "Login refused: too many failed attempts for %s %r; the next attempt is allowed in %d s.",
            "user name" if kind == USER else "address",
            value,
            seconds,
        )
        raise LoginRefused(max(1, seconds))


def refused_login_status(view):
    """Answer 429 Too Many Requests, with Retry-After, when the login form refused an attempt."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        refused = getattr(request, "login_refused", None)
        if refused is not None:
            response.status_code = 429
            response.headers["Retry-After"] = str(refused.seconds)
        return response

    return wrapped
