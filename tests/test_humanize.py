"""Times and lengths in words."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest

from broadsheet.humanize import ago, format_date, reading_time, short_ago

NOW = datetime(2026, 11, 29, 14, 5, 30, tzinfo=timezone.utc)

S = timedelta(seconds=1)
MIN = timedelta(minutes=1)
H = timedelta(hours=1)
D = timedelta(days=1)


@pytest.fixture
def local_tz(monkeypatch):
    """Switch the process's local time zone (POSIX TZ strings, no tz database needed)."""

    def use(tz: str) -> None:
        monkeypatch.setenv("TZ", tz)
        time.tzset()

    yield use
    monkeypatch.undo()
    time.tzset()


AGES = [
    (timedelta(0), "just now", "now"),
    (44 * S, "just now", "now"),
    (45 * S, "1 minute ago", "1m"),
    (119 * S, "1 minute ago", "1m"),
    (2 * MIN, "2 minutes ago", "2m"),
    (39 * MIN, "39 minutes ago", "39m"),
    (H - S, "59 minutes ago", "59m"),
    (H, "1 hour ago", "1h"),
    (2 * H - S, "1 hour ago", "1h"),
    (19 * H + 40 * MIN, "19 hours ago", "19h"),
    (D - S, "23 hours ago", "23h"),
    (D, "1 day ago", "1d"),
    (2 * D, "2 days ago", "2d"),
    (7 * D - S, "6 days ago", "6d"),
    (7 * D, "1 week ago", "1w"),
    (21 * D, "3 weeks ago", "3w"),
    (30 * D - S, "4 weeks ago", "4w"),
    (30 * D, "1 month ago", "1mo"),
    (150 * D, "5 months ago", "5mo"),
    (364 * D, "11 months ago", "11mo"),
    (365 * D, "1 year ago", "1y"),
    (2 * 365 * D + 100 * D, "2 years ago", "2y"),
]


@pytest.mark.parametrize("age,long,short", AGES)
def test_ages(age, long, short):
    assert ago(NOW - age, now=NOW) == long
    assert short_ago(NOW - age, now=NOW) == short


def test_none_is_empty():
    assert ago(None) == ""
    assert short_ago(None) == ""
    assert format_date(None) == ""


def test_naive_datetimes_are_utc():
    naive_now = NOW.replace(tzinfo=None)
    assert ago(naive_now - 3 * H, now=NOW) == "3 hours ago"
    assert ago(NOW - 3 * H, now=naive_now) == "3 hours ago"
    assert short_ago(naive_now - 3 * D, now=naive_now) == "3d"


def test_other_time_zones_are_compared_as_instants():
    tokyo = timezone(timedelta(hours=9))
    assert ago((NOW - 2 * H).astimezone(tokyo), now=NOW) == "2 hours ago"


def test_default_now_is_the_current_time():
    assert ago(datetime.now(timezone.utc) - 10 * MIN) == "10 minutes ago"
    assert short_ago(datetime.now(timezone.utc) - 3 * D) == "3d"


@pytest.mark.parametrize("ahead", [S, 10 * MIN, 23 * H, D])
def test_slightly_in_the_future_is_just_now(ahead):
    assert ago(NOW + ahead, now=NOW) == "just now"
    assert short_ago(NOW + ahead, now=NOW) == "now"


def test_far_in_the_future_shows_the_date(local_tz):
    local_tz("UTC0")
    assert ago(datetime(2027, 1, 5, 12, 0, tzinfo=timezone.utc), now=NOW) == "2027-01-05"
    assert ago(NOW + D + S, now=NOW) == "2026-11-30"
    # The date is the local one.
    local_tz("EST+5")
    assert ago(datetime(2027, 1, 5, 2, 0, tzinfo=timezone.utc), now=NOW) == "2027-01-04"


def test_far_in_the_future_short_form():
    assert short_ago(NOW + 2 * D, now=NOW) == "+2d"
    assert short_ago(NOW + 40 * D, now=NOW) == "+1mo"


@pytest.mark.parametrize("minutes,text", [(0, ""), (-3, ""), (1, "1 min read"), (12, "12 min read")])
def test_reading_time(minutes, text):
    assert reading_time(minutes) == text


def test_format_date_in_local_time(local_tz):
    local_tz("UTC0")
    assert format_date(NOW) == "Sun 29 Nov 2026, 14:05"
    assert format_date(datetime(2027, 1, 5, 9, 7, tzinfo=timezone.utc)) == "Tue 5 Jan 2027, 09:07"
    local_tz("CET-1")  # one hour ahead of UTC
    assert format_date(NOW) == "Sun 29 Nov 2026, 15:05"
    assert format_date(datetime(2026, 12, 31, 23, 30, tzinfo=timezone.utc)) == "Fri 1 Jan 2027, 00:30"
    # Naive datetimes are UTC.
    assert format_date(datetime(2026, 11, 29, 14, 5)) == "Sun 29 Nov 2026, 15:05"
