"""Voice messages and audio files as a report's evidence in the citizen bot, and files sent before the files step
kept in the draft: a voice message told instead of the description is kept and the written description asked for,
a file sent with the description or where the place is asked is not asked for again, and the limits (five files,
20 MB) are said in the chat's language. Real aiogram against the fake Bot API, real intake and media pipeline (the
Ogg Opus and WAV files are real recordings the media API sniffs)."""

from __future__ import annotations

import hashlib
import re
from typing import Any

import pytest

from backend.context import Context
from tests.bots.test_citizen_audit_conversation import Chat
from tests.bots.test_citizen_report import _files_of
from tests.fakes.telegram import FakeBot, make_user, sample_jpeg
from tests.media.recordings import recording

pytestmark = pytest.mark.anyio
TEXT_RU = "Во дворе дома на Кенесары 40 неизвестные разбили окно машины"
TEXT_KK = "Аулада біреулер көліктің әйнегін сындырып, магнитоланы ұрлап кетті"
TEXT_EN = "Two men broke a car window in the yard and took the radio"


def _voice(tg: FakeBot, chat: Chat, data: bytes, *, file_size: int | None = None,
           caption: str | None = None) -> dict[str, Any]:
    """A voice message as Telegram sends it: Ogg Opus, its size said (or claimed, to test the limit unread)."""
    stored = tg._hub.store_file(data, kind="voice", mime_type="audio/ogg", extension=".oga")
    voice = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "duration": 1,
             "mime_type": "audio/ogg", "file_size": file_size or len(data)}
    return tg._user_message(chat.id, chat.user, {"voice": voice} | ({"caption": caption} if caption else {}))


def _audio(tg: FakeBot, chat: Chat, data: bytes, mime_type: str) -> dict[str, Any]:
    """An audio file (a recorder app's), sent as music is: Telegram's `audio`."""
    stored = tg._hub.store_file(data, kind="music", mime_type=mime_type, extension=".wav")
    audio = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "duration": 1,
             "mime_type": mime_type, "file_size": len(data)}
    return tg._user_message(chat.id, chat.user, {"audio": audio})


def _number(filed: str) -> str:
    """The report's number in the bot's "registered" answer (ru/kk "№ N.", en "No. N.")."""
    found = re.search(r"(?:№|No\.) ([^\s.]+)", filed)
    assert found is not None, filed
    return found.group(1)


async def _started(chat: Chat, lang: str, report_button: str) -> None:
    await chat.says("/start")
    await chat.taps(f"lang:{lang}")
    await chat.says(report_button)


async def test_a_voice_message_instead_of_the_description_is_kept_and_words_are_asked_for(
        ctx: Context, citizen_tg: FakeBot) -> None:
    tg, chat = citizen_tg, Chat(ctx, citizen_tg, 761001)
    await _started(chat, "ru", "/report")
    note = recording("ogg", "libopus")  # Telegram's voice messages are Ogg Opus
    before = len(chat.texts())
    await chat.feed(_voice(tg, chat, note))
    [answer] = chat.texts()[before:]
    assert "Голосовое сообщение сохранено в обращении" in answer and "опишите словами" in answer, answer
    assert chat.last().button("Отменить")["callback_data"] == "report:cancel"
    await chat.says(TEXT_RU)
    assert "место происшествия" in chat.texts()[-1]
    await chat.feed(tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    # the files step says the voice message is there: not asked for again
    assert "приложить до 5" in chat.texts()[-1] and "Уже приложено файлов: 1 из 5" in chat.texts()[-1]
    await chat.taps("report:skip")
    assert "Проверьте" in chat.texts()[-1] and "Файлы: 1" in chat.texts()[-1]
    await chat.taps("report:send")
    assert "зарегистрировано" in chat.texts()[-1]
    number = _number(chat.texts()[-1])
    [media] = await _files_of(ctx, number)
    assert (media.kind, media.content_type, media.sha256) == ("audio", "audio/ogg", hashlib.sha256(note).hexdigest())


async def test_voice_and_audio_at_the_files_step_and_the_size_limit_in_kazakh(ctx: Context,
                                                                             citizen_tg: FakeBot) -> None:
    tg, chat = citizen_tg, Chat(ctx, citizen_tg, 761002)
    chat.user = make_user(chat.id, "Айгерим", language_code="kk")
    await _started(chat, "kk", "🚨 Құқық бұзушылық туралы хабарлау")
    await chat.says(TEXT_KK)
    await chat.feed(tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    note, wav = recording("ogg", "libopus"), recording("wav", "pcm_s16le")
    await chat.feed(_voice(tg, chat, note))
    assert "Файл қабылданды: 1 / 5" in chat.texts()[-1]
    await chat.feed(_audio(tg, chat, wav, "audio/x-wav"))  # an alias: stored under its canonical type
    assert "Файл қабылданды: 2 / 5" in chat.texts()[-1]
    downloads = len(tg.calls("getFile"))
    await chat.feed(_voice(tg, chat, b"OggS", file_size=21 * 1024 * 1024))  # past the media API's 20 MB for audio
    assert "Бұл файлды қабылдай алмадым" in chat.texts()[-1] and "дауыстық хабарлама" in chat.texts()[-1]
    assert chat.last().button("Дайын")["callback_data"] == "report:photos_done"
    assert len(tg.calls("getFile")) == downloads, "a file over the limit is refused unread"
    await chat.taps("report:photos_done")
    assert "Файлдар: 2" in chat.texts()[-1]
    await chat.taps("report:send")
    number = _number(chat.texts()[-1])
    files = {m.content_type: m for m in await _files_of(ctx, number)}
    assert set(files) == {"audio/ogg", "audio/wav"} and {m.kind for m in files.values()} == {"audio"}
    assert files["audio/wav"].sha256 == hashlib.sha256(wav).hexdigest()


async def test_files_sent_before_the_location_are_kept_up_to_the_limit_of_five(ctx: Context,
                                                                             citizen_tg: FakeBot) -> None:
    tg, chat = citizen_tg, Chat(ctx, citizen_tg, 761003)
    chat.user = make_user(chat.id, "Dana", language_code="en")
    await _started(chat, "en", "/report")
    # a photo with what happened under it: the description, and the photo kept
    first = sample_jpeg(48, 32)
    await chat.feed(tg.user_sends_photo(chat.id, chat.user, first, caption=TEXT_EN))
    assert "caption is taken as the description" in chat.texts()[-1]
    assert "no need to send it again" in chat.texts()[-1] and "location" in chat.texts()[-1]
    # a voice message where the place is asked: kept, and the place asked for again
    await chat.feed(_voice(tg, chat, recording("ogg", "libopus")))
    assert "voice message is kept" in chat.texts()[-1]
    assert chat.last().button("location").get("request_location") is True
    await chat.feed(tg.user_sends_location(chat.id, chat.user, 51.1605, 71.4704))
    assert "Files attached so far: 2 of 5" in chat.texts()[-1]
    for width in (50, 52):
        await chat.feed(tg.user_sends_photo(chat.id, chat.user, sample_jpeg(width, 32)))
    assert "Files received: 4 of 5" in chat.texts()[-1]
    await chat.feed(tg.user_sends_photo(chat.id, chat.user, sample_jpeg(54, 32)))
    assert "Please check" in chat.texts()[-1]  # the fifth: the confirmation
    await chat.feed(_voice(tg, chat, recording("ogg", "libopus")))
    assert "at most 5 files" in chat.texts()[-1]
    await chat.taps("report:photos_done")
    assert "Files: 5" in chat.texts()[-1]
    await chat.taps("report:send")
    number = _number(chat.texts()[-1])
    media = await _files_of(ctx, number)
    assert sorted(m.kind for m in media) == ["audio", "photo", "photo", "photo", "photo"]
    assert hashlib.sha256(first).hexdigest() in {m.sha256 for m in media}


async def test_a_file_refused_before_the_files_step_is_said_without_the_done_button(ctx: Context,
                                                                                 citizen_tg: FakeBot) -> None:
    tg, chat = citizen_tg, Chat(ctx, citizen_tg, 761004)
    await _started(chat, "ru", "/report")
    await chat.feed(_voice(tg, chat, b"OggS", file_size=25 * 1024 * 1024))
    answer = chat.texts()[-1]
    assert "Не удалось принять этот файл" in answer and "Готово" not in answer and "опишите словами" in answer
    assert chat.last().button("Отменить")["callback_data"] == "report:cancel"
