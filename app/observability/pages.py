"""What only the UI can count (its pages, their sockets, their subscriptions, tab storages): it registers how here.

The metrics read these counts at scrape time; nothing of the app below the UI knows how pages are kept.
"""

from collections.abc import Callable
from typing import Literal

Count = Callable[[], int]
PageCount = Literal["pages", "connected_pages", "subscriptions", "tab_storages"]

_counts: dict[str, Count] = {}


def count_pages_with(name: PageCount, count: Count) -> None:
    """Register how the UI counts `name`; registering again replaces it (an app mounted anew, as in tests)."""
    _counts[name] = count


def page_count(name: PageCount) -> int:
    """The UI's count of `name` now; 0 while no UI registered one (a process serving the API alone)."""
    count = _counts.get(name)
    return 0 if count is None else count()
