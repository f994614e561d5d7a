import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_eventhub.chunking import ChunkBuilder
from azure_eventhub.tracking import MessageSlot

SLOT = MessageSlot(0, "0", None)


def test_a_chunk_completes_at_max_records():
    builder = ChunkBuilder(max_records=3)
    assert builder.add("a", SLOT, 0) is None
    assert builder.add("b", SLOT, 1) is None
    chunk = builder.add("c", SLOT, 2)
    assert chunk.records == ["a", "b", "c"] and chunk.indexes == [0, 1, 2] and chunk.chars == 3
    assert builder.take() is None


def test_a_record_that_does_not_fit_the_character_budget_starts_the_next_chunk():
    builder = ChunkBuilder(max_records=100, max_chars=10)
    assert builder.add("x" * 6, SLOT, 0) is None
    full = builder.add("y" * 6, SLOT, 1)
    assert full.records == ["x" * 6]
    assert builder.take().records == ["y" * 6]


def test_a_single_record_larger_than_the_budget_still_goes_alone():
    builder = ChunkBuilder(max_records=100, max_chars=10)
    assert builder.add("z" * 50, SLOT, 0) is None
    assert builder.add("a", SLOT, 1).records == ["z" * 50]


def test_take_respects_the_linger_age():
    builder = ChunkBuilder(max_records=10)
    builder.add("a", SLOT, 0)
    assert builder.take(older_than=60) is None
    assert builder.take(older_than=0).records == ["a"]


def test_halves_keep_slots_and_indexes_aligned():
    builder = ChunkBuilder(max_records=5)
    slots = [MessageSlot(n, str(n), None) for n in range(5)]
    chunk = None
    for n in range(5):
        chunk = builder.add(f"r{n}", slots[n], n)
    first, second = chunk.halves()
    assert first.records == ["r0", "r1"] and first.slots == slots[:2] and first.indexes == [0, 1]
    assert second.records == ["r2", "r3", "r4"] and second.chars == 6


def test_max_records_must_be_positive():
    with pytest.raises(ValueError):
        ChunkBuilder(max_records=0)


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.integers(min_value=0, max_value=12), max_size=40),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=30),
)
def test_add_many_makes_the_chunks_that_add_one_by_one_makes(sizes, max_records, max_chars):
    texts = ["x" * size for size in sizes]
    slots = [MessageSlot(number, str(number), None) for number in range(len(texts))]
    indexes = list(range(len(texts)))
    one_by_one, bulk = ChunkBuilder(max_records, max_chars), ChunkBuilder(max_records, max_chars)
    expected = [chunk for chunk in map(one_by_one.add, texts, slots, indexes) if chunk is not None]
    produced = bulk.add_many(texts, slots, indexes)
    shape = lambda chunk: (chunk.records, chunk.slots, chunk.indexes, chunk.chars)  # noqa: E731
    assert list(map(shape, produced)) == list(map(shape, expected))
    left, left_bulk = one_by_one.take(), bulk.take()
    assert (left is None and left_bulk is None) or shape(left) == shape(left_bulk)
