"""Migrations on an embedded (SQLite) database that holds rows: a table that batch mode recreates is dropped and
renamed back, and the engine opens every SQLite connection with `PRAGMA foreign_keys=ON` (backend.db.make_engine),
which env.py uses for migrations too. Dropping a table whose rows other rows reference then runs SQLite's implicit
DELETE: refused when a reference restricts it (the upgrade or downgrade fails), and carried out when it cascades or
sets null (rows of other tables silently deleted or changed). Alembic's batch mode expects foreign keys off while it
copies a table; an empty database, as in test_migrations, shows none of this.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from alembic.script import ScriptDirectory

from backend.migrate import alembic_config, current_revisions, downgrade, upgrade

AT = "2026-12-01 00:00:00.000000"


def _head() -> str:
    [head] = ScriptDirectory.from_config(alembic_config("sqlite://")).get_heads()
    return head


def _db(tmp_path: Path) -> tuple[str, Path]:
    path = tmp_path / "zan.db"
    return f"sqlite+aiosqlite:///{path}", path


def _draft_file(path: Path) -> str:
    """A citizen writing a report in the Telegram bot has attached a photo: its media row, and the draft's row naming
    it (telegram_draft_media.media_id references media.id), as they are while the report is not yet filed."""
    media_id = uuid.uuid4().hex
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO media (id, kind, content_type, size, sha256, storage_key, status, exif, created_at) "
                   "VALUES (?, 'photo', 'image/jpeg', 1024, ?, ?, 'pending', '{}', ?)",
                   (media_id, "a" * 64, f"media/{media_id}", AT))
        db.execute("INSERT INTO telegram_draft_media (draft_key, file_unique_id, media_id, created_at) "
                   "VALUES ('tg:42', 'AQADx', ?, ?)", (media_id, AT))
    return media_id


def _rows(path: Path, sql: str) -> list[tuple[object, ...]]:
    with sqlite3.connect(path) as db:
        return db.execute(sql).fetchall()


def test_upgrade_past_media_partner_with_a_bot_draft_holding_a_photo(tmp_path: Path) -> None:
    """v1_media_partner recreates `media` (a foreign key added in batch mode): with one draft photo in the citizen
    bot the upgrade stopped with `FOREIGN KEY constraint failed` on `DROP TABLE media`, and the embedded service
    could not be upgraded until every draft with a file was gone."""
    url, path = _db(tmp_path)
    upgrade(url, "v1_notify_chat_blocked")
    media_id = _draft_file(path)
    assert upgrade(url) == (_head(),)
    assert _rows(path, "SELECT id FROM media") == [(media_id,)]
    assert _rows(path, "SELECT media_id FROM telegram_draft_media") == [(media_id,)]
    assert _rows(path, "PRAGMA foreign_key_check") == []


def test_one_step_down_from_head_with_a_bot_draft_holding_a_photo(tmp_path: Path) -> None:
    """z8's downgrade drops media.store_failed_at: batch mode recreates `media`, refused the same way."""
    url, path = _db(tmp_path)
    upgrade(url)
    media_id = _draft_file(path)
    assert downgrade(url, "-1") == ("z7_late_closing_set_aside",)
    assert _rows(path, "SELECT media_id FROM telegram_draft_media") == [(media_id,)]


def test_downgrade_of_partner_previous_secret_keeps_what_references_partners(tmp_path: Path) -> None:
    """z4's downgrade recreates `partners`: its implicit DELETE ran request_nonces' ON DELETE CASCADE (the partner's
    seen request signatures, its replay protection, all gone) and notification_devices' ON DELETE SET NULL (push
    registrations made through the app no longer name it), and the downgrade reported success."""
    url, path = _db(tmp_path)
    upgrade(url)
    partner_id, device_id = uuid.uuid4().hex, uuid.uuid4().hex
    with sqlite3.connect(path) as db:
        db.execute("INSERT INTO partners (id, name, secret_sealed, active, created_at) VALUES (?, 'kaspi', 's', 1, ?)",
                   (partner_id, AT))
        db.execute("INSERT INTO request_nonces (signature, partner_id, expires_at) VALUES (?, ?, ?)",
                   ("f" * 64, partner_id, "2027-01-01 00:00:00.000000"))
        db.execute("INSERT INTO notification_devices (id, owner_type, partner_id, token, platform, language, "
                   "districts, active, created_at, updated_at) VALUES (?, 'citizen', ?, 'tok', 'android', 'ru', "
                   "'[]', 1, ?, ?)", (device_id, partner_id, AT, AT))
    assert downgrade(url, "z3_sync_role_tenures") == ("z3_sync_role_tenures",)
    assert current_revisions(url) == ("z3_sync_role_tenures",)
    assert _rows(path, "SELECT partner_id FROM request_nonces") == [(partner_id,)]
    assert _rows(path, "SELECT partner_id FROM notification_devices") == [(partner_id,)]
