"""Django's Redis cache, keeping one client per connection pool.

django.core.cache.backends.redis builds a new redis.Redis object for every cache call. A cached page costs
two calls (the data version and the page), and building the clients was a fifth of a cache hit's time in the
national benchmark. A redis.Redis is a thin, thread-safe wrapper around its connection pool, so one per pool
is enough.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
