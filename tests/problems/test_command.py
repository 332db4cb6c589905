"""`detect_common_problems` on history loaded with `import_history` (DESIGN.md §8)."""

import csv
import json
import math

from django.core.management import call_command

from problems.models import Problem
from problems.services import problems_detect
from tickets.models import Status

from .conftest import OTHER, SAME


def write_history(path):
    rows = [
        ("m1", "u1", *SAME[0], "2024/3/1 09:00:00", "", ""),
        ("m2", "u2", *SAME[1], "2024/3/5 10:00:00", "12", "3"),  # a message board's 赞同 / 反对
        ("m3", "u3", *SAME[2], "2024/3/20 11:00:00", "0", "0"),
        ("m4", "u1", *SAME[0], "2024/3/2 09:00:00", "", ""),
    ]
    rows += [
        (f"x{i}", f"v{i}", title, description, "2024/3/10 08:00:00", "", "")
        for i, (title, description) in enumerate(OTHER)
    ]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["message_id", "user_id", "title", "detail", "submitted_at", "upvotes", "downvotes"])
        writer.writerows(rows)


def test_import_history_then_detect_writes_the_json_contract(db, tmp_path):
    history, out = tmp_path / "history.csv", tmp_path / "found.json"
    write_history(history)
    call_command("import_history", str(history))
    call_command("detect_common_problems", "--json", str(out))
    found = json.loads(out.read_text(encoding="utf-8"))
    assert len(found) == 1
    assert (found[0]["ticket_external_ids"], found[0]["companies"]) == (["m1", "m4", "m2", "m3"], 3)
    assert "绿色产业园" in found[0]["title"]
    # heat and its parts (problems/heat.py): three companies in 30 days, one repeat, the newest report the
    # newest request (age 0), public support 12 − 3 = 9
    assert (found[0]["peak_companies_30_days"], found[0]["support"]) == (3, 9)
    assert found[0]["heat"] == round((3 + 0.1 * 1) * 1.0 * (1 + math.log10(10) / 4), 3)
    assert Problem.objects.get().chain is None  # imported history has no chain


def test_since_leaves_earlier_tickets_out(db, tmp_path):
    history, out = tmp_path / "history.csv", tmp_path / "found.json"
    write_history(history)
    call_command("import_history", str(history))
    call_command("detect_common_problems", "--since", "2024-03-04", "--json", str(out))
    found = json.loads(out.read_text(encoding="utf-8"))
    assert [p["ticket_external_ids"] for p in found] == [["m2", "m3"]]


def test_tickets_without_external_id_are_named_by_number(world, make_ticket, third_user, tmp_path):
    made = [
        make_ticket(Status.PENDING_DISPATCH, user=user, title=title, description=description)
        for user, (title, description) in zip([world.company_user, world.other_company_user], SAME[:2], strict=True)
    ]
    for i, (title, description) in enumerate(OTHER):
        make_ticket(Status.PENDING_DISPATCH, user=third_user, title=title, description=description + str(i))
    out = tmp_path / "found.json"
    call_command("detect_common_problems", "--json", str(out))
    found = json.loads(out.read_text(encoding="utf-8"))
    assert found[0]["ticket_external_ids"] == [t.number for t in made]
    assert found[0]["companies"] == 2
    assert problems_detect().created == []  # a rerun adds nothing new
