"""The `make run` adapters for SMS and work notices: each message is written to a file under var/ (as the
e-mails are to var/mail), or to the log with `console`, so that the demo shows what would have gone out."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from ..models import OutgoingMessage
from ..outbox import Result

logger = logging.getLogger(__name__)


class FileSender:
    def __init__(self, directory: str):
        self.directory = Path(directory)

    def send(self, message: OutgoingMessage) -> Result:
        self.directory.mkdir(parents=True, exist_ok=True)
        name = f"{message.created_at:%Y%m%d-%H%M%S}-{message.pk}.json"
        record = {"to": message.address, "template": message.template, "params": message.params, "text": message.text}
        (self.directory / name).write_text(json.dumps(record, ensure_ascii=False, indent=2), encoding="utf-8")
        return Result(ok=True, reference=name)


class ConsoleSender:
    def send(self, message: OutgoingMessage) -> Result:
        logger.info("%s → %s: %s", message.get_channel_display(), message.address, message.text)
        return Result(ok=True)
