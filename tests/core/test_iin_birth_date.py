"""An IIN's first six digits are the birth date (YYMMDD, the 7th digit giving the century): a date that does not
exist, or one after today in Kazakhstan, belongs to no citizen, however right the check digit. A future birth date
used to pass: the checksum says nothing of what the digits mean."""

from __future__ import annotations

import datetime as dt

import pytest

from backend.citizens.iin import iin_problem
from backend.lib.clock import to_local, utcnow
from tests.helpers import PartnerClient, iin_checksum, make_iin

pytestmark = pytest.mark.anyio
PATH = "/api/v1/reports"


def iin_born(born: dt.date, *, female: bool = False) -> str:
    """A valid IIN (right check digit) of someone born on `born`."""
    century = {1800: 1, 1900: 3, 2000: 5}[born.year // 100 * 100] + int(female)
    for serial in range(1000, 10000):
        first11 = f"{born:%y%m%d}{century}{serial:04d}"
        check = iin_checksum(first11)
        if check is not None:
            return first11 + str(check)
    raise AssertionError("no serial gives a check digit")


def with_check_digit(first11: str) -> str:
    check = iin_checksum(first11)
    assert check is not None
    return first11 + str(check)


TODAY = dt.date(2026, 12, 5)


@pytest.mark.parametrize(("iin", "problem"), [
    (iin_born(dt.date(1990, 1, 1)), None),
    (iin_born(dt.date(2026, 12, 5)), None),  # born today
    (iin_born(dt.date(1899, 12, 31), female=True), None),
    (iin_born(dt.date(2026, 12, 6)), "in_future"),  # tomorrow
    (iin_born(dt.date(2099, 1, 1)), "in_future"),
    (with_check_digit("27010150001"), "in_future"),  # 2027-01-01
    (with_check_digit("90130130012"), "invalid"),  # month 13
    (with_check_digit("90023130012"), "invalid"),  # 31 February
    (with_check_digit("01022950012"), "invalid"),  # 29 February 2001 (2000 was a leap year, 2001 not)
    (with_check_digit("90010170012"), "invalid"),  # century digit 7
    (with_check_digit("99123100012"), None),  # 7th digit 0 (some foreigners): no century, no date to compare
    (iin_born(dt.date(1990, 1, 1))[:6] + " " + iin_born(dt.date(1990, 1, 1))[6:], "invalid"),
])
def test_iin_problem(iin: str, problem: str | None) -> None:
    assert iin_problem(iin, today=TODAY) == problem


def test_today_is_the_date_in_almaty() -> None:
    today = to_local(utcnow()).date()
    assert iin_problem(iin_born(today)) is None
    assert iin_problem(iin_born(today + dt.timedelta(days=1))) == "in_future"


def test_the_test_citizens_are_valid_citizens() -> None:
    """The IINs tests sign with (tests.helpers.make_iin) stay acceptable."""
    for n in range(100):
        assert iin_problem(make_iin(n)) is None, n


@pytest.mark.parametrize("lang", ["ru", "kk", "en"])
async def test_a_future_birth_date_is_refused_as_an_invalid_iin(citizen: PartnerClient, lang: str) -> None:
    tomorrow = to_local(utcnow()).date() + dt.timedelta(days=1)
    response = await citizen.get(PATH, iin=iin_born(tomorrow), headers={"Accept-Language": lang})
    assert response.status_code == 401, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.headers["www-authenticate"].startswith("Zan-HMAC-SHA256")
    body = response.json()
    assert body["code"] == "auth.iin_invalid"
    [problem] = body["errors"]
    assert (problem["pointer"], problem["code"]) == ("#header/X-Citizen-IIN", "in_future")
    assert problem["detail"] == {"ru": "Дата в будущем", "kk": "Күні болашақта",
                                 "en": "The date is in the future"}[lang]


async def test_an_impossible_birth_date_is_refused_as_an_invalid_iin(citizen: PartnerClient) -> None:
    response = await citizen.get(PATH, iin=with_check_digit("90023130012"))  # 31 February
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["code"] == "auth.iin_invalid"
    assert [(p["pointer"], p["code"]) for p in body["errors"]] == [("#header/X-Citizen-IIN", "invalid")]


async def test_a_citizen_born_today_is_accepted(citizen: PartnerClient) -> None:
    response = await citizen.get(PATH, iin=iin_born(to_local(utcnow()).date()))
    assert response.status_code == 200, response.text
