"""The preview and settings pages, the charts without a CJK font, the beat schedule."""

import json
import os
import subprocess
import sys
from datetime import datetime
from io import BytesIO

from django.conf import settings
from PIL import Image

from digests import charts
from digests.content import previous_week
from digests.models import DigestSubscription
from tickets.models import Status

from ..conftest import ROOT
from .conftest import CITY, SCRIPT_TITLE


def test_preview_shows_the_digest_the_official_would_get(world, week_history, client):
    client.force_login(world.dept_head)
    page = client.get("/digests/preview/", {"week": "2026-11-02"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "国网衢州供电公司 · 部门简报" in html and "本周新派单：5" in html
    assert 'src="data:image/png;base64,' in html and "cid:" not in html
    assert SCRIPT_TITLE not in html and "&lt;script&gt;" in html


def test_preview_of_one_kind_and_of_roles_without_a_digest(world, week_history, client):
    from accounts.roles import Role
    from tests.factories import member

    member(world.supervisor, world.lead, Role.DEPT_HEAD)
    client.force_login(world.supervisor)
    html = client.get("/digests/preview/", {"week": "2026-11-02", "kind": "city"}).content.decode()
    assert "全市简报" in html and "部门简报</h2>" not in html
    client.force_login(world.handler)  # no digest: not in the menu, and the page is the site's 403 (issue 15)
    refused = client.get("/digests/preview/")
    assert refused.status_code == 403 and "每周简报发给部门负责人、链长和督办员" in refused.content.decode()
    assert 'href="/digests/preview/"' not in client.get("/dashboard/").content.decode()
    client.force_login(world.company_user)
    assert client.get("/digests/preview/").status_code == 403
    assert client.get("/digests/settings/").status_code == 403


def test_the_dashboard_links_to_the_preview(world, client):
    client.force_login(world.supervisor)
    assert 'href="/digests/preview/"' in client.get("/dashboard/").content.decode()


def test_settings_page_opts_out_and_back_in(world, client):
    client.force_login(world.dept_head)
    page = client.get("/digests/settings/")
    assert page.status_code == 200 and "部门简报" in page.content.decode() and "全市简报" not in page.content.decode()
    assert client.post("/digests/settings/", {}).status_code == 302  # the box unticked
    choice = DigestSubscription.objects.get(user=world.dept_head)
    assert (choice.department, choice.chain, choice.city) == (False, True, True)
    client.post("/digests/settings/", {"department": "on"})
    choice.refresh_from_db()
    assert choice.department


def test_charts_without_a_cjk_font_are_still_png():
    png = charts.counts_chart([("要素保障-用能", 5), ("融资金融", 2)], font=None)
    image = Image.open(BytesIO(png))
    assert image.format == "PNG" and image.width == 640
    assert charts.cjk_font() is not None  # fonts-noto-cjk is installed here (make test installs it)


def test_beat_sends_monday_0800_city_time_the_week_just_ended():
    entry = settings.CELERY_BEAT_SCHEDULE["weekly-digests"]
    schedule = entry["schedule"]
    assert entry["task"] == "digests.send_week"
    assert (schedule.hour, schedule.minute, schedule.day_of_week) == ({8}, {0}, {1})
    assert settings.CELERY_TIMEZONE == "Asia/Shanghai"
    assert previous_week(datetime(2026, 11, 9, 8, 0, tzinfo=CITY)).isoformat() == "2026-11-02"
    assert previous_week(datetime(2026, 11, 15, 23, 59, tzinfo=CITY)).isoformat() == "2026-11-02"


def test_a_cjk_font_installed_after_matplotlib_listed_the_fonts_is_found(tmp_path):
    """Issue 14: `make run` let matplotlib list the fonts before `make test` installed fonts-noto-cjk; that
    list is cached on disk and matplotlib never looks again. Reproduced with a cache built without the CJK
    faces (as before the font was installed) while the font is on disk."""
    env = {**os.environ, "MPLCONFIGDIR": str(tmp_path)}  # matplotlib's cache directory, fresh

    def run(code: str) -> str:
        done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    run("import matplotlib.font_manager")  # matplotlib's first run writes its font list
    (cache_file,) = tmp_path.glob("fontlist-v*.json")
    listed = json.loads(cache_file.read_text())
    cjk = [font for font in listed["ttflist"] if "CJK" in font["name"]]
    assert cjk, "fonts-noto-cjk is installed here (make test installs it)"
    listed["ttflist"] = [font for font in listed["ttflist"] if font not in cjk]  # as listed before the font came
    cache_file.write_text(json.dumps(listed))

    assert run("import matplotlib.font_manager as m; print(any('CJK' in f.name for f in m.fontManager.ttflist))") == (
        "False"
    )  # the stale list, as matplotlib reads it
    assert "CJK" in run("from digests import charts; print(charts.cjk_font())")
    # the list on disk is mended: the next process knows the font without looking
    assert any("CJK" in font["name"] for font in json.loads(cache_file.read_text())["ttflist"])


def test_a_week_without_evaluations_shows_dashes_not_zero_percent(world, make_ticket, client):
    """Issue 15: nothing evaluated is no rate at all ("—"), never 0 % resolution or satisfaction."""
    import re

    from accounts.roles import Role
    from tests.factories import member

    from .conftest import at

    with at(2026, 11, 2, 9, 0):
        make_ticket(Status.ACCEPTED)
    member(world.supervisor, world.lead, Role.DEPT_HEAD)
    client.force_login(world.supervisor)
    html = client.get("/digests/preview/", {"week": "2026-11-02"}).content.decode()
    cells = dict(re.findall(r"<tr><td[^>]*>([^<]+)</td><td[^>]*>([^<]+)</td>", html))
    assert cells["响应率"] == "100%" and cells["解决率"] == "—" and cells["满意率"] == "—"
    tiers = re.search(r'class="tiers">(.*?)</table>', html, re.S).group(1)
    assert ">0%<" not in tiers and ">—<" in tiers
