"""`fa-nlp tokenizer train|encode`: train on the training split only, inspect pieces.

    fa-nlp tokenizer train --dataset build/wordorder/sample --vocab-size 1000 --out build/tok/sample
    fa-nlp tokenizer train --family qa --kind wordpiece --squad pquad --vocab-size 16000 --out build/tok/pquad
    fa-nlp tokenizer encode --tokenizer build/tok/sample "کتاب‌ها را خواندم."
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from pathlib import Path

from fa_nlp import tokenization
from fa_nlp.data import sources as resolver
from fa_nlp.data.readers import read_plain
from fa_nlp.data.records import QA_KINDS
from fa_nlp.data.squad import read_squad
from fa_nlp.io import restore_published
from fa_nlp.report import SkipReport


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("tokenizer", help="train or inspect subword tokenizers")
    tsub = p.add_subparsers(dest="tokenizer_command", metavar="ACTION", required=True)

    t = tsub.add_parser("train", help="train a tokenizer on corpus text (training split only)")
    t.add_argument("--family", choices=["seq2seq", "qa"], default="seq2seq",
                   help="seq2seq: sentencepiece, lossless round trip; qa: tokenizers fast tokenizer with offsets")
    t.add_argument("--kind", default=None, help="seq2seq: unigram|bpe (default unigram); qa: wordpiece|bpe|unigram")
    t.add_argument("--vocab-size", type=int, default=8000)
    t.add_argument("--dataset", help="a built word-order dataset dir: trains on parquet/train.parquet")
    t.add_argument("--column", default="ordered", help="dataset column to train on (default: ordered)")
    t.add_argument("--text", nargs="*", default=[], help="plain-text files, one segment per line")
    t.add_argument("--squad", nargs="*", default=[],
                   help="SQuAD JSON files, directories or globs of them, or catalog names (qa family)")
    t.add_argument("--lenient", action="store_true",
                   help="skip and count bad records (lone surrogates: replaced, counted) instead of stopping")
    t.add_argument("--out", required=True, help="output directory")
    t.set_defaults(func=_train)

    e = tsub.add_parser("encode", help="show the pieces and ids of a text")
    e.add_argument("--tokenizer", required=True)
    e.add_argument("text")
    e.set_defaults(func=_encode)


def _dataset_texts(dataset: str, column: str) -> Iterator[str]:
    import pyarrow.parquet as pq

    path = restore_published(dataset) / "parquet" / "train.parquet"
    if not path.is_file():
        raise FileNotFoundError(f"{path}: no training split (build the dataset first)")
    table = pq.read_table(path, columns=[column])
    yield from table.column(column).to_pylist()


def _text_lines(files: list[str], lenient: bool, report) -> Iterator[str]:
    """Non-empty lines, read as every reader reads (located UTF-8 errors, control characters counted)."""
    for f in files:
        for doc in read_plain(f, "line", lenient, report):
            yield doc.text


def _squad_texts(sources: list[str], lenient: bool, report) -> Iterator[str]:
    for spec in sources:
        src = resolver.resolve(spec)
        # a catalog corpus: only its QA files (an entry may also hold plain documents)
        files = [f.path for f in src.files(suffixes=resolver.QA_SUFFIXES) if src.local or f.kind in QA_KINDS]
        for f in files:
            for para in read_squad(f, lenient, report):
                yield para.context
                for q in para.questions:
                    yield q.question


def _train(args: argparse.Namespace) -> int:
    report = SkipReport()

    def texts() -> Iterator[str]:
        if args.dataset:
            yield from _dataset_texts(args.dataset, args.column)
        yield from _text_lines(args.text, args.lenient, report)
        yield from _squad_texts(args.squad, args.lenient, report)

    if not (args.dataset or args.text or args.squad):
        raise ValueError("give --dataset, --text or --squad")
    for f in args.text:  # before any work: a typo or a folder leaves nothing behind
        if not Path(f).is_file():
            raise FileNotFoundError(f"{f}: no such file" if not Path(f).exists() else
                                    f"{f} is a directory, not a file: give the text files (one segment per line)")
    if args.family == "seq2seq":
        out = tokenization.train_seq2seq_tokenizer(texts(), args.out, args.vocab_size, kind=args.kind or "unigram")
        tok = tokenization.load_tokenizer(out)
        print(f"seq2seq tokenizer: {tok.vocab_size} pieces -> {out}")
    else:
        tok = tokenization.train_qa_tokenizer(texts(), args.out, kind=args.kind or "wordpiece", vocab_size=args.vocab_size)
        print(f"qa tokenizer: {tok.get_vocab_size()} tokens -> {Path(args.out) / tokenization.QA_FILE}")
    if report.read or report.fixed:  # --text lines and --squad questions; nothing read there stays quiet
        print(f"tokenizer: reader: {report.summary()}", file=sys.stderr)
    return 0


def _encode(args: argparse.Namespace) -> int:
    path = Path(args.tokenizer)
    if (path / tokenization.QA_FILE).is_file() or path.name == tokenization.QA_FILE:
        enc = tokenization.load_fast_tokenizer(path).encode(args.text)
        print(json.dumps({"tokens": enc.tokens, "ids": enc.ids, "offsets": enc.offsets}, ensure_ascii=False))
    else:
        tok = tokenization.load_tokenizer(path)
        ids = tok.encode(args.text)
        print(json.dumps({"pieces": tok.encode_pieces(args.text), "ids": ids, "decoded": tok.decode(ids)},
                         ensure_ascii=False))
    return 0
