"""The split writer takes the workers' row batches, whatever their sizes, and writes the same Parquet bytes
as rows written one fixed-size row group at a time from Python lists (how the build wrote them before
rows became Arrow batches): the bytes of a build do not depend on how rows arrived."""

from __future__ import annotations

import random

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from fa_nlp.tasks.wordorder import storage
from fa_nlp.tasks.wordorder.storage import COLUMNS, SplitWriter, arrow_schema, spill_schema


def _rows(n: int, rng: random.Random) -> list[tuple]:
    words = ["من", "به", "خانه", "رفتم", ".", "کتاب‌ها", "را", "خواندم"]
    rows = []
    for i in range(n):
        ordered = " ".join(rng.choice(words) for _ in range(rng.randint(2, 8)))
        rows.append((f"d{i // 3}#{i % 3}#0", f"d{i // 3}", "src", i % 3, 0, ordered[::-1], ordered, ordered,
                     rng.randint(2, 8), rng.randint(2, 9)))
    return rows


def _reference(path, rows: list[tuple], group: int) -> None:
    schema = arrow_schema()
    with pq.ParquetWriter(path, schema, compression="zstd", use_dictionary=True, write_statistics=True) as w:
        for i in range(0, len(rows), group):
            cols = list(zip(*rows[i:i + group], strict=True))
            table = pa.Table.from_arrays([pa.array(c, f.type) for c, f in zip(cols, schema, strict=True)], schema=schema)
            w.write_table(table, row_group_size=group)


def _spill_batch(rows: list[tuple]):
    cols = list(zip(*rows, strict=True)) if rows else [()] * len(COLUMNS)
    extra = [[b"12345678"] * len(rows), [b""] * len(rows)]  # digest, sample_key: dropped by the writer
    return pa.RecordBatch.from_arrays([pa.array(list(c), f.type) for c, f in zip([*cols, *extra], spill_schema(),
                                                                                   strict=True)],
                                      schema=spill_schema())


@pytest.mark.parametrize("n", [0, 1, 9, 10, 11, 57])
def test_batches_of_any_size_give_the_bytes_of_fixed_row_groups(tmp_path, monkeypatch, n):
    monkeypatch.setattr(storage, "ROW_GROUP_SIZE", 10)
    rng = random.Random(n)
    rows = _rows(n, rng)
    _reference(tmp_path / "ref.parquet", rows, 10)
    writer = SplitWriter(tmp_path / "got.parquet", tmp_path / "got.arrow")
    i = 0
    while i < n:
        k = rng.choice([0, 1, 3, 10, 17])
        writer.add_batch(_spill_batch(rows[i:i + k]))
        i += k
    writer.close()
    if n:  # the reference writer makes a file even with no rows; the writer's empty case is the HF stream
        assert (tmp_path / "got.parquet").read_bytes() == (tmp_path / "ref.parquet").read_bytes()
    with pa.OSFile(str(tmp_path / "got.arrow"), "rb") as f:
        table = pa.ipc.open_stream(f).read_all()
    assert table.num_rows == n and table.to_pylist() == [dict(zip(COLUMNS, r, strict=True)) for r in rows]
    assert pq.ParquetFile(tmp_path / "got.parquet").metadata.num_row_groups == -(-n // 10)
