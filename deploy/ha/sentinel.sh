#!/bin/sh
# One Redis Sentinel of three (docker-compose.yml, `ha` profile): watches the master `qihu`; two must agree.
set -e
cat > /tmp/sentinel.conf <<CONF
port 26379
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel monitor qihu redis 6379 2
sentinel down-after-milliseconds qihu 3000
sentinel failover-timeout qihu 30000
sentinel parallel-syncs qihu 1
CONF
exec redis-server /tmp/sentinel.conf --sentinel
