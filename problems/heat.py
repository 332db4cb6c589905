"""Heat (热度): the order of common problems in every list — the API, the chain workspace, the weekly digest and
`detect_common_problems`. One formula, shown with its parts wherever a problem is shown:

    heat = reach × recency × support

- reach = peak + ½ × (companies − peak) + ⅒ × (reports − companies). Companies count, and most of all those
  that reported within the busiest 30 days (`peak`): many at once is hotter than as many spread over a year,
  and a topic that collects a company a month never outranks one that hit twenty in a fortnight. Repeats by
  the same company add a little.
- recency = 1 / (1 + age / 365 days), the age measured from the last report to the newest request on the
  platform (not to the clock: history imported later keeps its order). A problem quiet for a year counts half.
- support = 1 + log10(1 + public support) / 4, where public support is the members' Σ max(0, upvotes −
  downvotes) when the source has them (a message board's 赞同/反对). A thousand supporters count 1.75 times.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

PEAK_PERIOD = timedelta(days=30)
HALF_AFTER = timedelta(days=365)


@dataclass(frozen=True)
class Heat:
    value: float
    companies: int
    reports: int
    peak: int  # companies that reported within the busiest PEAK_PERIOD
    support: int


def heat(companies: Sequence, times: Sequence[datetime], support: int, reference: datetime) -> Heat:
    """The heat of a problem whose reports came from `companies` at `times` (one entry per report)."""
    if not times:
        return Heat(0.0, 0, 0, 0, max(support, 0))
    count, reports, peak = len(set(companies)), len(times), busiest(companies, times)
    reach = peak + 0.5 * (count - peak) + 0.1 * (reports - count)
    age = max(reference - max(times), timedelta(0))
    recency = 1 / (1 + age / HALF_AFTER)
    support = max(support, 0)
    value = reach * recency * (1 + math.log10(1 + support) / 4)
    return Heat(round(value, 3), count, reports, peak, support)


def busiest(companies: Sequence, times: Sequence[datetime]) -> int:
    """The most distinct companies among reports within any PEAK_PERIOD (a sliding window over the reports)."""
    reports = sorted(zip(times, companies, strict=True), key=lambda report: report[0])
    inside: Counter = Counter()
    best, start = 0, 0
    for time, company in reports:
        inside[company] += 1
        while reports[start][0] < time - PEAK_PERIOD:
            _time, leaving = reports[start]
            inside[leaving] -= 1
            if not inside[leaving]:
                del inside[leaving]
            start += 1
        best = max(best, len(inside))
    return best
