"""Texts in a JSON body are taken in one Unicode form (NFC), on both databases: "й" typed as one character or as
"и" and a combining breve is the same text (the sync ledger's fingerprint already says so). A retry of a report
whose text an app sent in the other form (a keyboard or an input method that decomposes) was refused as 409
`idempotency.key_reused`, and the text was stored as sent, so the same words were two different texts to every
comparison after it. Passwords are compared as typed: they are left as sent.
"""

from __future__ import annotations

import unicodedata
import uuid

import httpx
import pytest

from backend.context import Context
from tests.helpers import PartnerClient
from tests.officers.factories import login, make_officer

pytestmark = pytest.mark.anyio

# Kazakh with the letters that decompose (й, ё): the Kazakh-only letters (ә, қ, ө, ұ, ү, і…) have no decomposition
TEXT = "Қайда барасың? Ауламызда төбелес болып жатыр, её мойнын ұстап алды"
NFC, NFD = unicodedata.normalize("NFC", TEXT), unicodedata.normalize("NFD", TEXT)


async def test_a_retry_in_another_unicode_form_is_the_same_request(citizen: PartnerClient) -> None:
    assert NFC != NFD
    key = str(uuid.uuid4())
    first = await citizen.submit(NFC, key=key)
    assert first.status_code == 201, first.text
    again = await citizen.submit(NFD, key=key)
    assert again.status_code == 201, again.text
    assert again.json()["id"] == first.json()["id"]


async def test_a_text_in_decomposed_form_is_stored_composed(citizen: PartnerClient) -> None:
    created = await citizen.submit(NFD)
    assert created.status_code == 201, created.text
    assert created.json()["text"] == NFC
    comment = await citizen.post(f"/api/v1/reports/{created.json()['id']}/comments", {"text": NFD},
                                 headers={"Idempotency-Key": str(uuid.uuid4())})
    assert comment.status_code == 201, comment.text
    assert comment.json()["text"] == NFC
    assert (await citizen.get(f"/api/v1/reports/{created.json()['id']}")).json()["text"] == NFC


async def test_a_password_is_compared_as_typed(ctx: Context, app_client: httpx.AsyncClient) -> None:
    password = unicodedata.normalize("NFD", "Пароль-йод-2026")
    officer, _ = await make_officer(ctx, password=password)
    assert await login(app_client, officer.badge_number, password)


async def test_invisible_controls_are_left_out_of_stored_texts(citizen: PartnerClient) -> None:
    """A terminal escape (ESC[31m), a bell, a C1 control or a right-to-left override pasted into a report makes the
    dispatch console and a terminal show something other than the text (colours, reversed words): they are left out.
    A line break by another name (Word's vertical tab, U+2028) is a line break; tabs and new lines stay."""
    text = "Украли\u001b[31m велосипед\u0007 у\u0085 подъезда\u202e 1-2\u202c\u000bсосед видел\u2028вчера\tвечером"
    created = await citizen.submit(text)
    assert created.status_code == 201, created.text
    assert created.json()["text"] == "Украли[31m велосипед у подъезда 1-2\nсосед видел\nвчера\tвечером"
