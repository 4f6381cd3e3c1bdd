"""Whether detection decided a text's language or only fell back (ml.lang.decided_language): a short text of an
abbreviation, a word the same in Russian and Kazakh, a brand or a single word is read as Russian (or English) by
detect_language's fallback, and a caller that knows the language the citizen asked for takes that one instead."""

from __future__ import annotations

import pytest

from ml.lang import decided_language, detect_language


@pytest.mark.parametrize("text", ["ДТП", "полиция", "Полиция!", "Помогите", "Помогите!!!", "Здравствуйте", "Kaspi 777",
                                  "Help", "spasibo", "🔥🔥", "112", "", "Астана Абая 10", "Помогите қазір"])
def test_a_text_that_tells_too_little_is_undecided(text: str) -> None:
    assert decided_language(text) is None
    assert detect_language(text) in ("ru", "en")  # what existing callers get is unchanged: the fallback


@pytest.mark.parametrize(("text", "language"), [
    ("Украли велосипед из подъезда 🚲", "ru"),
    ("Помогите срочно", "ru"),
    ("Сосед шумит каждую ночь", "ru"),
    ("razbili okno", "ru"),
    # two words, one of them a Russian inflected form no Kazakh text borrows: a Russian sentence
    ("Украли телефон", "ru"),
    ("Мошенники звонят", "ru"),
    ("Машина горит", "ru"),
    ("Полиция, помогите", "ru"),
    ("Help me please", "en"),
    # Kazakh is never a fallback: one Kazakh word decides
    ("Көмектесіңіздер", "kk"),
    ("Комектесиниздер", "kk"),
    ("Полиция келмеди", "kk"),
])
def test_a_text_that_tells_its_language_is_decided(text: str, language: str) -> None:
    assert decided_language(text) == language == detect_language(text)
