"""On-disk pieces of the build: row spill files between the passes, and the split writers (Parquet with
fixed row groups, so bytes do not depend on how rows arrived, plus an Arrow stream for HF).

Workers turn their candidate sentences into finished rows (`shard_rows`: the K seeded shuffles, row ids,
the dedup digest and the card-sample key), so the one sequential pass left in the driver only decides,
per sentence, whether it is a duplicate: it reads the spilled rows as Arrow columns, filters them with
a mask and hands whole column slices to the writers, without building a Python object per row.
Rows travel from the workers and sit on disk as Arrow record batches (columns, not pickled objects):
cheap to send from a worker process or a cluster node, and read back without unpickling.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from fa_nlp.tasks.wordorder.build_config import SPLITS
from fa_nlp.tasks.wordorder.filters import Candidate, process_shard
from fa_nlp.tasks.wordorder.seeded import shuffle_tokens

ROW_GROUP_SIZE = 16_384  # fixed, so Parquet bytes do not depend on how rows arrived
COLUMNS = ("id", "doc_id", "source", "sent_index", "k", "shuffled", "ordered", "ordered_text", "n_words",
           "n_tokens")
# spilled rows carry two more columns for the driver's pass: `digest` (8-byte blake2b of `ordered`: the
# dedup key) and `sample_key` (sha256 of the row id, k = 0 rows only: the card samples are the smallest)
SPILL_COLUMNS = (*COLUMNS, "digest", "sample_key")


@cache
def arrow_schema():
    import pyarrow as pa

    return pa.schema([
        ("id", pa.string()), ("doc_id", pa.string()), ("source", pa.string()), ("sent_index", pa.int32()),
        ("k", pa.int32()), ("shuffled", pa.string()), ("ordered", pa.string()), ("ordered_text", pa.string()),
        ("n_words", pa.int32()), ("n_tokens", pa.int32()),
    ])


@cache
def spill_schema():
    import pyarrow as pa

    return arrow_schema().append(pa.field("digest", pa.binary())).append(pa.field("sample_key", pa.binary()))


def digest(text: str) -> bytes:
    """The dedup key of a sentence: one 8-byte blake2b digest per unique kept sentence in the driver."""
    return hashlib.blake2b(text.encode(), digest_size=8).digest()


def shard_rows(cands: list[Candidate], seed: int, shuffles: int):
    """One split's candidates → an Arrow batch of their finished rows (`SPILL_COLUMNS`), K per sentence.

    Row ids, shuffles and keys are pure functions of the candidate, so computing them here, in parallel,
    writes what the driver used to compute row by row, byte for byte.
    """
    import pyarrow as pa

    cols: list[list[Any]] = [[] for _ in SPILL_COLUMNS]
    (ids, doc_ids, sources, sent_idx, ks, shuffled, ordered, texts, n_words, n_tokens, digests, keys) = cols
    for c in cands:
        tokens = c.ordered.split(" ")
        d = digest(c.ordered)
        for k in range(shuffles):
            row_id = f"{c.doc_id}#{c.sent_index}#{k}"
            ids.append(row_id)
            shuffled.append(" ".join(shuffle_tokens(tokens, seed, c.doc_id, c.sent_index, k)))
            ks.append(k)
            keys.append(hashlib.sha256(row_id.encode()).digest() if k == 0 else b"")
            digests.append(d)
        for col, value in ((doc_ids, c.doc_id), (sources, c.source), (sent_idx, c.sent_index), (ordered, c.ordered),
                           (texts, c.ordered_text), (n_words, c.n_words), (n_tokens, c.n_tokens)):
            col.extend([value] * shuffles)
    schema = spill_schema()
    return pa.RecordBatch.from_arrays([pa.array(c, f.type) for c, f in zip(cols, schema, strict=True)], schema=schema)


def process_shard_batches(shard: list[tuple[str, str, str]], params: dict[str, Any]) -> dict[str, Any]:
    """`filters.process_shard`, each split's candidates turned into an Arrow batch of rows: what a worker returns."""
    res = process_shard(shard, params)
    res["candidates"] = {s: shard_rows(res["candidates"][s], params["seed"], params["shuffles"][s]) for s in SPLITS}
    return res


class Spill:
    """Append-only Arrow IPC stream of row batches on disk: keeps memory flat between the passes."""

    def __init__(self, path: Path):
        import pyarrow as pa

        self.path = path
        self.sink = pa.OSFile(str(path), "wb")
        self.writer = pa.ipc.new_stream(self.sink, spill_schema())

    def add(self, batch) -> None:
        if batch.num_rows:
            self.writer.write_batch(batch)

    def close(self) -> None:
        self.writer.close()
        self.sink.close()

    def __iter__(self) -> Iterator[Any]:
        """The spilled record batches, in the order they were added (one at a time: memory flat)."""
        import pyarrow as pa

        with pa.OSFile(str(self.path), "rb") as source:
            yield from pa.ipc.open_stream(source)


class SplitWriter:
    """Row batches → Parquet (deterministic: row groups of exactly ROW_GROUP_SIZE rows, each written from
    one contiguous table, no timestamps) + an Arrow stream for HF datasets."""

    def __init__(self, parquet_path: Path, arrow_path: Path):
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.schema = arrow_schema()
        parquet_path.parent.mkdir(parents=True, exist_ok=True)
        self.pq = pq.ParquetWriter(parquet_path, self.schema, compression="zstd", use_dictionary=True,
                                   write_statistics=True)
        self.arrow_sink = pa.OSFile(str(arrow_path), "wb")
        self.arrow = pa.ipc.new_stream(self.arrow_sink, self.schema)
        self.pending: list[Any] = []  # record batches (COLUMNS) not yet written
        self.n_pending = 0
        self.n = 0

    def add_batch(self, batch) -> None:
        """Rows in COLUMNS order (extra columns are dropped); written in ROW_GROUP_SIZE groups."""
        if not batch.num_rows:
            return
        self.pending.append(batch.select(list(COLUMNS)))
        self.n_pending += batch.num_rows
        self.n += batch.num_rows
        while self.n_pending >= ROW_GROUP_SIZE:
            self._flush(ROW_GROUP_SIZE)

    def _flush(self, n: int) -> None:
        import pyarrow as pa

        table = pa.Table.from_batches(self.pending, schema=self.schema)
        group = table.slice(0, n).combine_chunks()  # one chunk per column: written as one contiguous table
        self.pq.write_table(group, row_group_size=ROW_GROUP_SIZE)
        self.arrow.write_table(group)
        rest = table.slice(n)
        self.pending = rest.combine_chunks().to_batches() if rest.num_rows else []
        self.n_pending -= n

    def close(self) -> None:
        if self.n == 0:  # an empty split still needs one (empty) batch to be a loadable HF dataset
            import pyarrow as pa

            self.arrow.write_table(pa.Table.from_arrays([pa.array([], f.type) for f in self.schema], schema=self.schema))
        elif self.n_pending:
            self._flush(self.n_pending)
        self.pq.close()
        self.arrow.close()
        self.arrow_sink.close()
