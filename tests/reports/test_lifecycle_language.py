"""A report is answered in the language the partner app asks for, else in the report's own (law on appeals: answers
in the state language or in the appeal's). Before, an app that sent no Accept-Language (or only a language we do
not speak) got every text of a Kazakh or English report in Russian, which is neither."""

from __future__ import annotations

import uuid

import pytest

from backend.context import Context
from tests.helpers import PartnerClient
from tests.reports.step_helpers import close

pytestmark = pytest.mark.anyio
KK_TEXT = "Көршілер түнде қатты айқайлап, төбелесіп жатыр"
EN_TEXT = "Someone stole my bicycle from the entrance of my building last night"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (None, None),
        ("", None),
        ("de-DE, fr;q=0.8", None),
        ("*", None),
        ("ru;q=0", None),
        ("ru", "ru"),
        ("ru-RU,ru;q=0.9,en;q=0.5", "ru"),
        ("de, ru;q=0.3", "ru"),
        ("kk-KZ", "kk"),
        ("kz", "kk"),
        ("en-GB", "en"),
        ("de, en;q=0.1", "en"),
    ],
)
def test_the_language_asked_for(header: str | None, expected: str | None) -> None:
    from backend.lib.i18n import negotiate

    assert negotiate(header, None) == expected


@pytest.mark.parametrize("header", ["", "de-DE"])
async def test_a_kazakh_report_is_answered_in_kazakh_when_the_app_asks_for_no_language_of_ours(
    ctx: Context, citizen: PartnerClient, header: str
) -> None:
    citizen.lang = header
    registered = await citizen.submit(KK_TEXT)
    assert registered.status_code == 201, registered.text
    body = registered.json()
    assert body["language"] == "kk"
    assert body["status_name"] == "Қабылданды"
    assert body["timeline"][0]["text"].startswith(f"Өтініш {body['number']} нөмірімен тіркелді")

    shown = (await citizen.get(f"/api/v1/reports/{body['id']}")).json()
    assert shown["status_name"] == "Қабылданды" and "нөмірімен тіркелді" in shown["timeline"][0]["text"]
    listed = (await citizen.get("/api/v1/reports")).json()["items"]
    assert [item["status_name"] for item in listed] == ["Қабылданды"]

    await close(ctx, body["id"])
    rated = await citizen.post(f"/api/v1/reports/{body['id']}/feedback", {"satisfaction": 4})
    assert rated.status_code == 200, rated.text
    assert rated.json()["status_name"] == "Жабылды"
    assert rated.json()["outcome_text"] == "мәліметтер расталмады"


async def test_each_report_of_a_list_in_its_own_language_when_none_is_asked_for(citizen: PartnerClient) -> None:
    citizen.lang = ""
    for text in (KK_TEXT, EN_TEXT):
        assert (await citizen.submit(text)).status_code == 201
    listed = (await citizen.get("/api/v1/reports")).json()["items"]
    assert [item["status_name"] for item in listed] == ["Received", "Қабылданды"]  # newest first


async def test_the_language_the_app_asks_for_still_wins(citizen: PartnerClient) -> None:
    citizen.lang = "ru"
    body = (await citizen.submit(KK_TEXT, key=str(uuid.uuid4()))).json()
    assert body["language"] == "kk" and body["status_name"] == "Принято"
    citizen.lang = "en"
    shown = (await citizen.get(f"/api/v1/reports/{body['id']}")).json()
    assert shown["status_name"] == "Received" and shown["timeline"][0]["text"].startswith("Your report was registered")
