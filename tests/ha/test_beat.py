"""Two real beats on the suite's Redis (RedBeat): one holds the lock and sends, the other stands by and takes
over when the active one is killed (issue 19)."""

import os
import re
import sys

from topology.processes import kill, spawn, wait_until

from ..conftest import ROOT

ACQUIRED = re.compile(r"beat: Acquired lock")


def holds_lock(log) -> bool:
    return bool(ACQUIRED.search(log.read_text(errors="replace")))


def test_a_standby_beat_takes_over_when_the_active_one_dies(tmp_path):
    env = {**os.environ, "QIHU_BEAT_LOCK_TIMEOUT": "5", "QIHU_VAR_DIR": str(tmp_path)}
    logs = [tmp_path / f"beat{n}.log" for n in range(2)]
    beats = [
        spawn([sys.executable, "-m", "celery", "-A", "qihu", "beat", "--loglevel=info", "-s", str(tmp_path / f"s{n}")],
              log=log, env=env, cwd=ROOT)
        for n, log in enumerate(logs)
    ]  # fmt: skip
    try:
        (active,) = wait_until(lambda: [n for n in range(2) if holds_lock(logs[n])], timeout=90)
        standby = 1 - active
        assert not holds_lock(logs[standby])  # one lock, one beat sending
        kill(beats[active])
        wait_until(lambda: holds_lock(logs[standby]), timeout=60, what="the standby beat to take the lock")
    finally:
        for beat in beats:
            kill(beat)
