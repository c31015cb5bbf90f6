"""Times and lengths in words people read at a glance.

Naive datetimes are taken to be UTC, like everywhere else in broadsheet.
Names of days and months are English whatever the locale, so that columns keep
their width and tests their answers.
"""

from __future__ import annotations

from datetime import datetime, timezone

__all__ = ["ago", "short_ago", "reading_time", "format_date"]

_MINUTE = 60
_HOUR = 60 * _MINUTE
_DAY = 24 * _HOUR
_WEEK = 7 * _DAY
_MONTH = 30 * _DAY
_YEAR = 365 * _DAY

# Below this many seconds a moment is "just now".
JUST_NOW_SECONDS = 45

_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _elapsed(moment: datetime, now: datetime | None) -> float:
    now = _aware(now) if now is not None else datetime.now(timezone.utc)
    return (now - _aware(moment)).total_seconds()


def _units(seconds: float) -> tuple[int, str]:
    """Split an age of at least :data:`JUST_NOW_SECONDS` into (count, unit).

    Counts are rounded down: 1 h 59 min is "1 hour".  Weeks run to 4, months
    (of 30 days) to 11; a year is 365 days.
    """
    if seconds < _HOUR:
        return max(1, int(seconds // _MINUTE)), "minute"
    if seconds < _DAY:
        return int(seconds // _HOUR), "hour"
    if seconds < _WEEK:
        return int(seconds // _DAY), "day"
    if seconds < _MONTH:
        return int(seconds // _WEEK), "week"
    if seconds < _YEAR:
        return min(11, int(seconds // _MONTH)), "month"
    return int(seconds // _YEAR), "year"


_SHORT = {"minute": "m", "hour": "h", "day": "d", "week": "w", "month": "mo", "year": "y"}


def ago(moment: datetime | None, now: datetime | None = None) -> str:
    """How long ago ``moment`` was: "just now", "1 minute ago", "3 weeks ago"…

    Moments in the future by less than a day (clock skew) are "just now";
    further ahead they are shown as their local date, "2027-01-05".
    ``None`` gives "".
    """
    if moment is None:
        return ""
    seconds = _elapsed(moment, now)
    if seconds < -_DAY:
        return _aware(moment).astimezone().strftime("%Y-%m-%d")
    if seconds < JUST_NOW_SECONDS:
        return "just now"
    count, unit = _units(seconds)
    return f"{count} {unit}{'' if count == 1 else 's'} ago"


def short_ago(moment: datetime | None, now: datetime | None = None) -> str:
    """Compact :func:`ago` for narrow columns: "now", "39m", "19h", "2d", "3w", "5mo", "2y".

    Moments more than a day ahead get a plus sign: "+2d".  ``None`` gives "".
    """
    if moment is None:
        return ""
    seconds = _elapsed(moment, now)
    if seconds < -_DAY:
        count, unit = _units(-seconds)
        return f"+{count}{_SHORT[unit]}"
    if seconds < JUST_NOW_SECONDS:
        return "now"
    count, unit = _units(seconds)
    return f"{count}{_SHORT[unit]}"


def reading_time(minutes: int) -> str:
    """ "1 min read", "12 min read"; "" when there is nothing to read."""
    if minutes <= 0:
        return ""
    return f"{minutes} min read"


def format_date(moment: datetime | None) -> str:
    """A full local date and time: "Sun 29 Nov 2026, 14:05"; "" for ``None``."""
    if moment is None:
        return ""
    local = _aware(moment).astimezone()
    return (
        f"{_DAYS[local.weekday()]} {local.day} {_MONTHS[local.month - 1]} {local.year}, "
        f"{local.hour:02d}:{local.minute:02d}"
    )
