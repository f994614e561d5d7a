"""CategoryFilter: empty keeps all; otherwise casefolded membership, records without category dropped."""

from __future__ import annotations

import pytest

from azure_eventhub.decoding.batch import decode_batch
from azure_eventhub.delivery.filtering import CategoryFilter


def test_no_category_configured_keeps_everything() -> None:
    keep_all = CategoryFilter([])
    assert not keep_all.active
    assert all(keep_all.keeps(c) for c in ("SignInLogs", None, ""))


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
    assert category_filter.keeps(category) is kept


def test_accepts_any_iterable() -> None:
    assert CategoryFilter(c for c in ("a", "b")).keeps("B")


def test_apply_drops_records_keeps_message_boundaries_and_item_indexes() -> None:
    bodies = [
        b'{"records": [{"category": "AuditLogs", "n": 0}, {"category": "SignInLogs", "n": 1}]}',
        b'{"records": [{"category": "AuditLogs", "n": 2}]}',
        b'{"category": "signinlogs", "n": 3}',
    ]
    filtered, dropped = CategoryFilter(["SignInLogs"]).apply(decode_batch(bodies, with_categories=True))
    assert dropped == 2
    assert filtered.texts == ['{"category":"SignInLogs","n":1}', '{"category":"signinlogs","n":3}']
    assert filtered.ends == [1, 1, 2] and filtered.indexes == [1, 0]


def test_apply_without_drops_returns_the_batch_as_it_is() -> None:
    decoded = decode_batch([b'{"category": "AuditLogs"}'], with_categories=True)
    assert CategoryFilter(["auditlogs"]).apply(decoded) == (decoded, 0)
    assert CategoryFilter([]).apply(decoded) == (decoded, 0)
