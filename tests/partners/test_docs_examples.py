"""The examples of docs/integrations.md run as written against a live server with the demo's partner."""

import re
import subprocess
from pathlib import Path

import pytest

from demo.loader import load_partner, load_people, load_reference
from tickets.models import Ticket

DOC = (Path(__file__).resolve().parents[2] / "docs" / "integrations.md").read_text()
DEMO_SERVER = "http://127.0.0.1:8000"


def block(language: str, index: int = 0) -> str:
    return re.findall(rf"```{language}\n(.*?)```", DOC, re.S)[index]


@pytest.fixture
def demo_server(live_server):
    load_people(load_reference())
    load_partner()
    return live_server.url


@pytest.mark.django_db(transaction=True)
def test_the_python_example_files_follows_and_adds_material(demo_server, capsys):
    exec(block("python").replace(DEMO_SERVER, demo_server), {})  # our own documentation
    printed = capsys.readouterr().out.splitlines()
    ticket = Ticket.objects.get(partner_work_order__external_id="12345-20261205-0001")
    assert printed[0] == f"201 {ticket.number} submitted"
    assert printed[1].startswith("(200, {") and printed[2].startswith("(200, {")
    assert ticket.comments.get().body == "已补充负荷清单。"


@pytest.mark.django_db(transaction=True)
def test_the_curl_examples_run(demo_server):
    partner = subprocess.run(["bash", "-c", block("sh", 0).replace(DEMO_SERVER, demo_server)], capture_output=True,
                             text=True, check=True)  # fmt: skip
    assert '"external_id":"12345-20261205-0002"' in partner.stdout
    open311 = subprocess.run(["bash", "-c", block("sh", 1).replace(DEMO_SERVER, demo_server)], capture_output=True,
                             text=True, check=True)  # fmt: skip
    assert '"service_code":"energy"' in open311.stdout.replace(" ", "")
    assert "<service_request_id>QH" in open311.stdout
    assert Ticket.objects.filter(partner_work_order__isnull=False).count() == 2
