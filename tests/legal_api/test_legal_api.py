"""POST /api/v1/legal/ask through the real app, signed like partner apps sign, against the real index."""

from __future__ import annotations

import shutil
from pathlib import Path

import httpx
import pytest

from backend.context import Context
from ml.legal.corpus import load_corpus
from ml.legal.index import default_index_dir
from tests.helpers import PartnerClient

pytestmark = pytest.mark.anyio
PATH = "/api/v1/legal/ask"


def _exists(citation: dict[str, str | None]) -> bool:
    corpus = load_corpus()
    chunks = corpus.chunks_of(str(citation["code"]), str(citation["article"]))
    return any(citation["part"] in (None, ch.part) and str(citation["excerpt"]).split("…")[0].strip()[:40]
               in " ".join(ch.text.split()) for ch in chunks)


async def test_russian_question_gets_citations_from_the_corpus(legal_index: Path, citizen: PartnerClient) -> None:
    response = await citizen.post(PATH, {"question": "Какое наказание за кражу?"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["language"] == "ru"
    assert body["citations"], body
    assert ("УК РК", "188") in {(c["code"], c["article"]) for c in body["citations"]}
    assert all(_exists(c) for c in body["citations"])
    assert 0 <= body["confidence"] <= 1 and body["suggested_action"]


async def test_kazakh_question_is_answered_in_kazakh_with_citations(legal_index: Path,
                                                                      citizen: PartnerClient) -> None:
    response = await citizen.post(PATH, {"question": "ұрлық үшін қандай жаза"})
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["language"] == "kk"
    assert any(ch in body["answer"] for ch in "әғқңөұүі")
    assert body["citations"][0]["code"] == "УК РК" and body["citations"][0]["article"] == "188"
    assert all(_exists(c) for c in body["citations"])


async def test_requested_language_and_emergency_flag(legal_index: Path, citizen: PartnerClient) -> None:
    response = await citizen.post(PATH, {"question": "Муж бьёт меня прямо сейчас, угрожает ножом",
                                         "language": "en"})
    body = response.json()
    assert response.status_code == 200 and body["language"] == "en"
    assert body["urgent"] is True and "102" in body["answer"]
    assert body["suggested_action"] in {"call_102", "call_112"}


@pytest.mark.parametrize(("payload", "pointer", "code"), [
    ({"question": ""}, "/question", "too_short"),
    ({"question": "x" * 2001}, "/question", "too_long"),
    ({}, "/question", "required"),
    ({"question": "кража", "language": "de"}, "/language", "invalid"),
    ({"question": "кража", "extra": 1}, "/extra", "unknown_field"),
])
async def test_validation_errors_are_problem_json(legal_index: Path, citizen: PartnerClient, payload: dict[str, object],
                                                  pointer: str, code: str) -> None:
    response = await citizen.post(PATH, payload)
    assert response.status_code == 422, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == "validation.failed"
    assert [(e["pointer"], e["code"]) for e in body["errors"]] == [(pointer, code)]


async def test_unsigned_or_forged_requests_get_401(app_client: httpx.AsyncClient, citizen: PartnerClient) -> None:
    response = await app_client.post(PATH, json={"question": "кража"})
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "auth.signature_missing"
    forged = await citizen.post(PATH, {"question": "кража"}, headers={"X-Signature": "0" * 64})
    assert forged.status_code == 401 and forged.json()["code"] == "auth.signature_invalid"


async def test_missing_index_is_a_503_problem(ctx: Context, citizen: PartnerClient, tmp_path: Path) -> None:
    ctx.settings = ctx.settings.with_(legal_index_dir=str(tmp_path / "none"))
    response = await citizen.post(PATH, {"question": "кража"})
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "legal.unavailable" and response.headers["retry-after"] == "300"


async def test_a_half_copied_index_is_a_503_problem_not_a_500(ctx: Context, citizen: PartnerClient,
                                                              tmp_path: Path) -> None:
    """An index volume copied half-way (its .npz cut short) raised zipfile.BadZipFile, which the loader's list of
    expected failures did not name: every legal question was a 500 until the file was mended."""
    broken = tmp_path / "index"
    shutil.copytree(default_index_dir(), broken)
    packed = broken / "index.npz"
    packed.write_bytes(packed.read_bytes()[: packed.stat().st_size // 2])
    ctx.settings = ctx.settings.with_(legal_index_dir=str(broken))
    response = await citizen.post(PATH, {"question": "Какое наказание за кражу велосипеда?"})
    assert response.status_code == 503, response.text
    assert response.json()["code"] == "legal.unavailable" and response.headers["retry-after"] == "300"
