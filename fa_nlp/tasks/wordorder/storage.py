"""On-disk pieces of the build: candidate spill files between the passes, and the split writers
(Parquet with fixed row groups, so bytes do not depend on how rows arrived, plus an Arrow stream for HF)."""

from __future__ import annotations

import pickle
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from fa_nlp.tasks.wordorder.filters import Candidate

ROW_GROUP_SIZE = 16_384  # fixed, so Parquet bytes do not depend on how rows arrived


class Spill:
    """Append-only pickle stream of candidate batches on disk: keeps memory flat between passes."""

    def __init__(self, path: Path):
        self.path = path
        self.fh = open(path, "wb")  # noqa: SIM115 - closed in close()

    def add(self, batch: list[Candidate]) -> None:
        if batch:
            pickle.dump(batch, self.fh, protocol=pickle.HIGHEST_PROTOCOL)

    def close(self) -> None:
        self.fh.close()

    def __iter__(self) -> Iterator[Candidate]:
        with open(self.path, "rb") as fh:
            while True:
                try:
                    yield from pickle.load(fh)
                except EOFError:
                    return


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
        self.buf: dict[str, list] = {c: [] for c in COLUMNS}
        self.n = 0

    def add(self, row: dict[str, Any]) -> None:
        for c in COLUMNS:
            self.buf[c].append(row[c])
        self.n += 1
        if len(self.buf["id"]) >= ROW_GROUP_SIZE:
            self._flush()

    def _flush(self) -> None:
        import pyarrow as pa

        if not self.buf["id"]:
            return
        table = pa.Table.from_pydict(self.buf, schema=self.schema)
        self.pq.write_table(table, row_group_size=ROW_GROUP_SIZE)
        self.arrow.write_table(table)
        self.buf = {c: [] for c in COLUMNS}

    def close(self) -> None:
        import pyarrow as pa

        if self.n == 0:  # an empty split still needs one (empty) batch to be a loadable HF dataset
            self.arrow.write_table(pa.Table.from_pydict(self.buf, schema=self.schema))
        self._flush()
        self.pq.close()
        self.arrow.close()
        self.arrow_sink.close()
