"""Which short messages after an answer are thanks, which ask whether the act was lawful, which ask the penalty
(`ml.legal.follow_up`), and the break-in-now patterns of `ml.urgency` the legal assistant leads with 102."""

from __future__ import annotations

import pytest

from ml.lang import reading_text
from ml.legal.follow_up import acknowledges, asks_if_lawful, asks_only_the_penalty, asks_the_law
from ml.urgency import detect_urgency


@pytest.mark.parametrize("text", [
    "this is fine", "that's fine", "ok, that is fine", "fine", "ok thanks", "понятно, спасибо", "понятно", "ок",
    "ясно, спасибо", "хорошо, понятно", "это понятно", "түсінікті, рахмет", "рахмет",
])
def test_a_thanks_or_an_acknowledgement_asks_nothing(text: str) -> None:
    reading = reading_text(text)
    assert acknowledges(reading)
    assert not asks_only_the_penalty(reading) and not asks_the_law(reading) and not asks_if_lawful(reading)


@pytest.mark.parametrize("text", [
    "what is the fine for that?", "is this fine?", "понятно, а что ему будет?", "спасибо, а что ему за это будет?",
    "это не понятно", "that's not fine", "это нормально?", "спасибо, помогите",
])
def test_a_question_or_a_complaint_is_no_acknowledgement(text: str) -> None:
    assert not acknowledges(reading_text(text))


@pytest.mark.parametrize("text", ["спасибо, он ещё здесь", "понятно, но он снова тут", "ок, он опять здесь",
                                  "рахмет, ол әлі осында", "thanks, he is still here"])
def test_a_thanks_that_tells_someone_is_still_there_is_no_acknowledgement(text: str) -> None:
    """The intruder still inside, said after a thanks: no "you're welcome" may answer it."""
    assert not acknowledges(reading_text(text))


@pytest.mark.parametrize("text", ["рахмет, ол түсінікті", "ok, thanks again", "рахмет тағы да"])
def test_a_thanks_with_a_pronoun_or_again_is_still_a_thanks(text: str) -> None:
    assert acknowledges(reading_text(text))


@pytest.mark.parametrize("text", [
    "Вчера уже пытались, а сейчас в квартиру залезли воры, они ещё здесь",
    "Неделю назад к нам залезли, и сейчас опять кто-то влез в дом, он прямо сейчас там",
    "вчера купил замок, а сейчас в квартиру вломились, они внутри",
    "Кеше де келген, қазір біреу үйге кірді",
])
def test_a_break_in_now_after_an_earlier_one_is_urgent(text: str) -> None:
    """A past time named beside the break-in happening now (an earlier attempt, the lock bought yesterday)."""
    assert detect_urgency(text).urgent


@pytest.mark.parametrize("text", [
    "муж бьет меня, что мне сейчас делать?", "меня бьют прямо сейчас, что делать",
    "муж избивает меня сейчас, можно ли вызвать полицию", "ко мне ломятся, что мне сейчас делать?",
])
def test_danger_now_asked_about_now_is_urgent(text: str) -> None:
    """"What do I do now?" is the asking's now only beside a past time: with none it is the emergency it tells."""
    assert detect_urgency(text).urgent


@pytest.mark.parametrize("text", ["это нормально?", "а это законно?", "бұл заңды ма?", "бұл қалыпты ма?",
                                  "is that ok?", "is this normal?", "это нормально"])
def test_whether_it_was_lawful_points_back_at_the_act(text: str) -> None:
    assert asks_if_lawful(reading_text(text))


@pytest.mark.parametrize("text", ["нормально ли работать ночью?", "законно ли хранить нож дома?", "this is fine"])
def test_a_lawfulness_question_naming_its_own_matter_or_a_remark_is_not_one(text: str) -> None:
    assert not asks_if_lawful(reading_text(text))


@pytest.mark.parametrize("text", [
    "кто-то пытается залезть ко мне в квартиру прямо сейчас",
    "в мой дом кто-то вломился прямо сейчас",
    "кто-то вломился ко мне в дом, я прячусь в ванной",
    "ко мне в дом лезет пьяный мужик",
    "ко мне в квартиру лезут",
    "незнакомец пытается проникнуть в дом",
    "в квартиру кто-то проник, он еще здесь",
    "кто-то влез в окно и ходит по дому",
    "біреу үйіме кіруге тырысып жатыр",
    "біреу үйіме кіргелі жатыр",
    "біреу қазір үйге кірді",
    "мас көрші үйге кіріп алды қазір",
])
def test_a_break_in_into_a_home_happening_now_is_urgent(text: str) -> None:
    verdict = detect_urgency(text)
    assert verdict.urgent and "break_in_progress" in verdict.reasons and "102" in verdict.advise


@pytest.mark.parametrize("text", [
    "кто-то залез ко мне в квартиру вчера",
    "вчера ночью к нам в дом залезли воры",
    "кто-то залез ко мне в дом",
    "сын залез ко мне в сумку",
    "кто-то пытается войти в мой аккаунт",
    "я дома одна",
    "что будет за проникновение в жилище",
    "балам үйге кірді ме білмеймін",
    # over, however "now" the asking is: a past marker wins over the question's "сейчас"
    "кто-то влез в мой дом год назад, можно ли сейчас подать заявление?",
    "в прошлом месяце в квартиру залезли воры, что мне сейчас делать?",
    "в дом залезли воры, сейчас уже ушли",
    "өткен жылы біреу пәтерге кіріп кетті, қазір арыз беруге бола ма",
])
def test_a_past_break_in_or_a_mere_home_is_not_urgent(text: str) -> None:
    assert not detect_urgency(text).urgent
