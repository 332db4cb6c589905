"""A person's digest as an e-mail: subject, plain text, HTML with its charts (by `cid:`, or as `data:` URIs in the
preview page). Sections and their charts are shared by everyone who gets them: drawn once per week."""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from datetime import timedelta

from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from common.links import site_url
from tickets import figures

from . import charts
from .content import ChainSection, CitySection, DepartmentSection, Week, WeekContent

DEPARTMENT_RATES = ("response", "resolution", "satisfaction", "on_time")
SIX_DAYS = timedelta(days=6)
CITY_RATES = ("response", "resolution", "satisfaction")  # 三率


@dataclass
class Rendered:
    subject: str
    text: str
    html: str  # the whole e-mail document
    body: str  # the digest itself, for a page to show
    images: dict[str, bytes] = field(default_factory=dict)  # content id → PNG


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.0%}"


class Renderer:
    """Renders the digests of one week; remembers each section's chart."""

    def __init__(self, content: WeekContent):
        self.content = content
        self._charts: dict[str, bytes | None] = {}

    def sections(self, *, departments=(), chains=(), city=False) -> list:
        found = [self.content.departments[pk] for pk in sorted(departments) if pk in self.content.departments]
        found += [self.content.chains[pk] for pk in sorted(chains) if pk in self.content.chains]
        if city and self.content.city is not None:
            found.append(self.content.city)
        return found

    def render(self, sections: list, *, inline: bool = False) -> Rendered:
        """`inline`: charts as data: URIs (a web page); otherwise `cid:` references and the images returned."""
        week = self.content.week
        images, blocks = {}, []
        for section in sections:
            png = self.chart(section)
            cid = f"{section.key}-{week.start:%Y%m%d}@qihu"
            src = None
            if png is not None:
                src = f"data:image/png;base64,{base64.b64encode(png).decode()}" if inline else f"cid:{cid}"
                if not inline:
                    images[cid] = png
            blocks.append({"section": section, "kind": section.kind, "chart": src, **_facts(section, week)})
        context = {
            "week": week, "blocks": blocks, "site": site_url(),
            "title": _("【每周简报】%(start)s 至 %(end)s") % {"start": week.start, "end": week.last_day},
        }  # fmt: skip
        body = render_to_string("digests/_body.html", context)  # a SafeString: rendered with escaping
        return Rendered(
            subject=context["title"],
            text=render_to_string("digests/email.txt", context),
            html=render_to_string("digests/email.html", {**context, "body": body}),
            body=body,
            images=images,
        )

    def chart(self, section) -> bytes | None:
        if section.key not in self._charts:
            self._charts[section.key] = _draw(section)
        return self._charts[section.key]


def _draw(section) -> bytes | None:
    labels = dict(figures.RATES)
    if isinstance(section, DepartmentSection):
        return charts.rates_chart(
            [str(labels[name]) for name in DEPARTMENT_RATES],
            [
                (section.department.local_name, [section.figures.rate(name) for name in DEPARTMENT_RATES]),
                (_("%(tier)s合计") % {"tier": section.tier_label}, [section.tier.rate(n) for n in DEPARTMENT_RATES]),
            ],
        )
    if isinstance(section, ChainSection):
        return charts.counts_chart(section.categories) if section.categories else None
    if isinstance(section, CitySection) and section.tiers:
        return charts.rates_chart(
            [t.label for t in section.tiers],
            [(str(labels[name]), [t.figures.rate(name) for t in section.tiers]) for name in CITY_RATES],
        )
    return None


def _facts(section, week: Week) -> dict:
    """The figures of a section as text, the same in the HTML and the plain-text part."""
    labels = dict(figures.RATES)
    if isinstance(section, DepartmentSection):
        f, due_from = section.figures, week.start + timedelta(days=7)  # due in the week the digest is read
        return {
            "rates": [(labels[n], pct(f.rate(n)), pct(section.tier.rate(n))) for n, _label in figures.RATES],
            "rank": f"{f.rank}/{section.ranked}" if f.rank else "—",
            "counts": [(label, f.counts[name]) for name, label in figures.COUNTS],
            "lists": [
                (_("本周新派单"), section.new),
                (_("%(start)s 至 %(end)s 到期") % {"start": due_from, "end": due_from + SIX_DAYS}, section.due),
                (_("已超时"), section.overdue), (_("本周退回"), section.returned), (_("本周重办"), section.reopened),
            ],
        }  # fmt: skip
    if isinstance(section, CitySection):
        return {
            "tier_rates": [
                (
                    t.label,
                    t.departments,
                    [(labels[n], pct(t.figures.rate(n))) for n in CITY_RATES],
                    t.figures.counts["dispatched"],
                )
                for t in section.tiers
            ],
            "rate_labels": [labels[n] for n in CITY_RATES],
            # Where the week's requests came from (渠道), and how each channel's fared.
            "channel_rates": [
                (c.label, c.counts["filed"], [(labels[n], pct(c.rate(n))) for n in CITY_RATES])
                for c in section.channels
            ],
        }
    return {}
