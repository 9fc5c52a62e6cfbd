"""On-disk pieces of the build: candidate spill files between the passes, and the split writers
(Parquet with fixed row groups, so bytes do not depend on how rows arrived, plus an Arrow stream for HF).

Candidates travel from the workers and sit on disk as Arrow record batches (columns, not pickled
objects): cheap to send from a worker process or a cluster node, and read back without unpickling.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from fa_nlp.tasks.wordorder.build_config import SPLITS
from fa_nlp.tasks.wordorder.filters import Candidate, process_shard

ROW_GROUP_SIZE = 16_384  # fixed, so Parquet bytes do not depend on how rows arrived
CANDIDATE_FIELDS = ("doc_id", "source", "sent_index", "ordered", "ordered_text", "n_words", "n_tokens")


@cache
def candidate_schema():
    import pyarrow as pa

    return pa.schema([("doc_id", pa.string()), ("source", pa.string()), ("sent_index", pa.int32()),
                      ("ordered", pa.string()), ("ordered_text", pa.string()), ("n_words", pa.int32()),
                      ("n_tokens", pa.int32())])


def candidates_batch(cands: list[Candidate]):
    """Candidates → one Arrow record batch (column per field)."""
    import pyarrow as pa

    cols = {f: [getattr(c, f) for c in cands] for f in CANDIDATE_FIELDS}
    return pa.RecordBatch.from_pydict(cols, schema=candidate_schema())


def process_shard_batches(shard: list[tuple[str, str, str]], params: dict[str, Any]) -> dict[str, Any]:
    """`filters.process_shard` with each split's candidates as an Arrow batch: what a worker returns."""
    res = process_shard(shard, params)
    res["candidates"] = {s: candidates_batch(res["candidates"][s]) for s in SPLITS}
    return res


class Spill:
    """Append-only Arrow IPC stream of candidate batches on disk: keeps memory flat between passes."""

    def __init__(self, path: Path):
        import pyarrow as pa

        self.path = path
        self.sink = pa.OSFile(str(path), "wb")
        self.writer = pa.ipc.new_stream(self.sink, candidate_schema())

    def add(self, batch) -> None:
        if batch.num_rows:
            self.writer.write_batch(batch)

    def close(self) -> None:
        self.writer.close()
        self.sink.close()

    def __iter__(self) -> Iterator[Candidate]:
        import pyarrow as pa

        with pa.OSFile(str(self.path), "rb") as source:
            for batch in pa.ipc.open_stream(source):
                cols = [batch.column(f).to_pylist() for f in CANDIDATE_FIELDS]
                yield from (Candidate(*row) for row in zip(*cols))


COLUMNS = ("id", "doc_id", "source", "sent_index", "k", "shuffled", "ordered", "ordered_text", "n_words",
           "n_tokens")


def arrow_schema():
    import pyarrow as pa

    return pa.schema([
        ("id", pa.string()), ("doc_id", pa.string()), ("source", pa.string()), ("sent_index", pa.int32()),
        ("k", pa.int32()), ("shuffled", pa.string()), ("ordered", pa.string()), ("ordered_text", pa.string()),
        ("n_words", pa.int32()), ("n_tokens", pa.int32()),
    ])


class SplitWriter:
    """Rows → Parquet (deterministic: fixed row groups, no timestamps) + an Arrow stream for HF datasets."""

    def __init__(self, parquet_path: Path, arrow_path: Path):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.schema = arrow_schema()
        parquet_path.parent.mkdir(parents=True, exist_ok=True)
        self.pq = pq.ParquetWriter(parquet_path, self.schema, compression="zstd", use_dictionary=True,
                                   write_statistics=True)
        self.arrow_sink = pa.OSFile(str(arrow_path), "wb")
        self.arrow = pa.ipc.new_stream(self.arrow_sink, self.schema)
        self.rows: list[tuple] = []  # row tuples in COLUMNS order: one append per row, columns at flush
        self.n = 0

    def add(self, row: dict[str, Any]) -> None:
        self.append(tuple(row[c] for c in COLUMNS))

    def append(self, values: tuple) -> None:
        """One row, its values in COLUMNS order (the build's hot path: no dict per row)."""
        self.rows.append(values)
        self.n += 1
        if len(self.rows) >= ROW_GROUP_SIZE:
            self._flush()

    def _table(self):
        import pyarrow as pa

        cols = list(zip(*self.rows, strict=True)) if self.rows else [()] * len(COLUMNS)
        return pa.Table.from_arrays([pa.array(c, f.type) for c, f in zip(cols, self.schema, strict=True)],
                                    schema=self.schema)

    def _flush(self) -> None:
        if not self.rows:
            return
        table = self._table()
        self.pq.write_table(table, row_group_size=ROW_GROUP_SIZE)
        self.arrow.write_table(table)
        self.rows = []

    def close(self) -> None:
        if self.n == 0:  # an empty split still needs one (empty) batch to be a loadable HF dataset
            self.arrow.write_table(self._table())
        self._flush()
        self.pq.close()
        self.arrow.close()
        self.arrow_sink.close()
