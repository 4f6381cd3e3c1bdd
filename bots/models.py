"""Tables of the Telegram bots: which chat belongs to which citizen, and which updates were already handled."""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from backend.db import now_column, tz_datetime, uuid_pk


class TelegramLink(SQLModel, table=True):
    """A citizen bot chat ↔ the (unverified) citizen behind it, and its language (chosen or not)."""

    __tablename__ = "telegram_links"

    id: uuid.UUID = uuid_pk()
    citizen_id: uuid.UUID = Field(foreign_key="citizens.id", unique=True)
    chat_id: int = Field(sa_type=sa.BigInteger, unique=True)
    language: str = Field(default="ru", max_length=2)
    # true only once the user picked `language` themselves (/start or /language); a link made by filing a report,
    # attaching media or opening /reports without /start holds the phone's interface language, which is no choice
    language_chosen: bool = Field(default=False, sa_column_kwargs={"server_default": sa.false()})
    # set when Telegram refuses the chat for good (403: the user blocked the bot or deleted the account; 400 chat not
    # found): we stop pushing until they write again
    blocked_at: datetime | None = tz_datetime()
    created_at: datetime = now_column()
    updated_at: datetime = now_column()


class OfficerBotBlockedChat(SQLModel, table=True):
    """A duty bot chat Telegram refuses for good (the officer blocked the bot, deleted the account, the chat is gone):
    offers and escalations skip it, instead of trying it (and retrying) for every report, until it writes again.

    Its own table rather than a column beside `officers.telegram_chat_id`: the mark belongs to the Telegram chat, not
    to the officer it is linked to, and the bots' tables stay in the bots' migrations."""

    __tablename__ = "officer_bot_blocked_chats"

    chat_id: int = Field(primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False})
    reason: str = Field(max_length=20)  # bots.chats.refusal_reason: blocked | deactivated | chat_not_found
    blocked_at: datetime = now_column()


class TelegramUpdateSeen(SQLModel, table=True):
    """An update claimed while it is handled, or handled (`bots.once`), when Redis is absent or down."""

    __tablename__ = "telegram_updates_seen"

    bot: str = Field(primary_key=True, max_length=20)
    update_id: int = Field(primary_key=True, sa_type=sa.BigInteger, sa_column_kwargs={"autoincrement": False})
    expires_at: datetime = tz_datetime(nullable=False, index=True)
    # a claim's holder (bots.once.Claim.token): one whose claim expired and was taken over by another delivery no
    # longer renews or releases the new holder's claim. None: a done mark, or a claim written before tokens
    claim_token: str | None = Field(default=None, max_length=40)


class TelegramDraftMedia(SQLModel, table=True):
    """A photo or video sent while a report is being written in the citizen bot, before the report exists.

    One row per file, not a list in the chat's FSM state: the files of an album arrive as separate updates that
    aiogram handles concurrently, and a read-modify-write of one list would drop some of them. The key also
    de-duplicates a re-delivered update (same draft, same Telegram file)."""

    __tablename__ = "telegram_draft_media"

    draft_key: str = Field(primary_key=True, max_length=64)
    file_unique_id: str = Field(primary_key=True, max_length=100)
    media_id: uuid.UUID = Field(foreign_key="media.id")
    created_at: datetime = now_column()
