"""What a citizen sends outside a report begins one: a photo (an album too, as one draft), a video file or a location
starts a report draft that keeps it (the file as the report's evidence, the location as its place) and asks for the
description in the chat's language; a voice message is kept in a draft while the citizen is asked whether to file a
report with it ("No" deletes it at once, a stale answer to the question is refused as the draft's other buttons are);
what no report takes (a PDF, a sticker) is still answered with the prompt. Updates go through the real dispatcher one
by one (an album's at once, as Telegram delivers it); real aiogram against the fake Bot API, real intake and media
pipeline."""

from __future__ import annotations

import asyncio
import hashlib

import pytest
from sqlalchemy import func, select

from backend.context import Context
from backend.media.models import Media
from backend.reports.models import Report
from bots.models import TelegramDraftMedia
from tests.bots.test_citizen_audit_conversation import TEXT, Chat
from tests.bots.test_citizen_report import _files_of
from tests.bots.test_citizen_voice import _number, _voice
from tests.fakes.telegram import FakeBot, sample_jpeg
from tests.media.recordings import recording

pytestmark = pytest.mark.anyio
STICKER = {"sticker": {"file_id": "CAACAgIAAxk", "file_unique_id": "AgADsticker", "type": "regular", "width": 512,
                       "height": 512, "is_animated": False, "is_video": False}}
# what each language's answers begin with: the file kept, the description asked, the place asked, the files so far
SAYS = {
    "ru": ("Файл сохранён в обращении", "опишите словами", "место происшествия", "Уже приложено файлов: {n} из 5",
           "зарегистрировано"),
    "kk": ("Файл өтінішке сақталды", "мәтінмен сипаттаңыз", "Оқиға орнын жіберіңіз", "Қосылған файлдар: {n} / 5",
           "тіркелді"),
    "en": ("The file is kept with the report", "describe briefly in words", "Send the location",
           "Files attached so far: {n} of 5", "registered"),
}


async def _started(chat: Chat, lang: str) -> None:
    await chat.says("/start")
    await chat.taps(f"lang:{lang}")


async def _asked(ctx: Context, citizen_tg: FakeBot, chat_id: int, lang: str = "ru") -> Chat:
    """A chat in `lang` that sent a voice message outside a report: "File a report with this?" waits."""
    chat = Chat(ctx, citizen_tg, chat_id)
    await _started(chat, lang)
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    return chat


async def _drafts(ctx: Context) -> list[str]:
    """The draft keys the bot keeps files under, one per file."""
    async with ctx.sessions() as session:
        return list(await session.scalars(select(TelegramDraftMedia.draft_key)))  # type: ignore[call-overload]


async def _media(ctx: Context) -> int:
    async with ctx.sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(Media)) or 0)


async def _file_it(chat: Chat, citizen_tg: FakeBot, ctx: Context) -> list[Media]:
    """The rest of a report whose files are in: the description, the place, no more files, Send; its files."""
    await chat.says(TEXT)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    return await _files_of(ctx, _number(chat.texts()[-1]))


async def _reports(ctx: Context) -> list[Report]:
    async with ctx.sessions() as session:
        return list(await session.scalars(select(Report)))


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_photo_sent_outside_a_report_starts_one_that_keeps_it(ctx: Context, citizen_tg: FakeBot,
                                                                      lang: str) -> None:
    kept, describe, place, so_far, registered = SAYS[lang]
    chat = Chat(ctx, citizen_tg, {"ru": 792001, "kk": 792002, "en": 792003}[lang])
    await _started(chat, lang)
    photo = sample_jpeg(80, 60)
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, photo))
    [answer] = chat.texts()[before:]
    # kept, and the description asked for, with the report's way back: not "write your question"
    assert kept in answer and describe in answer, answer
    cancel = {"ru": "Отменить", "kk": "Болдырмау", "en": "Cancel"}[lang]
    assert chat.last().button(cancel)["callback_data"] == "report:cancel"
    assert len(await _drafts(ctx)) == 1

    await chat.says(TEXT)
    assert place in chat.texts()[-1], chat.texts()[-1]
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert so_far.format(n=1) in chat.texts()[-1], chat.texts()[-1]  # not asked for again
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert registered in chat.texts()[-1], chat.texts()[-1]
    [media] = await _files_of(ctx, _number(chat.texts()[-1]))
    assert media.sha256 == hashlib.sha256(photo).hexdigest()


async def test_a_captioned_photo_outside_a_report_gives_its_description(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 792004)
    await _started(chat, "ru")
    await chat.feed(citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(64, 48), caption=TEXT))
    assert "Подпись к файлу принята как описание" in chat.texts()[-1]
    assert "место происшествия" in chat.texts()[-1]  # on to the place: the description is there
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    [report] = await _reports(ctx)
    assert report.text == TEXT
    assert len(await _files_of(ctx, report.number)) == 1


async def test_an_album_outside_a_report_starts_one_draft_answered_once(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 792005)
    await _started(chat, "ru")
    before = len(chat.texts())
    album = [citizen_tg.user_sends_photo(chat.id, chat.user, sample_jpeg(40 + i, 30), media_group_id="outside-1")
             for i in range(3)]
    await asyncio.gather(*(chat.feed(update) for update in album))  # as Telegram delivers an album: all at once
    answers = chat.texts()[before:]
    assert len(answers) == 1 and "Файлы сохранены в обращении" in answers[0], answers
    drafts = await _drafts(ctx)
    assert len(drafts) == 3 and len(set(drafts)) == 1, drafts  # one draft holds all three

    await chat.says(TEXT)
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "Уже приложено файлов: 3 из 5" in chat.texts()[-1]
    await chat.taps("report:skip")
    await chat.taps("report:send")
    assert len(await _files_of(ctx, _number(chat.texts()[-1]))) == 3


async def test_a_location_outside_a_report_is_kept_as_its_place(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 792006)
    await _started(chat, "en")
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 43.2389, 76.8897, horizontal_accuracy=9))
    assert "The location is kept" in chat.texts()[-1] and "describe briefly in words" in chat.texts()[-1]
    await chat.says(TEXT)
    assert "You may attach up to 5 photos" in chat.texts()[-1]  # the place is not asked for again
    await chat.taps("report:skip")
    await chat.taps("report:send")
    [report] = await _reports(ctx)
    assert (report.lat, report.lon, report.accuracy_m, report.text) == (43.2389, 76.8897, 9, TEXT)


async def test_a_too_large_video_outside_a_report_is_refused_in_kazakh_and_the_report_goes_on(
        ctx: Context, citizen_tg: FakeBot) -> None:
    """The limits hold as at any step: a 30 MB video file is refused unread, said so, and the report it began asks
    for the description (nothing stored)."""
    chat = Chat(ctx, citizen_tg, 792007)
    await _started(chat, "kk")
    big = {"document": {"file_id": "BQACAgIbig", "file_unique_id": "AgADbig", "file_name": "IMG_0412.MOV",
                        "mime_type": "video/quicktime", "file_size": 30 * 1024 * 1024}}
    await chat.feed(citizen_tg._user_message(chat.id, chat.user, big))
    assert "Бұл файлды қабылдай алмадым" in chat.texts()[-1] and "мәтінмен сипаттаңыз" in chat.texts()[-1]
    assert await _media(ctx) == 0
    await chat.says(TEXT)
    assert "Оқиға орнын жіберіңіз" in chat.texts()[-1]


async def test_what_no_report_takes_is_still_answered_with_the_prompt(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 792008)
    await _started(chat, "ru")
    for update in (citizen_tg._user_message(chat.id, chat.user, STICKER),
                   citizen_tg.user_sends_document(chat.id, chat.user, b"%PDF-1.4 ...", file_name="claim.pdf")):
        await chat.feed(update)
        assert chat.texts()[-1] == "Напишите ваш вопрос одним сообщением."
    assert await _drafts(ctx) == []


@pytest.mark.parametrize(("lang", "asked", "yes", "no"), [
    ("ru", "Подать обращение в полицию с этим сообщением?", "Да, подать обращение", "Нет"),
    ("kk", "Осы хабарламамен полицияға өтініш бересіз бе?", "Иә, өтініш беру", "Жоқ"),
    ("en", "File a report with the police with this message?", "Yes, file a report", "No"),
])
async def test_a_voice_message_outside_a_report_is_kept_and_asked_about(ctx: Context, citizen_tg: FakeBot,
                                                                        lang: str, asked: str, yes: str,
                                                                        no: str) -> None:
    chat = await _asked(ctx, citizen_tg, {"ru": 792011, "kk": 792012, "en": 792013}[lang], lang)
    assert asked in chat.texts()[-1], chat.texts()[-1]
    assert chat.last().button(yes)["callback_data"] == "report:offer_yes"
    assert chat.last().button(no)["callback_data"] == "report:offer_no"
    assert len(await _drafts(ctx)) == 1  # kept while the citizen chooses

    await chat.taps("report:offer_yes")
    assert SAYS[lang][3].format(n=1) in chat.texts()[-1], chat.texts()[-1]
    await chat.says(TEXT)
    assert SAYS[lang][2] in chat.texts()[-1]
    await chat.feed(citizen_tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    await chat.taps("report:skip")
    await chat.taps("report:send")
    [media] = await _files_of(ctx, _number(chat.texts()[-1]))
    assert media.kind == "audio"


async def test_no_deletes_the_voice_message_at_once(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 792014)
    before = len(chat.texts())
    # words before choosing: answered as a question (a cry for help gets its 102 lead at once), then the question
    # asked again; nothing taken or lost
    await chat.says("Помогите, ко мне в квартиру ломятся прямо сейчас")
    answers = chat.texts()[before:]
    assert len(answers) == 2 and "102" in answers[0], answers
    assert "Подать обращение в полицию с этим сообщением?" in answers[1]
    assert await _media(ctx) == 1
    await chat.taps("report:offer_no")
    assert "обращение не подано, файл удалён" in chat.texts()[-1]
    assert chat.last().keyboard  # the menu again
    assert (await _drafts(ctx), await _media(ctx)) == ([], 0)  # not left a week for the unused-media purge
    await chat.feed(citizen_tg._user_message(chat.id, chat.user, STICKER))  # no report being written any more
    assert chat.texts()[-1] == "Напишите ваш вопрос одним сообщением."
    assert await _reports(ctx) == []


async def test_a_stale_answer_to_the_question_is_refused(ctx: Context, citizen_tg: FakeBot) -> None:
    """The question's Yes of a draft that was cancelled, tapped while another one waits: said, and neither draft
    touched; with no draft at all, the citizen hears that nothing was sent."""
    chat = await _asked(ctx, citizen_tg, 792015)
    first = chat.last()
    await chat.says("/cancel")
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus")))
    second = chat.last()
    before = len(chat.texts())
    await chat.feed(citizen_tg.user_taps_button(first, "report:offer_yes", user=chat.user))
    await chat.feed(citizen_tg.user_taps_button(first, "report:offer_no", user=chat.user))
    assert chat.texts()[before:] == []
    alerts = [c.params for c in citizen_tg.calls("answerCallbackQuery")][-2:]
    assert all("от прежнего обращения" in str(a.get("text")) for a in alerts), alerts
    assert len(await _drafts(ctx)) == 1  # the second voice message, still asked about
    await chat.feed(citizen_tg.user_taps_button(second, "report:offer_no", user=chat.user))
    await chat.feed(citizen_tg.user_taps_button(second, "report:offer_yes", user=chat.user))
    assert "больше не хранится" in chat.texts()[-1]  # no draft: nothing was sent
    assert await _reports(ctx) == []


async def test_report_typed_while_asked_takes_the_voice_message(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 792016)
    await chat.says("/report")  # a Yes: the voice message goes with the report
    assert "Уже приложено файлов: 1 из 5" in chat.texts()[-1] and "Опишите, что произошло" in chat.texts()[-1]
    [media] = await _file_it(chat, citizen_tg, ctx)
    assert media.kind == "audio"


async def test_a_voice_message_with_words_under_it_is_a_report_at_once(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 792017)
    await _started(chat, "en")
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus"), caption=TEXT))
    assert "The caption is taken as the description" in chat.texts()[-1], chat.texts()[-1]
    assert "Send the location" in chat.texts()[-1]
    assert len(await _drafts(ctx)) == 1


async def test_a_voice_message_that_cannot_be_kept_is_refused_without_a_draft(ctx: Context,
                                                                             citizen_tg: FakeBot) -> None:
    """Over the audio limit (20 MB, refused unread): nothing to file a report with, so no question and no draft."""
    chat = Chat(ctx, citizen_tg, 792018)
    await _started(chat, "ru")
    await chat.feed(_voice(citizen_tg, chat, recording("ogg", "libopus"), file_size=21 * 1024 * 1024))
    assert "Не удалось принять этот файл" in chat.texts()[-1] and "Подать обращение" not in chat.texts()[-1]
    assert chat.last().keyboard  # the menu
    await chat.feed(citizen_tg._user_message(chat.id, chat.user, STICKER))
    assert chat.texts()[-1] == "Напишите ваш вопрос одним сообщением."  # no report being written


async def test_an_album_of_audio_files_is_asked_about_once_in_one_draft(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = Chat(ctx, citizen_tg, 792019)
    await _started(chat, "ru")
    album = []
    for _ in range(2):
        stored = citizen_tg._hub.store_file(recording("wav", "pcm_s16le"), kind="music", mime_type="audio/wav",
                                            extension=".wav")
        audio = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "duration": 1,
                 "mime_type": "audio/wav", "file_size": stored.file_size}
        album.append(citizen_tg._user_message(chat.id, chat.user, {"audio": audio, "media_group_id": "tapes-1"}))
    before = len(chat.texts())
    await asyncio.gather(*(chat.feed(update) for update in album))  # as Telegram delivers an album: all at once
    answers = chat.texts()[before:]
    assert len(answers) == 1 and "Подать обращение в полицию" in answers[0], answers
    drafts = await _drafts(ctx)
    assert len(drafts) == 2 and len(set(drafts)) == 1, drafts
    await chat.taps("report:offer_yes")
    assert "Уже приложено файлов: 2 из 5" in chat.texts()[-1]


async def test_file_a_report_under_an_answer_given_meanwhile_takes_the_voice_message_once(
        ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 793101)
    await chat.says("Помогите, ко мне в квартиру ломятся прямо сейчас")
    answer, question = citizen_tg.sent_messages(chat.id)[-2:]
    await chat.feed(citizen_tg.user_taps_button(answer, "report:start", user=chat.user))
    assert "Уже приложено файлов: 1 из 5" in chat.texts()[-1], chat.texts()[-1]
    await chat.feed(citizen_tg.user_taps_button(question, "report:offer_yes", user=chat.user))  # a later Yes
    assert len(await _drafts(ctx)) == 1
    [media] = await _file_it(chat, citizen_tg, ctx)
    assert media.kind == "audio" and len(await _reports(ctx)) == 1


async def test_cancel_while_asked_deletes_the_voice_message_at_once(ctx: Context, citizen_tg: FakeBot) -> None:
    chat = await _asked(ctx, citizen_tg, 793102)
    await chat.says("/cancel")
    assert (await _drafts(ctx), await _media(ctx)) == ([], 0)


async def test_the_menus_legal_question_button_while_asked_asks_again(ctx: Context, citizen_tg: FakeBot) -> None:
    """The button is no question to answer (it quoted an article and used up a question of the chat's limit)."""
    chat = await _asked(ctx, citizen_tg, 793103)
    before = len(chat.texts())
    await chat.says("❓ Юридический вопрос")
    answers = chat.texts()[before:]
    assert len(answers) == 1 and "Подать обращение в полицию с этим сообщением?" in answers[0], answers
