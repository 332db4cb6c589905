"""Publishing to Redis through one client per channel (common/broker.py), on the real broker of the tests."""

import os

import redis
from celery import current_app
from kombu import pools


def test_a_channel_publishes_every_message_through_one_client():
    broker = redis.Redis.from_url(os.environ["CELERY_BROKER_URL"])
    broker.delete("celery")
    with current_app.producer_or_acquire() as producer:
        channel = producer.channel
        with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
            assert first is second  # kombu's own channel makes a client (~170 reply handlers) per message
        for n in range(3):
            current_app.send_task("triage.triage_ticket", args=(n,), producer=producer)
        assert broker.llen("celery") == 3
        channel._disconnect_pools()  # as kombu does on a reconnect and after a fork: a new pool, a new client
        with channel.conn_or_acquire() as third:
            assert third is not first and third.connection_pool is channel.pool
        current_app.send_task("triage.triage_ticket", args=(3,), producer=producer)
        assert broker.llen("celery") == 4
    pools.reset()  # the pool's channel was disconnected above: later tests publish on fresh connections
    current_app._pool = None
    current_app.amqp._producer_pool = None
