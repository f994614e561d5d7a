"""Category filter: keep only the records whose category the trigger's configuration lists.

Pure; the caller counts what it drops.
"""

from __future__ import annotations

from collections.abc import Iterable

from azure_eventhub.decoding.batch import DecodedBatch


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

    def keeps(self, category: str | None) -> bool:
        if not self._wanted:
            return True
        return category is not None and category.casefold() in self._wanted

    def apply(self, decoded: DecodedBatch) -> tuple[DecodedBatch, int]:
        """The batch without the records this filter drops (``decoded`` must carry categories),
        and how many it dropped. Item indexes stay those of the original bodies."""
        if not self._wanted:
            return decoded, 0
        kept = list(map(self.keeps, decoded.categories))
        dropped = kept.count(False)
        if not dropped:
            return decoded, 0
        indexes = decoded.item_indexes()
        texts: list[str] = []
        categories: list[str | None] = []
        new_indexes: list[int] = []
        ends: list[int] = []
        start = 0
        for end in decoded.ends:
            for number in range(start, end):
                if kept[number]:
                    texts.append(decoded.texts[number])
                    categories.append(decoded.categories[number])
                    new_indexes.append(indexes[number])
            ends.append(len(texts))
            start = end
        filtered = DecodedBatch(texts, ends, new_indexes, categories, decoded.dead_letters, decoded.outcomes)
        return filtered, dropped

    def __repr__(self) -> str:
        return f"CategoryFilter({sorted(self._wanted)!r})"
