"""CategoryFilter: empty keeps all; otherwise casefolded membership, records without category dropped."""

from __future__ import annotations

import pytest

from azure_eventhub.decoding import Record
from azure_eventhub.filtering import CategoryFilter


def record(category: str | None) -> Record:
    return Record("{}", category, 0)


def test_no_category_configured_keeps_everything() -> None:
    keep_all = CategoryFilter([])
    assert not keep_all.active
    assert all(keep_all.keep(record(c)) for c in ("SignInLogs", None, ""))


def test_blank_entries_do_not_activate_the_filter() -> None:
    assert not CategoryFilter(["", "  "]).active


CASES = {
    "listed": (["SignInLogs"], "SignInLogs", True),
    "case-insensitive": (["signinlogs"], "SignInLogs", True),
    "casefold-not-just-lower": (["STRASSE"], "Straße", True),
    "entry-stripped": ([" AuditLogs "], "AuditLogs", True),
    "not-listed": (["SignInLogs"], "AuditLogs", False),
    "no-category-dropped": (["SignInLogs"], None, False),
    "empty-category-dropped": (["SignInLogs"], "", False),
    "prefix-is-not-a-match": (["SignIn"], "SignInLogs", False),
    "one-of-several": (["AuditLogs", "Administrative"], "administrative", True),
}


@pytest.mark.parametrize("categories, category, kept", CASES.values(), ids=CASES.keys())
def test_keep(categories: list[str], category: str | None, kept: bool) -> None:
    category_filter = CategoryFilter(categories)
    assert category_filter.active
    assert category_filter.keep(record(category)) is kept


def test_accepts_any_iterable() -> None:
    assert CategoryFilter(c for c in ("a", "b")).keep(record("B"))
