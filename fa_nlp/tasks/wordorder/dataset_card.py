"""The word-order dataset card (README.md beside the data): sources and licences, word policy,
splits, filter counts, length histogram, samples and the command that rebuilds it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fa_nlp.data.card import histogram_png, markdown_table, write_card
from fa_nlp.data.sources import resolve
from fa_nlp.tasks.wordorder.build_config import SPLITS, WordOrderConfig, rebuild_command


def _corpus_rows(cfg: WordOrderConfig) -> list[list[str]]:
    """One row per source corpus: catalog licence and tier, or "local file" for a path."""

    rows = []
    for spec in cfg.corpora:
        src = resolve(spec)
        if src.local:
            rows.append([src.labels[0], "", f"local {src.shape} (see its own notice)", str(src.path)])
        else:
            rows += [[e.name, e.tier, e.licence, e.description] for e in src.entries]
    return rows


def write_wordorder_card(tmp: Path, cfg: WordOrderConfig, counts: dict[str, Any], length_hist: dict[str, dict[int, int]],
                samples: list[tuple[str, str, str, str]]) -> None:
    histogram_png(tmp / "length_histogram.png", {s: h for s, h in length_hist.items() if h},
                  "Sentence length per split (kept, unique sentences)", "words (punctuation excluded)",
                  share=True)
    sent = counts["sentences"]
    split_rows = [[s, counts["documents"]["per_split"][s], sent["per_split"][s]["kept"], counts["examples"][s],
                   "{}–{}".format(*cfg.bounds(s)), cfg.shuffles(s)] for s in SPLITS]
    reasons = sorted({r for s in SPLITS for r in sent["per_split"][s]["skipped_by_reason"]})
    skip_rows = [[r, *[sent["per_split"][s]["skipped_by_reason"].get(r, 0) for s in SPLITS]] for r in reasons]
    lengths = sorted({n for h in length_hist.values() for n in h})
    hist_rows = [[n, *[length_hist[s].get(n, 0) for s in SPLITS]] for n in lengths]
    sample_rows = [[split, row_id, shuffled, text] for split, row_id, shuffled, text in samples]
    key = cfg.key_dict()
    sections = [
        ("What this is", (
            "Pairs of *shuffled words → ordered sentence* for training and evaluating Persian word-order "
            "restoration. Built by `fa-nlp build wordorder` (module `fa_nlp.tasks.wordorder.build`); the exact "
            "inputs (with sha256), configuration, code and library versions are in `manifest.json`.\n\n"
            "Files: `parquet/{train,validation,test}.parquet` (byte-reproducible), `hf/` (`datasets."
            "load_from_disk`), `length_histogram.png`.\n\n"
            "Columns: `id` (`doc_id#sent_index#k`), `doc_id`, `source`, `sent_index` (sentence number in "
            "its document), `k` (shuffle number), `shuffled`, `ordered` (tokens joined by one space: "
            "`shuffled.split(' ')` is a permutation of `ordered.split(' ')`), `ordered_text` (the normalized "
            "sentence as written), `n_words` (punctuation excluded), `n_tokens`.")),
        ("Sources and licences", markdown_table(["corpus", "tier", "licence", "what"], _corpus_rows(cfg)) + (
            "\n\nLicences differ per source (several are research-only / non-commercial / share-alike): "
            "check each before redistributing anything built from them.")),
        ("Word policy", (
            "- Text is normalized (`fa_nlp.text.normalize`), split into sentences (`fa_nlp.text.sentence_spans`) "
            "and into whitespace tokens (`fa_nlp.text.words`).\n"
            "- ZWNJ compounds stay one token (`می‌روم`, `کتاب‌ها`); verb parts are not joined with `_` "
            "(`گفته شده است` is three tokens).\n"
            f"- Punctuation: **{cfg.punctuation}**. detach = each mark is its own token (a final `.` does not "
            "reveal the last word); keep = marks stay glued to their word; drop = marks removed and counted "
            f"(dropped here: {counts['punctuation_dropped']}).")),
        ("Splits and leakage", (
            f"Documents are assigned by sha256(\"{key['split_seed']}:doc_id\") → [0, 1) with ratios "
            f"{list(cfg.split)} (train, validation, test)"
            + (f"; documents of {', '.join(cfg.test_sources)} are all held out as test" if cfg.test_sources else "")
            + ": no document is in two splits. Exact duplicate "
            "sentences are removed across all splits (test first, then validation, then train, each in "
            "corpus order; the first occurrence wins), so no sentence is in two splits. Shuffles use "
            f"`random.Random(f\"{cfg.seed}:{{doc_id}}:{{sent_index}}:{{k}}\")`; a shuffle equal to the original "
            "order is redrawn when the sentence has at least two distinct tokens.\n\n"
            + markdown_table(["split", "documents", "sentences", "examples", "words", "shuffles"], split_rows,
                             ["l", "r", "r", "r", "r", "r"]))),
        ("Filtered sentences (by reason)", (
            f"Read {sent['read']} sentences, kept {sent['kept']}, skipped {sent['skipped']}. Filters: word "
            f"bounds per split (above), no letters at all (`no_letters`), Persian-letter share < "
            f"{cfg.min_persian_ratio} (`non_persian`), a single distinct token (`one_distinct_token`), URLs or "
            f"e-mails (`url_or_email`, {'on' if cfg.drop_urls else 'off'}), exact duplicates (`duplicate`, "
            f"{'on' if cfg.dedup else 'off'}). Documents: {counts['documents']['read']} read, "
            f"{counts['documents']['kept']} kept, skipped by reason "
            f"{counts['documents']['skipped_by_reason'] or 'none'}.\n\n"
            + (markdown_table(["reason", *SPLITS], skip_rows, ["l", "r", "r", "r"]) if skip_rows else "none"))),
        ("Length histogram", "![length histogram](length_histogram.png)\n\n"
            + (markdown_table(["words", *SPLITS], hist_rows, ["r", "r", "r", "r"]) if hist_rows else "empty")),
        ("Samples", markdown_table(["split", "id", "shuffled", "ordered_text"], sample_rows) if sample_rows
            else "no examples"),
        ("Rebuild", (f"```\n{rebuild_command(cfg)}\n```\n\nSame inputs, config, code and seed give "
                     "byte-identical Parquet files, whatever `--num-proc`; a rebuild with nothing changed is a "
                     "no-op.")),
    ]
    write_card(tmp, "Persian word-order dataset", sections)
