#!/bin/sh
# Runs once, when the primary's data directory is created (docker-entrypoint-initdb.d): let the replica stream.
set -e
echo "host replication all all scram-sha-256" >> "$PGDATA/pg_hba.conf"
