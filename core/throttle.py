"""Throttling that slows whoever guesses passwords, not the owner of the account, kept in Django's cache.

A login is judged against three counts of failed logins, each within LIVSKRAFT_LOGIN_WINDOW_SECONDS (15 minutes):

- **One address and one user name together** (the pair). The first LIVSKRAFT_LOGIN_FREE_PER_PAIR (5) failures
  cost nothing; after them every attempt from that address for that name waits a delay that doubles with each
  further failure, counted from the last one: LIVSKRAFT_LOGIN_DELAY_SECONDS (2), 4, 8 … seconds, at most the
  window. A guesser at one address gets about 14 guesses at a name in 15 minutes, and the owner, at her own
  address, never notices: her count is her own.
- **One address** (LIVSKRAFT_LOGIN_MAX_PER_IP, 20 failures): an address trying many names is refused until the
  window has slid past its failures.
- **One user name from every address** (LIVSKRAFT_LOGIN_MAX_PER_USER, 30 failures): a slow ceiling against
  guessing spread over many addresses. Once it is reached, the name is refused from every address except those
  it logged in from in the last LIVSKRAFT_LOGIN_KNOWN_ADDRESS_DAYS (90): the owner at her office or at home keeps
  getting in while the guessers wait. At a new address she can reset her password by e-mail, which logs her in.

Attempts refused are refused before the password is checked and are not counted, so a refusal ends by itself.
A successful login clears the pair, gives the address and the name back the places the attempt took, and
remembers the address for the name; it does not clear the name's other failures, so the owner logging in does not
reopen her name to a guesser elsewhere. Unknown user names are counted and refused exactly as real ones, so no
answer tells whether a name exists.

Password reset requests (`RequestLimit`) are counted per address and per e-mail address within
LIVSKRAFT_RESET_WINDOW_SECONDS (an hour): LIVSKRAFT_RESET_MAX_PER_IP (10) and LIVSKRAFT_RESET_MAX_PER_EMAIL (3).

Each count slides in slices of a fifteenth of its window (a minute for 15 minutes); each slice is one cache
counter. An attempt reserves its place with the cache's `incr` before the password is checked and keeps it if the
login fails, so a burst of simultaneous guesses cannot slip past a limit on a cache whose `incr` is atomic (local
memory, Redis, Memcached): each reserved place is judged by its own number.

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
PAIR = "pair"
USER = "user"
ADDRESS = "address"
KNOWN = "known"
LAST = "last"


class LoginRefused(Exception):  # noqa: N818 (a refusal, not an error)
    """Raised instead of checking the password (or sending a mail); `seconds` is how long until a try is allowed."""

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


def _key(kind: str, value: str, *parts) -> str:
    # Hashed: any user name makes a valid key for every cache backend (Memcached refuses spaces).
    digest = hashlib.sha256(value.encode()).hexdigest()
    return ":".join([KEY_PREFIX, kind, digest, *map(str, parts)])


class SlidingCount:
    """How many times something happened for one value (an address, a name) within the last `window` seconds."""

    def __init__(self, kind: str, window: int):
        self.kind = kind
        self.window = window
        self.slice = max(1, window // SLICES_PER_WINDOW)
        self.slices = math.ceil(window / self.slice)

    def counts(self, value: str, now: float) -> dict[int, int]:
        """Return the count of each slice in the window that has any, by the slice's number."""
        keys = {_key(self.kind, value, index): index for index in self._indices(now)}
        return {keys[key]: count for key, count in cache.get_many(list(keys)).items() if count > 0}

    def add_one(self, value: str, now: float) -> tuple[str, int]:
        """Count one more in the current slice; return its key and the total in the window, this one included."""
        current = int(now // self.slice)
        key = _key(self.kind, value, current)
        timeout = self.window + self.slice
        cache.add(key, 0, timeout)
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout)
            count = 1
        # The database and file caches write incr's result with their default timeout; keep the slice for the window.
        cache.touch(key, timeout)
        slices = self.counts(value, now)
        slices[current] = count
        return key, sum(slices.values())

    def clear(self, value: str, now: float) -> None:
        cache.delete_many([_key(self.kind, value, index) for index in self._indices(now)])

    @staticmethod
    def release(key: str) -> None:
        with contextlib.suppress(ValueError):  # already expired or cleared
            cache.decr(key)

    def wait(self, slices: dict[int, int], limit: int, now: float) -> int:
        """Return the seconds until fewer than `limit` remain in the window, the oldest leaving first."""
        remaining = sum(slices.values())
        for index in sorted(slices):
            remaining -= slices[index]
            if remaining < limit:
                return max(1, math.ceil((index + self.slices) * self.slice - now))
        return self.window

    def _indices(self, now: float) -> range:
        current = int(now // self.slice)
        return range(current - self.slices + 1, current + 1)


@dataclass
class Attempt:
    """One login attempt that has reserved its place in the counts it counts against."""

    throttle: "LoginThrottle"
    name: str
    address: str
    reserved: dict[str, str] = field(default_factory=dict)  # kind of count → the cache key of its place

    def succeeded(self) -> None:
        """Forget the pair's failures, give the address and the name their places back, remember the address."""
        now = self.throttle.clock()
        self.throttle.pair.clear(self.throttle.pair_value(self.name, self.address), now)
        for kind in (ADDRESS, USER):
            if kind in self.reserved:
                SlidingCount.release(self.reserved[kind])
        self.throttle.remember(self.name, self.address)

    def abandoned(self) -> None:
        """Give every place back: the password was never judged (e.g. the database failed)."""
        for key in self.reserved.values():
            SlidingCount.release(key)


class LoginThrottle:
    """Count failed logins per address and name, per address and per name; `clock` returns the time in seconds."""

    def __init__(self, clock: Callable[[], float] = time.time):
        self.clock = clock
        window = int(settings.LIVSKRAFT_LOGIN_WINDOW_SECONDS)
        self.window = window
        self.pair = SlidingCount(PAIR, window)
        self.counts = {ADDRESS: SlidingCount(ADDRESS, window), USER: SlidingCount(USER, window)}
        self.limits = {ADDRESS: settings.LIVSKRAFT_LOGIN_MAX_PER_IP, USER: settings.LIVSKRAFT_LOGIN_MAX_PER_USER}
        self.free = settings.LIVSKRAFT_LOGIN_FREE_PER_PAIR
        self.delay = settings.LIVSKRAFT_LOGIN_DELAY_SECONDS

    def begin(self, username: str, address: str | None) -> Attempt:
        """Reserve a place for one attempt, or raise LoginRefused without reserving anything."""
        now = self.clock()
        name, address = self.normalise(username), address or ""
        pair = self.pair_value(name, address)
        # The owner at an address she logged in from is not held back by failures at other addresses.
        limited = {ADDRESS: address, USER: None if self.is_known(name, address) else name}
        for kind, value in limited.items():
            if value:
                slices = self.counts[kind].counts(value, now)
                if sum(slices.values()) >= self.limits[kind]:
                    self._refuse(kind, value, self.counts[kind].wait(slices, self.limits[kind], now))
        failures = sum(self.pair.counts(pair, now).values())
        if wait := self.pair_wait(pair, failures, now):
            self._refuse(PAIR, pair, wait)

        attempt = Attempt(self, name, address)
        for kind, value in ((ADDRESS, address), (USER, name)):
            if not value:
                continue
            attempt.reserved[kind], total = self.counts[kind].add_one(value, now)
            if limited[kind] and total > self.limits[kind]:
                # Simultaneous attempts took the last places first.
                attempt.abandoned()
                slices = self.counts[kind].counts(value, now)
                self._refuse(kind, value, self.counts[kind].wait(slices, self.limits[kind], now))
        attempt.reserved[PAIR], total = self.pair.add_one(pair, now)
        if wait := self.pair_wait(pair, total - 1, now):
            attempt.abandoned()  # a simultaneous attempt from the same address took this delay's turn
            self._refuse(PAIR, pair, wait)
        cache.set(_key(LAST, pair), now, self.window + self.pair.slice)
        return attempt

    def delay_after(self, failures: int) -> int:
        """Return how long the pair waits after this many failures: nothing for the first few, then doubling."""
        if failures < self.free:
            return 0
        return min(self.delay * 2 ** min(failures - self.free, 32), self.window)

    def pair_wait(self, pair: str, failures: int, now: float) -> int:
        """Return the seconds the pair must still wait after `failures` failures, the last stored as LAST."""
        delay = self.delay_after(failures)
        if not delay:
            return 0
        last = cache.get(_key(LAST, pair))
        if last is None:  # counted by a simultaneous attempt that has not stored its time yet
            return delay
        return max(0, math.ceil(last + delay - now))

    def remember(self, name: str, address: str) -> None:
        """Remember that the name logged in from the address: the name's ceiling does not hold her back there."""
        if address:
            cache.set(
                _key(KNOWN, self.pair_value(name, address)), 1, settings.LIVSKRAFT_LOGIN_KNOWN_ADDRESS_DAYS * 86400
            )

    def is_known(self, name: str, address: str) -> bool:
        return bool(address) and cache.get(_key(KNOWN, self.pair_value(name, address))) is not None

    @staticmethod
    def normalise(username: str) -> str:
        return username.casefold()

    @staticmethod
    def pair_value(name: str, address: str) -> str:
        return f"{address} {name}"

    def _refuse(self, kind: str, value: str, seconds: int):
        """Log the refusal and raise LoginRefused with the seconds until an attempt is allowed."""
        what = {PAIR: "address and user name", ADDRESS: "address", USER: "user name"}[kind]
        logger.warning(
            "Login refused: too many failed attempts for %s %r; the next attempt is allowed in %d s.",
            what,
            value,
            seconds,
        )
        raise LoginRefused(max(1, seconds))


class RequestLimit:
    """At most `limit` requests per value (an address, an e-mail address) within `window` seconds."""

    def __init__(self, kind: str, limit: int, window: int, clock: Callable[[], float] = time.time):
        self.count = SlidingCount(kind, window)
        self.limit = limit
        self.clock = clock

    def take(self, value: str) -> None:
        """Count one request, or raise LoginRefused without counting it when the limit is reached."""
        now = self.clock()
        value = value.casefold()
        slices = self.count.counts(value, now)
        if sum(slices.values()) >= self.limit:
            raise LoginRefused(self.count.wait(slices, self.limit, now))
        key, total = self.count.add_one(value, now)
        if total > self.limit:
            SlidingCount.release(key)
            raise LoginRefused(self.count.wait(self.count.counts(value, now), self.limit, now))


def reset_limits() -> dict[str, RequestLimit]:
    """Return the limits on password reset requests: per address and per e-mail address."""
    window = settings.LIVSKRAFT_RESET_WINDOW_SECONDS
    return {
        ADDRESS: RequestLimit("reset-address", settings.LIVSKRAFT_RESET_MAX_PER_IP, window),
        "email": RequestLimit("reset-email", settings.LIVSKRAFT_RESET_MAX_PER_EMAIL, window),
    }


def refused_login_status(view):
    """Answer 429 Too Many Requests, with Retry-After, when the form refused an attempt."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        refused = getattr(request, "login_refused", None)
        if refused is not None:
            response.status_code = 429
            response.headers["Retry-After"] = str(refused.seconds)
        return response

    return wrapped
