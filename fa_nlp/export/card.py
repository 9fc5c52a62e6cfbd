"""The model card (`README.md` with Hub YAML metadata) of an exported run.

Why it is generated from the run and not written by hand: the licence must follow the data the
model was trained on (a CC BY-NC-SA corpus makes the weights non-commercial too), and the numbers
must be the run's own evaluation, with the baselines scored on the same questions. Licences come
from `corpora/catalog.toml` entries of every dataset the run (and the runs it was initialised
from) read; a dataset that is not in the catalog is listed as "unknown licence", never guessed.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fa_nlp.data import corpora, sources
from fa_nlp.data.prepared import MANIFEST, inner_prepared
from fa_nlp.settings import REPO_ROOT, data_root, resolve_portable

HUB_LICENCES = {"CC BY-SA 4.0": "cc-by-sa-4.0", "CC BY 4.0": "cc-by-4.0", "CC BY-NC-SA 4.0": "cc-by-nc-sa-4.0",
                "CC BY-NC 4.0": "cc-by-nc-4.0", "CC0 1.0": "cc0-1.0", "MIT": "mit", "GPL-3.0": "gpl-3.0", "Apache-2.0": "apache-2.0"}
LIMITS = {
    "span": "- Questions and contexts from other domains than the training data (Wikipedia for PQuAD) are out "
            "of distribution; the model can answer confidently and wrongly. Contexts longer than one window are "
            "cut into the run's windows (see How to use).",
    "pointer": "- It orders the words it is given (always a permutation); it cannot add, drop or inflect "
               "words, and long sentences (beyond the training lengths) degrade.",
    "seq2seq": "- Unconstrained output may drop or repeat words; fa_nlp's own decoding constrains it to the "
               "input's words.",
}
PIPELINES = {"span": "question-answering", "mlm": "fill-mask", "pointer": "text2text-generation",
             "seq2seq": "text2text-generation",
             "encoder": "feature-extraction"}


def _json(path: Path) -> dict[str, Any]:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _prepared_specs(prepared: str) -> list[str]:
    """Dataset specs a prepared folder was built from (QA: its build's dataset/train/eval; MLM: text + QA;
    word order: the corpora of the dataset build its input files belong to)."""
    meta = _json(inner_prepared(prepared) / MANIFEST)
    if not meta:
        return []
    specs = [v for k, v in meta.get("build", {}).get("config", {}).items() if k in ("dataset", "train", "eval") and v]
    src = meta.get("sources", {})
    text = src.get("text")
    specs += [str(t) for t in (text if isinstance(text, list) else [text] if text else [])]
    if src.get("qa_prepared"):  # MLM folders written before `prepare mlm --tokenizer`
        specs += _prepared_specs(src["qa_prepared"])
    for f in src.get("include", []):  # MLM: texts added from another prepared folder (its train contexts)
        specs += _prepared_specs(str(resolve_portable(f).parent))
    for rec in meta.get("inputs", []):  # word order: the dataset build's files -> its corpora
        build = _json(Path(str(rec.get("path", ""))).parent / "manifest.json") if isinstance(rec, dict) else {}
        specs += [str(c) for c in build.get("config", {}).get("corpora", [])]
    return specs


def training_specs(run_dir: Path, train_cfg: dict[str, Any], depth: int = 0) -> list[str]:
    """Every dataset spec the run read, following `init_from` to the runs it started from."""
    specs = _prepared_specs(train_cfg.get("data", {}).get("prepared", ""))
    parent = train_cfg.get("init_from")
    if parent and depth < 5:
        cfg = _json(Path(parent) / "config.json").get("config", {})
        specs += training_specs(Path(parent), cfg, depth + 1)
    return list(dict.fromkeys(specs))


def catalog_entries(spec: str) -> list[corpora.CorpusEntry]:
    """Catalog entries a spec names: `pquad`, `pquad:Test`, `fa_text`, or a path inside an entry's folder."""
    try:
        src, _ = sources.resolve_split(spec)
        if src.entries:
            return list(src.entries)
    except (ValueError, FileNotFoundError):
        pass
    path = Path(spec).resolve()
    roots = {"repo": REPO_ROOT, "mirror": data_root()}
    for e in corpora.list_corpora():
        root = roots.get(e.root)
        if root is not None and path.is_relative_to((Path(root) / e.dir).resolve()):
            return [e]
    return []


def licence_id(licences: list[str]) -> str:
    """The Hub `license:` id of the data's licences: one shared id, else "other" (the card lists each)."""
    ids = {HUB_LICENCES.get(x.split(" (")[0].strip(), "other") for x in licences}
    return ids.pop() if len(ids) == 1 else "other"


def _scores(block: Any) -> dict[str, float]:
    """Headline numbers of one metrics block (QA: the Persian-aware EM/F1; else top-level EM/BLEU/chrF)."""
    if not isinstance(block, dict):
        return {}
    inner = block.get("persian", block)
    keys = ("exact", "f1", "HasAns_f1", "NoAns_exact", "em", "bleu", "chrf")
    return {k: round(float(inner[k]), 2) for k in keys if isinstance(inner.get(k), int | float)}


def evaluations(run_dir: Path) -> list[tuple[str, dict[str, Any]]]:
    return [(p.parent.name.removeprefix("eval-"), _json(p)) for p in sorted(run_dir.glob("eval-*/metrics.json"))]


def _eval_section(run_dir: Path) -> list[str]:
    evals = evaluations(run_dir)
    if not evals:
        return ["No evaluation was found beside the run (`fa-nlp evaluate RUN` writes `eval-*/metrics.json`)."]
    lines = []
    for split, m in evals:
        sig = (m.get("model") or {}).get("persian", {}).get("signature") if isinstance(m.get("model"), dict) else None
        notes = [f"signature `{sig}`"] if sig else []
        if m.get("null_threshold") is not None:
            notes.append(f"null threshold {m['null_threshold']:.4g} "
                         f"({(m.get('null_threshold_selection') or {}).get('chosen_on', '?')})")
        lines += [f"Split `{split}` ({m.get('questions', m.get('sentences', '?'))} examples, checkpoint step "
                  f"{m.get('step', '?')}{'; ' + '; '.join(notes) if notes else ''}):", "",
                  "| system | scores |", "|---|---|"]
        rows = [("this model", m.get("model", m))] + list((m.get("baselines") or {}).items())
        for name, block in rows:
            s = _scores(block)
            if s:
                lines.append(f"| {name} | {', '.join(f'{k} {v}' for k, v in s.items())} |")
        lines.append("")
    return lines


def model_card(run_dir: Path, train_cfg: dict[str, Any], info: dict[str, Any]) -> str:
    """README.md text: YAML front matter + what the model is, how to load it, data, scores, limits.
    `info`: kind, architecture, parameters, step, usage (a code block), remote_code (bool)."""
    specs = training_specs(run_dir, train_cfg)
    found = {s: catalog_entries(s) for s in specs}
    entries = list({e.name: e for es in found.values() for e in es}.values())
    licences = [e.licence for e in entries] + (["unknown"] * any(not es for es in found.values()))
    yaml = ["---", "language:", "- fa", f"license: {licence_id(licences) if licences else 'other'}",
            "library_name: transformers", f"pipeline_tag: {PIPELINES.get(info['kind'], 'feature-extraction')}",
            "tags:", "- fa_nlp", "- persian"] + (["- custom_code"] if info.get("remote_code") else [])
    if entries:
        yaml += ["datasets:"] + [f"- {e.name}" for e in entries]
    yaml.append("---")
    data = [f"- `{e.name}`: {e.description} Licence: {e.licence}. Source: {e.source}" for e in entries]
    data += [f"- `{s}`: not in `corpora/catalog.toml`; licence unknown" for s, es in found.items() if not es]
    body = [
        f"# {run_dir.name} (fa_nlp {info['kind']} model)", "",
        f"A Persian {info['kind']} model trained from scratch with fa_nlp (run `{run_dir.name}`, step {info['step']}, "
        f"{info['parameters']:,} parameters), exported as `{info['architecture']}`"
        + (" (custom code: load with `trust_remote_code=True`)." if info.get("remote_code") else "."), "",
        "## How to use", "", info["usage"], "",
        "## Training data", "", *(data or ["- not recorded in the run's configuration"]), "",
        "The licence above follows the training data: the most restrictive of these applies to the weights.", "",
        "## Evaluation", "", *_eval_section(run_dir),
        "## Intended use and limits", "",
        "- Research and teaching on Persian NLP; a small model trained from scratch on little data, far below "
        "large pretrained models. Check the scores above on your own data before relying on it.",
        "- Inputs should be normalized the way fa_nlp normalizes them (`fa_nlp.text.normalize`); other "
        "spellings of the same word (Arabic ي/ك, missing ZWNJ) tokenize differently and score worse.",
        LIMITS.get(info["kind"], "- Text unlike the training data is out of distribution."), "",
    ]
    return "\n".join(yaml + [""] + body)
