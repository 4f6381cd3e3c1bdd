"""The legal assistant end to end on the real index and the real embedder.

The repository ships the built index (`ml/models/legal-index/`, or $ZAN_LEGAL_INDEX_DIR), so the tests read it as
is. Tests never write into it: when it is stale (the data was edited but not yet rebuilt with `zan legal index`), a
copy is rebuilt in a temporary directory, re-embedding only the texts that changed.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from ml.embedders import Embedder, Kind, get_embedder
from ml.legal import LegalAnswer, LegalAssistant, LegalIndexError, build_index, default_index_dir, index_status
from ml.legal.cli import legal
from ml.legal.corpus import DATA_DIR, load_corpus
from ml.legal.faq import load_faq
from ml.legal.index import BUNDLED_INDEX_DIR


class CountingEmbedder:
    """A real embedder behind the public `Embedder` interface that counts the texts it is asked to encode."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name = inner.name
        self.dim = inner.dim
        self.texts = 0

    def encode(self, texts: Sequence[str], kind: Kind = "query") -> np.ndarray:
        self.texts += len(texts)
        return self.inner.encode(texts, kind=kind)


@pytest.fixture(scope="session")
def index_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    d = default_index_dir()
    if index_status(d, get_embedder().name) is None:
        return d
    copy = tmp_path_factory.mktemp("legal") / "index"
    if d.exists():
        shutil.copytree(d, copy)
    build_index(copy, progress=False)
    return copy


@pytest.fixture(scope="session")
def assistant(index_dir: Path) -> LegalAssistant:
    return LegalAssistant.load(index_dir)


def cited(answer: LegalAnswer) -> list[tuple[str, str]]:
    return [(c.code, c.article) for c in answer.citations]


def test_kazakh_question_finds_the_russian_theft_article(assistant: LegalAssistant) -> None:
    for question in ("ұрлық үшін қандай жаза", "Дүкеннен біреудің сөмкесін жасырын алып кетсе, не болады?"):
        answer = assistant.ask(question)
        assert answer.language == "kk"
        assert ("УК РК", "188") in cited(answer) or ("УК РК", "187") in cited(answer), (question, cited(answer))
    answer = assistant.ask("ұрлық үшін қандай жаза")
    assert cited(answer)[0] == ("УК РК", "188")
    assert any(ch in answer.answer for ch in "әғқңөұүі")  # answered in Kazakh


def test_explicit_article_references_are_answered_with_that_article(assistant: LegalAssistant) -> None:
    answer = assistant.ask("Что говорит статья 188 УК?")
    assert cited(answer)[0] == ("УК РК", "188") and answer.confidence == 1.0
    assert "Кража, то есть тайное хищение" in answer.citations[0].excerpt
    answer = assistant.ask("ҚК 190-бап не туралы?")
    assert cited(answer)[0] == ("УК РК", "190") and answer.language == "kk"
    answer = assistant.ask("какой штраф по 434 КоАП часть 4")
    assert (answer.citations[0].code, answer.citations[0].article, answer.citations[0].part) == ("КоАП РК", "434", "4")
    # a repealed article is reported as repealed, not quoted
    answer = assistant.ask("статья 109 УК РК")
    assert answer.citations == [] and "утратила силу" in answer.answer


def test_domestic_violence_faq_in_kazakh_and_russian(assistant: LegalAssistant) -> None:
    for question in (
        "Муж постоянно унижает и оскорбляет меня дома, что мне делать?",
        "Күйеуім үйде мені үнемі қорлап, балағаттайды, не істеуім керек?",
    ):
        answer = assistant.ask(question)
        assert answer.faq_id == "domestic_violence", (question, answer.faq_id)
        assert ("КоАП РК", "73") in cited(answer)
    kk = assistant.ask("Күйеуім үйде мені үнемі қорлап, балағаттайды, не істеуім керек?")
    assert kk.language == "kk" and "102" in kk.answer


def test_emergency_comes_first(assistant: LegalAssistant) -> None:
    for question in (
        "Помогите, муж прямо сейчас избивает меня и угрожает ножом!",
        "Көмектесіңіздер, қазір күйеуім мені ұрып жатыр!",
    ):
        answer = assistant.ask(question)
        assert answer.urgent, question
        assert answer.suggested_action in {"call_102", "call_112"}
        assert "102" in answer.answer or "112" in answer.answer
    # an emergency with an article number still leads with the emergency
    assert assistant.ask("Сейчас избивают соседку, это статья 109-1 УК?").urgent


def test_nonsense_gets_no_citations_and_a_human_route(assistant: LegalAssistant) -> None:
    for question in ("asdkjh qwe zzz", "рецепт борща с пампушками", "бешбармақ қалай пісіреді", ""):
        answer = assistant.ask(question)
        assert answer.citations == [], (question, cited(answer))
        assert answer.suggested_action == "legal_aid" and answer.confidence == 0.0


def test_every_citation_exists_and_quotes_the_corpus(assistant: LegalAssistant) -> None:
    corpus = load_corpus()
    questions = [q for item in load_faq() for q in (item.questions["ru"][0], item.questions["kk"][0])]
    eval_data = json.loads((DATA_DIR / "eval_questions.json").read_text(encoding="utf-8"))["questions"]
    questions += [q["question"] for q in eval_data[::3]]
    seen = 0
    for question in questions:
        for c in assistant.ask(question).citations:
            seen += 1
            assert corpus.has(c.code, c.article, c.part), (question, c)
            article = corpus.article(c.code, c.article)
            assert article is not None and c.title == article.title
            flat = " ".join(article.text.split())
            for piece in c.excerpt.replace(" …", "…").split("…"):
                assert piece.strip().rstrip(" .") in flat, (question, c.article, piece)
    assert seen > len(questions)


def test_load_reads_vectors_from_disk_without_re_embedding(index_dir: Path) -> None:
    counter = CountingEmbedder(get_embedder())
    assistant = LegalAssistant.load(index_dir, embedder=counter)
    assert counter.texts == 0
    assistant.ask("Какой штраф за превышение скорости на 30 км/ч?")
    assert counter.texts == 1  # only the question


def test_rebuild_reuses_vectors_of_unchanged_texts(index_dir: Path, tmp_path: Path) -> None:
    copy = tmp_path / "index"
    shutil.copytree(index_dir, copy)
    counter = CountingEmbedder(get_embedder())
    build_index(copy, progress=False, embedder=counter)
    assert counter.texts == 0
    assert index_status(copy, counter.name) is None


def test_missing_or_stale_index_is_refused(index_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(LegalIndexError, match="no legal index"):
        LegalAssistant.load(tmp_path / "nowhere")
    stale = tmp_path / "stale"
    shutil.copytree(index_dir, stale)
    meta = json.loads((stale / "meta.json").read_text(encoding="utf-8"))
    meta["corpus_hash"] = "0" * 64
    (stale / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(LegalIndexError, match="another corpus"):
        LegalAssistant.load(stale)


def test_concurrent_questions_give_the_same_answers(assistant: LegalAssistant) -> None:
    questions = [
        "Какой штраф за проезд на красный?",
        "алаяқтық үшін жаза",
        "What is the fine for speeding?",
        "Сколько могут держать в полиции?",
    ] * 3
    sequential = [assistant.ask(q).to_dict() for q in questions]
    with ThreadPoolExecutor(max_workers=4) as pool:
        parallel = [a.to_dict() for a in pool.map(assistant.ask, questions)]
    assert parallel == sequential


def test_cli_ask_prints_json(index_dir: Path) -> None:
    result = CliRunner().invoke(legal, ["ask", "Какой штраф за телефон за рулем?", "--index", str(index_dir)])
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["citations"][0]["article"] == "591" and payload["language"] == "ru"
    result = CliRunner().invoke(legal, ["ask", "штраф", "--index", str(index_dir / "missing")])
    assert result.exit_code == 2


def test_default_index_is_the_bundled_one_unless_overridden(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv("ZAN_LEGAL_INDEX_DIR", raising=False)
    assert default_index_dir() == BUNDLED_INDEX_DIR
    assert BUNDLED_INDEX_DIR.parts[-3:] == ("ml", "models", "legal-index")
    monkeypatch.setenv("ZAN_LEGAL_INDEX_DIR", str(tmp_path / "elsewhere"))
    assert default_index_dir() == tmp_path / "elsewhere"


def test_bundled_index_is_current_compact_and_the_cli_leaves_it_alone() -> None:
    """A fresh clone must not embed anything: the committed index matches the committed data, and
    `zan legal index` (run by `make run` / `make test`) is then a no-op that does not touch the files."""
    assert index_status(BUNDLED_INDEX_DIR, get_embedder().name) is None
    npz = BUNDLED_INDEX_DIR / "index.npz"
    with np.load(npz) as arrays:
        assert arrays["head_vecs"].dtype == np.float16 and arrays["part_vecs"].dtype == np.float16
        assert len(arrays["part_rows"]) == len(arrays["part_vecs"]) > 3000
    before = {p.name: p.stat().st_mtime_ns for p in BUNDLED_INDEX_DIR.iterdir()}
    result = CliRunner().invoke(legal, ["index", "--out", str(BUNDLED_INDEX_DIR)])
    assert result.exit_code == 0 and "up to date" in result.output
    assert {p.name: p.stat().st_mtime_ns for p in BUNDLED_INDEX_DIR.iterdir()} == before
    assert sum(p.stat().st_size for p in BUNDLED_INDEX_DIR.iterdir()) < 12_000_000


def test_colloquial_descriptions_reach_the_offence(assistant: LegalAssistant) -> None:
    """Everyday wording with no legal term in it (written for this test, not taken from the benchmark)."""
    cases = [
        ("ночью кто-то вскрыл мой сарай и унёс велосипед", {("УК РК", "188")}),
        ("водитель задел ребёнка на переходе и умчался", {("КоАП РК", "611"), ("УК РК", "347")}),
        ("парень пинает котёнка во дворе", {("КоАП РК", "407-1"), ("УК РК", "316")}),
        ("у соседа дома незарегистрированный пистолет", {("УК РК", "287"), ("КоАП РК", "482")}),
        ("көрші итін таяқпен ұрып жүр", {("КоАП РК", "407-1"), ("УК РК", "316")}),
    ]
    for question, expected in cases:
        got = cited(assistant.ask(question))
        assert expected & set(got[:3]), (question, got)


def test_a_question_typed_in_latin_letters_finds_what_its_cyrillic_text_finds(assistant: LegalAssistant) -> None:
    for latin, cyrillic, language in (("Menin telefonymdy urlap ketti, ne isteimin?",
                                       "Менің телефонымды ұрлап кетті, не істеймін?", "kk"),
                                      ("U menya ukrali telefon, chto delat?", "У меня украли телефон, что делать?",
                                       "ru")):
        typed, written = assistant.ask(latin), assistant.ask(cyrillic)
        assert typed.language == language and cited(typed)[0] == cited(written)[0] == ("УК РК", "188")


def test_each_article_is_answered_with_its_own_part(assistant: LegalAssistant) -> None:
    answer = assistant.ask("ч. 2 ст. 188 УК и ст. 434 КоАП")
    assert [(c.code, c.article, c.part) for c in answer.citations] == [("УК РК", "188", "2"), ("КоАП РК", "434", None)]
    assert "КоАП РК ст. 434 ч." not in answer.answer


@pytest.mark.parametrize(
    ("language", "says"),
    [
        ("ru", ["Не найдено: УК РК ст. 188 ч. 9", "нет такой части"]),
        ("kk", ["Табылмады: ҚР ҚК 188-бабының 9-бөлігі", "бөлік жоқ"]),
        ("en", ["Not found: Criminal Code, Art. 188, part 9", "no such part"]),
    ],
)
def test_a_missing_part_is_said_to_be_missing(assistant: LegalAssistant, language: str, says: list[str]) -> None:
    answer = assistant.ask("ч. 9 ст. 188 УК", language)
    # the article is quoted as a whole, under a note that the part asked for does not exist
    assert [(c.code, c.article, c.part) for c in answer.citations] == [("УК РК", "188", None)]
    assert all(s in answer.answer for s in says), answer.answer
    assert answer.answer.index(says[0]) < answer.answer.index("«Кража»" if language != "en" else "\u201cКража\u201d")
    assert answer.confidence < 1.0
    exact = assistant.ask("ч. 2 ст. 188 УК", language)
    assert exact.confidence == 1.0 and exact.citations[0].part == "2" and says[0] not in exact.answer


def test_a_year_next_to_the_code_does_not_hide_the_article(assistant: LegalAssistant) -> None:
    answer = assistant.ask("УК 2014 года статья 188")
    assert cited(answer) == [("УК РК", "188")] and answer.confidence == 1.0


def test_an_english_question_is_answered_in_english(assistant: LegalAssistant) -> None:
    answer = assistant.ask("what does article 188 say")
    assert answer.language == "en" and cited(answer)[0] == ("УК РК", "188")
    assert answer.answer.startswith("Criminal Code, Art. 188")
