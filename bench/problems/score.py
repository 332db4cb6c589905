"""Common problems on real messages, scored against groups labelled by hand (issue 13; docs/common-problems.md).

Re-run: `make score-problems` (about 5 minutes: PostgreSQL from scripts/with-services). By hand:

    scripts/with-services .venv/bin/python bench/problems/score.py HISTORY.csv [MORE.csv ...] --gold GOLD.json

It imports the files with `import_history`, runs the full detection (as `detect_common_problems`), prints the
scores, the 20 hottest problems and where each labelled group went; then forgets the problems and replays every
ticket in filing order through the incremental step (`problem_attach_ticket`, what triage hands each new
ticket to) and scores that too. The outside check `score_clusters.py` is run on the full run's JSON when found.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qihu.settings")
os.environ.setdefault("DJANGO_DEBUG", "false")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402

from problems import services  # noqa: E402
from problems.evaluation import score  # noqa: E402
from problems.models import Problem, ProblemMember, TicketKeyTerm  # noqa: E402
from problems.selectors import problems_export  # noqa: E402
from tickets.models import Ticket  # noqa: E402

OUTSIDE_CHECK = ROOT.parent / "shared/checks/score_clusters.py"


def live_problems() -> list[dict]:
    live = Problem.objects.filter(status__in=services.LIVE_STATUSES).values_list("pk", flat=True)
    return problems_export(list(live))


def report(name: str, found: list[dict], gold: list[dict]) -> None:
    result = score([g["message_ids"] for g in gold], [p["ticket_external_ids"] for p in found])
    first20 = set(range(min(20, len(found))))
    in_first20 = sum(j >= 0.5 and k in first20 for k, j in result.best)
    print(f"\n{name}: {result.line()} in_first20_by_heat={in_first20}/{len(gold)} problems={len(found)}")
    for group, (k, jaccard) in zip(gold, result.best, strict=True):
        where = f"#{k + 1} {found[k]['title'][:30]}" if k >= 0 else "-"
        print(f"  {group['name'][:16]:18s} size={len(group['message_ids']):3d} jaccard={jaccard:.2f} → {where}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("files", nargs="+")
    parser.add_argument("--gold", required=True)
    parser.add_argument("--no-replay", action="store_true")
    args = parser.parse_args()
    gold = json.loads(Path(args.gold).read_text(encoding="utf-8"))["clusters"]
    call_command("migrate", verbosity=0)
    for path in args.files:
        call_command("import_history", path, verbosity=0)
    labelled = {m: g["name"] for g in gold for m in g["message_ids"]}

    started = time.perf_counter()
    services.problems_detect(index_terms=False)
    print(f"full run over {Ticket.objects.count()} tickets: {time.perf_counter() - started:.1f} s")
    found = live_problems()
    print("\nthe 20 hottest problems (heat = reach × recency × support, problems/heat.py):")
    print("   heat  companies reports peak30 support  title / key words / labelled group")
    for k, p in enumerate(found[:20], 1):
        groups = sorted({labelled[m] for m in p["ticket_external_ids"] if m in labelled})
        print(
            f"{k:2d} {p['heat']:6.2f} {p['companies']:6d} {len(p['ticket_external_ids']):7d} "
            f"{p['peak_companies_30_days']:6d} {p['support']:7d}  {p['title'][:34]}\n"
            f"{'':41s}{p['keywords']}{'  ← ' + '、'.join(groups) if groups else ''}"
        )
    report("full run", found, gold)
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False, encoding="utf-8") as out:
        json.dump(found, out, ensure_ascii=False)
    if OUTSIDE_CHECK.exists():
        checked = subprocess.run([sys.executable, OUTSIDE_CHECK, args.gold, out.name], capture_output=True, text=True)
        print(f"\n{OUTSIDE_CHECK.name}: {checked.stdout.strip().splitlines()[-1]}")

    if not args.no_replay:
        ProblemMember.objects.all().delete()
        Problem.objects.all().delete()
        TicketKeyTerm.objects.all().delete()  # the full run's document frequencies stay, as after a night
        started = time.perf_counter()
        ids = list(Ticket.objects.order_by("created_at", "pk").values_list("pk", flat=True))
        for ticket_id in ids:
            services.problem_attach_ticket(ticket_id=ticket_id)
        seconds = time.perf_counter() - started
        print(f"\nincremental replay: {len(ids)} tickets in {seconds:.0f} s ({1000 * seconds / len(ids):.0f} ms each)")
        report("incremental", live_problems(), gold)
    files = " ".join(args.files)
    print(f"\nre-run: scripts/with-services .venv/bin/python bench/problems/score.py {files} --gold {args.gold}")


if __name__ == "__main__":
    main()
