"""The FAQ says in Kazakh and English what it says in Russian: every figure and article number of the Russian answer
is in the other two (a native-speaker review found parts, fines and whole instructions dropped in shortening), and
the Kazakh answers and references name a part or a note of an article the way official acts do ("188-бабының
9-бөлігі"). No index or embedder needed."""

from __future__ import annotations

import re
from collections import Counter

import pytest

from ml.legal.faq import FaqItem, load_faq
from ml.legal.messages import format_ref

ITEMS = load_faq()
# "4 000" / "4,000" are one figure; a Russian answer never groups its digits otherwise
_THOUSANDS = re.compile(r"(?<=\d)[ \u00a0,](?=\d{3}(?!\d))")
# an article or part number keeps its hyphen ("829-4", "3-1"), so "829" and "4" elsewhere do not stand for it
_NUMBER = re.compile(r"\d+(?:-\d+)*")
# "188-бап 9-бөлігі", "591-бап ескертпесі", "367-баптың 2-ескертпесі": a part or a note wants "188-бабының"
_NOMINATIVE_ARTICLE = re.compile(r"\d-бап(?:тың)?\s+(?:[\d, -]+-)?(?:бөлі|ескертпе)")


def figures(text: str) -> Counter[str]:
    """Each number of the text, as many times as it is written ("09:00" and "9" are the same figure)."""
    return Counter(
        "-".join(str(int(p)) for p in token.split("-")) for token in _NUMBER.findall(_THOUSANDS.sub("", text))
    )


@pytest.mark.parametrize("language", ["kk", "en"])
@pytest.mark.parametrize("item", ITEMS, ids=[item.id for item in ITEMS])
def test_an_answer_carries_every_figure_and_article_of_the_russian_one(item: FaqItem, language: str) -> None:
    missing = figures(item.answer["ru"]) - figures(item.answer[language])
    assert not missing, f"{item.id} ({language}) lacks {dict(missing)}: {item.answer[language]}"


def test_figures_are_counted_as_written() -> None:
    assert figures("ст. 829-4 ч. 3, штраф 4 000 МРП, с 22 до 9") == Counter(["829-4", "3", "4000", "22", "9"])
    english = figures("Art. 829-4 part 3, 4,000 MCI, 22:00 to 09:00")
    assert english == Counter(["829-4", "3", "4000", "22", "0", "9", "0"])
    # a dropped part number is missed even when the article number is there
    assert figures("ст. 188 ч. 3") - figures("188-бап") == Counter(["3"])


@pytest.mark.parametrize("item", ITEMS, ids=[item.id for item in ITEMS])
def test_a_kazakh_answer_names_a_part_with_the_article_in_the_genitive(item: FaqItem) -> None:
    assert not _NOMINATIVE_ARTICLE.search(item.answer["kk"]), item.answer["kk"]


def test_a_kazakh_reference_puts_the_article_in_the_genitive_before_a_part_or_a_note() -> None:
    assert format_ref("УК РК", "188", "9", "kk") == "ҚР ҚК 188-бабының 9-бөлігі"
    assert format_ref("КоАП РК", "592", "3-1", "kk") == "ҚР ӘҚБтК 592-бабының 3-1-бөлігі"
    assert format_ref("УК РК", "296", "note", "kk") == "ҚР ҚК 296-бабының ескертпесі"
    assert format_ref("УК РК", "188", None, "kk") == "ҚР ҚК 188-бап"
    assert format_ref("УК РК", "188", "9", "ru") == "УК РК ст. 188 ч. 9"
