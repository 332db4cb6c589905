"""Real servers of the high-availability topology, started on loopback ports (issue 19).

SeaweedFS (S3-compatible object storage), a PostgreSQL primary with a streaming replica, Redis with a
replica and Sentinel, HAProxy. The HA tests (tests/ha/) start the parts they need from here, and so do
`scripts/with-replica` and the chaos run (bench/chaos/). Every process runs in its own session, so that
killing one (a fault) never takes its neighbours with it.
"""
