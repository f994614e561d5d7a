import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from azure_eventhub.delivery.chunking import Chunk, ChunkBuilder, joined


def test_a_chunk_completes_at_max_records():
    builder = ChunkBuilder(max_records=3)
    assert builder.add_run(["a", "b"], 0) == []
    (chunk,) = builder.add_run(["c", "d"], 2)
    assert chunk.records == ["a", "b", "c"] and chunk.ranges == [[0, 3]] and chunk.chars == 3
    assert builder.take().records == ["d"]


def test_a_record_that_does_not_fit_the_character_budget_starts_the_next_chunk():
    builder = ChunkBuilder(max_records=100, max_chars=10)
    assert builder.add_run(["x" * 6], 0) == []
    (full,) = builder.add_run(["y" * 6], 1)
    assert full.records == ["x" * 6]
    assert builder.take().records == ["y" * 6]


def test_a_single_record_larger_than_the_budget_goes_alone():
    builder = ChunkBuilder(max_records=100, max_chars=10)
    (alone,) = builder.add_run(["z" * 50, "a"], 0)
    assert alone.records == ["z" * 50] and alone.ranges == [[0, 1]]
    assert builder.take().ranges == [[1, 2]]


def test_runs_with_a_gap_give_a_chunk_two_ranges():
    builder = ChunkBuilder(max_records=10)
    builder.add_run(["a", "b"], 4)
    builder.add_run(["c"], 7)  # ordinals 6 went elsewhere (a dead letter)
    chunk = builder.take()
    assert chunk.ranges == [[4, 6], [7, 8]] and chunk.ordinals() == [4, 5, 7]


def test_take_respects_the_linger_age():
    builder = ChunkBuilder(max_records=10)
    builder.add_run(["a"], 0)
    assert builder.take(older_than=60) is None
    assert builder.take(older_than=0).records == ["a"]


def test_halves_keep_records_and_ordinals_aligned():
    chunk = Chunk(["r0", "r1", "r2", "r3", "r4"], [[0, 2], [5, 8]], 10)
    first, second = chunk.halves()
    assert first.records == ["r0", "r1"] and first.ranges == [[0, 2]] and first.chars == 4
    assert second.records == ["r2", "r3", "r4"] and second.ranges == [[5, 8]] and second.chars == 6
    third, fourth = second.halves()
    assert third.ordinals() == [5] and fourth.ordinals() == [6, 7]


def test_max_records_must_be_positive():
    with pytest.raises(ValueError):
        ChunkBuilder(max_records=0)


def one_by_one(runs: list[list[str]], max_records: int, max_chars: int) -> tuple[list[list[str]], list[str]]:
    """The model: records added one at a time; a chunk closes at max_records, before a record that
    would pass the budget, or when it holds one record larger than the budget."""
    closed, current, chars = [], [], 0
    for text in (text for run in runs for text in run):
        if current and chars + len(text) > max_chars:
            closed.append(current)
            current, chars = [], 0
        current.append(text)
        chars += len(text)
        if len(current) >= max_records or chars > max_chars:
            closed.append(current)
            current, chars = [], 0
    return closed, current


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.lists(st.integers(min_value=0, max_value=12), max_size=12), max_size=8),
    st.integers(min_value=1, max_value=6),
    st.integers(min_value=1, max_value=30),
)
def test_add_run_makes_the_chunks_of_the_one_by_one_model(sizes, max_records, max_chars):
    runs = [[f"{index}".ljust(size, "x")[:size] if size else "" for index, size in enumerate(run)] for run in sizes]
    builder = ChunkBuilder(max_records, max_chars)
    produced, ordinal = [], 0
    for run in runs:
        produced.extend(builder.add_run(run, ordinal))
        ordinal += len(run)
    left = builder.take()
    expected, expected_left = one_by_one(runs, max_records, max_chars)
    assert [chunk.records for chunk in produced] == expected
    assert (left.records if left else []) == expected_left
    every = [o for chunk in produced + ([left] if left else []) for o in chunk.ordinals()]
    assert every == list(range(ordinal))  # each ordinal once, in order
    for chunk in produced + ([left] if left else []):
        assert chunk.chars == sum(map(len, chunk.records))


def test_joined_keeps_records_and_ordinals_aligned_and_merges_ranges():
    chunk = ChunkBuilder(max_records=6).add_run(["a", "bb", "c", "dd", "e", "f"], 10)[0]
    first, second = chunk.halves()
    held = joined([first._slice(1, 3), second._slice(0, 1), second._slice(2, 3)])  # 11, 12, 13, 15
    assert held.records == ["bb", "c", "dd", "f"]
    assert held.ordinals() == [11, 12, 13, 15] and held.ranges == [[11, 14], [15, 16]]
    assert held.chars == 6
