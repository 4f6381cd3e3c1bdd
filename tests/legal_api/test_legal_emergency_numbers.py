"""A citizen whose legal question cannot be answered now (every slot taken: `legal.busy`; no index: `legal.unavailable`)
may be asking because something is happening to them: the refusal names both emergency numbers, 102 (police) and 112
(the single emergency line), in the asker's language, as the citizen bot's own refusals do. The API's `legal.busy`
named 102 alone, and `legal.unavailable` named neither."""

from __future__ import annotations

from pathlib import Path

import pytest

import backend.legal.messages  # noqa: F401  (adds the legal codes to ERRORS when imported, as the app does)
from backend.context import Context
from backend.lib.messages import ERRORS
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize("code", ["legal.busy", "legal.unavailable"])
@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
def test_each_refusal_names_102_and_112(code: str, lang: str) -> None:
    text = ERRORS[code][lang]
    assert "102" in text and "112" in text, text


@pytest.mark.parametrize("lang", ["kk", "en"])
async def test_the_citizen_reads_them_in_the_problem(ctx: Context, citizen: PartnerClient, tmp_path: Path,
                                                     lang: str) -> None:
    ctx.settings = ctx.settings.with_(legal_index_dir=str(tmp_path / "none"))
    citizen.lang = lang
    response = await citizen.post("/api/v1/legal/ask", {"question": "кража"})
    assert response.status_code == 503 and response.json()["code"] == "legal.unavailable", response.text
    assert response.headers["content-language"] == lang
    assert "102" in response.json()["detail"] and "112" in response.json()["detail"], response.text
