"""The legal knowledge base, FAQ and evaluation data, and the text tools — no index or embedder needed."""

from __future__ import annotations

import json

import pytest

from ml.legal.codes import parse_code
from ml.legal.corpus import DATA_DIR, load_corpus
from ml.legal.faq import ACTIONS, load_faq, validate_faq
from ml.legal.lexicon import kk_candidates, load_glossary, query_terms
from ml.legal.refs import resolve


@pytest.fixture(scope="module")
def corpus():  # type: ignore[no-untyped-def]
    return load_corpus()


def test_corpus_has_every_article_and_clean_chunks(corpus) -> None:  # type: ignore[no-untyped-def]
    assert len(corpus.articles) == 3382
    assert 9000 < len(corpus.chunks) < 15000
    for chunk in corpus.chunks:
        # amendment footnotes and editorial notices are kept aside, never quoted as law
        assert "Сноска." not in chunk.text and "ИЗПИ" not in chunk.text, (chunk.code, chunk.article, chunk.part)
        assert "\n " not in chunk.text
    art = corpus.article("КоАП РК", "592")
    assert [p.label for p in art.parts] == ["1", "2", "3", "3-1", "4", "5"]
    assert any("10.01.2025" in n or "03.10.2024" in n for n in art.amendments)
    # hyperlink wraps are joined: "статьи 50" is one line inside the sentence
    assert "частью второй статьи 50 настоящего Кодекса" in corpus.article("КоАП РК", "434").parts[2].text


def test_part_labels_are_unique_and_repealed_articles_are_not_retrievable(corpus) -> None:  # type: ignore[no-untyped-def]
    for art in corpus.articles.values():
        labels = [p.label for p in art.parts]
        assert len(labels) == len(set(labels)), (art.code, art.article, labels)
    assert corpus.article("УК РК", "109").repealed
    assert not corpus.chunks_of("УК РК", "109")
    assert corpus.chunks_of("УК РК", "109-1")
    # "Примечания. 1. … 2. …" stays one note instead of duplicating parts 1 and 2
    assert [p.label for p in corpus.article("УК РК", "296").parts] == ["1", "2", "3", "4", "note"]


def test_faq_is_large_bilingual_and_cites_only_existing_parts(corpus) -> None:  # type: ignore[no-untyped-def]
    items = load_faq()
    assert len(items) >= 40
    assert validate_faq(items, corpus) == []
    for item in items:
        assert len(item.questions["ru"]) >= 3 and len(item.questions["kk"]) >= 3, item.id
        assert item.suggested_action in ACTIONS
    topics = {item.id for item in items}
    for required in (
        "domestic_violence",
        "protective_order",
        "theft",
        "fraud",
        "robbery",
        "petty_hooliganism",
        "drinking_in_public",
        "detained_rights",
        "complain_officer",
        "free_legal_aid",
        "appeal_deadlines",
        "alcohol_to_minors",
        "missing_person",
        "unpaid_salary",
        "alimony_amount",
        "missing_child",
        "dog_attack",
        "licence_deprivation",
        "unlawful_dismissal",
    ):
        assert required in topics


def test_validate_faq_catches_invented_citations(corpus) -> None:  # type: ignore[no-untyped-def]
    items = load_faq()
    broken = items[0].__class__(
        **{
            **{f: getattr(items[0], f) for f in items[0].__slots__},
            "citations": (items[0].citations[0].__class__("УК РК", "9999"),),
        }
    )
    assert any("not in corpus" in p for p in validate_faq([broken], corpus))


def test_eval_questions_are_held_out_from_the_faq(corpus) -> None:  # type: ignore[no-untyped-def]
    data = json.loads((DATA_DIR / "eval_questions.json").read_text(encoding="utf-8"))["questions"]
    by_lang = {lang: [q for q in data if q["lang"] == lang] for lang in ("ru", "kk")}
    assert len(by_lang["ru"]) >= 30 and len(by_lang["kk"]) >= 30
    variants = {" ".join(v.lower().split()) for item in load_faq() for qs in item.questions.values() for v in qs}
    for q in data:
        assert " ".join(q["question"].lower().split()) not in variants, q["id"]
        for e in q["expected"]:
            assert corpus.has(e["code"], e["article"]), (q["id"], e)


def test_kazakh_stemmer_and_glossary_bridge_to_russian_terms() -> None:
    assert "урла" in kk_candidates("ұрлағаны")
    assert "бузакылык" in kk_candidates("бұзақылығы")  # final consonant voicing undone
    g = load_glossary()
    assert "кража" in g.kk_terms("ұрлағаны")
    assert "мошенничество" in g.kk_terms("алаяқтарға")
    terms = query_terms("ұрлық үшін қандай жаза", "kk")
    assert "краж" in terms.expanded and "наказан" in terms.expanded
    # typed on a Russian keyboard: folded letters still reach the glossary
    assert "краж" in query_terms("урлык ушин жаза", "kk").expanded


def test_code_names_and_article_references(corpus) -> None:  # type: ignore[no-untyped-def]
    assert parse_code("уголовного кодекса") == "УК РК"
    assert parse_code("уголовно-процессуального кодекса") == "УПК РК"
    assert parse_code("Еңбек кодексінің") == "ТК РК"
    cases = {
        "статья 188 УК": ("УК РК", "188", None),
        "что говорит ст. 190 ч. 2 УК РК?": ("УК РК", "190", "2"),
        "ҚК 188-бап": ("УК РК", "188", None),
        "434 КоАП": ("КоАП РК", "434", None),
        "Қылмыстық кодекстің 191-бабы": ("УК РК", "191", None),
    }
    for text, (code, article, part) in cases.items():
        refs, _ = resolve(text, corpus)
        assert refs and (refs[0].code, refs[0].article, refs[0].part) == (code, article, part), text
    assert resolve("украли 5000 тенге и 2 телефона", corpus)[0] == []
    assert resolve("статья 9999 УК", corpus)[0] == []


def _refs(text: str, corpus) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    return [(r.code, r.article, r.part) for r in resolve(text, corpus)[0]]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # the part is written before its article ...
        ("ч. 2 ст. 188 УК и ст. 434 КоАП", [("УК РК", "188", "2"), ("КоАП РК", "434", None)]),
        ("ст. 188 УК, ч. 2 ст. 434 КоАП", [("УК РК", "188", None), ("КоАП РК", "434", "2")]),
        ("part 2 of article 188 of the criminal code and article 190 of the criminal code",
         [("УК РК", "188", "2"), ("УК РК", "190", None)]),
        # ... or after it
        ("по ст. 434 КоАП ч. 1 какой штраф, а что по ст. 188 УК?", [("КоАП РК", "434", "1"), ("УК РК", "188", None)]),
        ("статьи 188 части 2 УК и статья 190 УК", [("УК РК", "188", "2"), ("УК РК", "190", None)]),
        ("ҚК 188-бабының 2-бөлігі және ҚК 190-бабы", [("УК РК", "188", "2"), ("УК РК", "190", None)]),
        ("ҚК 190-бабы және ҚК 188-баптың 2-бөлігі", [("УК РК", "190", None), ("УК РК", "188", "2")]),
        # one article and one part, apart: nothing else it could belong to
        ("статья 188 УК — что в части 3?", [("УК РК", "188", "3")]),
    ],
)
def test_a_part_belongs_to_the_article_written_next_to_it(corpus, text: str, expected) -> None:  # type: ignore[no-untyped-def]
    assert _refs(text, corpus) == expected


def test_a_part_the_article_does_not_have_is_reported_not_dropped(corpus) -> None:  # type: ignore[no-untyped-def]
    refs, missing = resolve("ч. 9 ст. 188 УК", corpus)
    assert [(r.code, r.article, r.part, r.missing_part) for r in refs] == [("УК РК", "188", None, "9")]
    assert missing == []  # the article exists: only its part is missing
    refs, _ = resolve("ч. 2 ст. 188 УК", corpus)
    assert [(r.part, r.missing_part) for r in refs] == [("2", None)]
    # no code named: neither default code has a part 9 of article 188
    refs, _ = resolve("188-баптың 9-бөлігі", corpus)
    assert refs and all(r.part is None and r.missing_part == "9" for r in refs)


def test_a_year_is_not_an_article_number(corpus) -> None:  # type: ignore[no-untyped-def]
    # "УК 2014 года" read as article 2014 of the УК hid the "статья 188" written next to it
    assert resolve("УК 2014 года статья 188", corpus) == resolve("статья 188 УК", corpus)
    assert _refs("УК РК от 2014 года ст. 188", corpus) == [("УК РК", "188", None)]
    assert _refs("ҚК 2014 жылғы 188-бап", corpus) == [("УК РК", "188", None)]
    assert resolve("статья 2014 года", corpus) == ([], [])
    assert resolve("по УК 2014 года какое наказание за кражу", corpus) == ([], [])
    # "г." after a number that cannot be a year is the city, not "года"
    assert ("УК РК", "188", None) in _refs("статья 188 г. Алматы", corpus)


def test_the_softened_kazakh_article_word(corpus) -> None:  # type: ignore[no-untyped-def]
    # "бап" becomes "бабы", "бабының" before a vowel: "188-бабы" is as much a reference as "188-бап"
    assert _refs("188-бабы қылмыстық кодекстің", corpus) == [("УК РК", "188", None)]
    assert ("УК РК", "188", "2") in _refs("188-бабының 2-бөлігі", corpus)
    assert resolve("Қылмыстық кодекстің 999-бабы", corpus)[1][0].article == "999"  # explicit, so reported missing
    assert resolve("во дворе 2 бабы ругаются", corpus) == ([], [])  # Russian "бабы" is no article word
