"""Category filter: keep only the records whose category the trigger's configuration lists.

Pure; the caller counts what it drops.
"""

from __future__ import annotations

from collections.abc import Iterable

from azure_eventhub.decoding import Record


class CategoryFilter:
    """Keeps every record when no category is configured; otherwise only the records whose
    `category` is listed, compared case-insensitively (casefold). With a list set, records without
    a category (text records included) are dropped. Entries are stripped; blank ones are ignored.
    """

    __slots__ = ("_wanted",)

    def __init__(self, categories: Iterable[str]) -> None:
        self._wanted = frozenset(
            category.strip().casefold() for category in categories if category and category.strip()
        )

    @property
    def active(self) -> bool:
        return bool(self._wanted)

    def keep(self, record: Record) -> bool:
        if not self._wanted:
            return True
        category = record.category
        return category is not None and category.casefold() in self._wanted

    def __repr__(self) -> str:
        return f"CategoryFilter({sorted(self._wanted)!r})"
