"""kombu's Redis transports, publishing through one redis-py client per channel instead of a new one per message.

kombu's Redis channel makes a new `redis.Redis` for every message it publishes (`Channel.conn_or_acquire`), and
each one copies its ~170 reply handlers into a new dictionary: about a quarter of the CPU time of a `send_task`
(0.11 of 0.45 ms here), which every submit pays for its triage task (issue 16). The client is a thin handle on
the channel's connection pool; one per channel serves every message alike. It is made again when the channel's
pool is (kombu drops the pool on a reconnect and after a fork). Same URLs (`redis://`, `rediss://`,
`sentinel://`), same options; `install()` (qihu/celery.py) points kombu's names for them here.
"""

from contextlib import contextmanager

from kombu import transport
from kombu.transport import redis


class _OneClient:
    @contextmanager
    def conn_or_acquire(self, client=None):
        if client is None:
            pool = self.pool
            client = self.__dict__.get("_publishing_client")
            if client is None or client.connection_pool is not pool:
                client = self.__dict__["_publishing_client"] = self._create_client()
        yield client


class Channel(_OneClient, redis.Channel):
    pass


class SentinelChannel(_OneClient, redis.SentinelChannel):
    pass


class Transport(redis.Transport):
    Channel = Channel


class SentinelTransport(redis.SentinelTransport):
    Channel = SentinelChannel


def install() -> None:
    """kombu resolves a broker URL's scheme through this table when it first connects."""
    transport.TRANSPORT_ALIASES.update(
        redis=f"{__name__}:Transport", rediss=f"{__name__}:Transport", sentinel=f"{__name__}:SentinelTransport"
    )
