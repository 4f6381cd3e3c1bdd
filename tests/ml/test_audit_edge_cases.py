"""Edge cases from audit F (items 4–8): PII glued to words, phones without a plus, landlines, border points,
falls from a window. Copied from tests/routing/test_zz_audit_f.py and adapted, plus guards against over-masking and
false alarms."""

from __future__ import annotations

import pytest

from ml.geo import load_district_index
from ml.lang import detect_language
from ml.pii import find_pii, mask_pii
from ml.urgency import detect_urgency

# ~500 m south of the Almaty-region polygon, inside the 2 km border tolerance
_BORDER_LAT, _BORDER_LON = 42.975, 76.95


@pytest.mark.parametrize(("text", "secret"), [
    ("ИИН900101300127", "900101300127"),
    ("тел87012345678", "87012345678"),
    ("звоните 87012345678срочно", "87012345678"),
    ("карта4400430123456789", "4400430123456789"),
    ("4400430123456789оплатил", "4400430123456789"),
])
def test_pii_glued_to_cyrillic_is_masked(text: str, secret: str) -> None:
    assert secret not in mask_pii(text)


@pytest.mark.parametrize("text", ["звоните 77012345678", "номер:77771234567", "wa 7 701 234 56 78"])
def test_pii_eleven_digit_phone_without_plus_is_masked(text: str) -> None:
    assert "[тел." in mask_pii(text), mask_pii(text)


@pytest.mark.parametrize("text", ["+7 7172 55 66 77", "8 (7172) 55-66-77", "8 7212 41-22-33", "тел.87172556677"])
def test_pii_kazakh_landline_phone_is_masked(text: str) -> None:
    assert "[тел." in mask_pii(text), mask_pii(text)


@pytest.mark.parametrize("text", [
    "заявление ZP-2026-0000123 от 12.03.2026",
    "ZP-2026-0000123",
    "сумма 150000тг, штраф 77000 тенге",
    "ущерб 1500000тенге",
    "ул. Абая 150/2, дом 7, кв 45, подъезд 3",
    "01.02.2026 в 14:30, 2026 год",
    "номер дела 241500031000123",
    "госномер 777ABC02",
    "итого 7 701 тенге",
    "д.12кв.45",
])
def test_ordinary_numbers_are_not_masked(text: str) -> None:
    assert find_pii(text) == [], find_pii(text)
    assert mask_pii(text) == text


def test_point_accepted_on_the_border_gets_a_district() -> None:
    from ml.router import Router

    router = Router(None)
    decision = router.route("Украли велосипед", _BORDER_LAT, _BORDER_LON, None, "theft")
    assert decision.in_kazakhstan is True
    assert decision.district is not None, decision.unit


def test_nearest_district_and_points_abroad() -> None:
    index = load_district_index()
    assert index.locate(_BORDER_LAT, _BORDER_LON) is None
    nearest = index.nearest(_BORDER_LAT, _BORDER_LON)
    assert index.locate_accepted(_BORDER_LAT, _BORDER_LON) == nearest
    # inside a polygon the containing district is kept
    assert index.locate_accepted(51.16, 71.47) == index.locate(51.16, 71.47)
    # far outside (Bishkek) nothing is assigned
    assert index.locate_accepted(42.87, 74.59) is None


def test_point_abroad_gets_no_district() -> None:
    from ml.router import Router

    decision = Router(None).route("Украли велосипед", 42.87, 74.59, None, "theft")  # Bishkek
    assert decision.in_kazakhstan is False
    assert decision.district is None


@pytest.mark.parametrize("text", [
    "Ребенок выпал из окна",
    "Бала терезеден құлап кетті",
    "bala terezeden qulap ketti",
    "Из окна выпал ребенок",
    "Мужчина упал с балкона 5 этажа",
    "Сосед сорвался с крыши",
    "Бала балконнан құлады",
    "Кісі 5 қабаттан құлап кетті",
])
def test_intake_urgency_fall_from_height(text: str) -> None:
    verdict = detect_urgency(text, detect_language(text))
    assert verdict.urgent
    assert "unconscious" in verdict.reasons


@pytest.mark.parametrize("text", [
    "Горшок упал с балкона на машину",
    "Телефон выпал из окна",
    "С крыши упал снег на машину",
    "Кто-то выбросил из окна мусор",
    "Соседи кидают мусор из окна",
    "Вчера ребенок выпал из окна, хотим узнать, кто виноват",
])
def test_no_alarm_for_things_falling_or_past_falls(text: str) -> None:
    assert not detect_urgency(text, detect_language(text)).urgent
