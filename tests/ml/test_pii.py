from __future__ import annotations

import datetime as dt

import pytest

from ml.pii import find_pii, iin_birth_date, iin_check_digit, iin_is_valid, luhn_is_valid, mask_pii


def make_iin(first11: str) -> str:
    check = iin_check_digit(first11)
    assert check is not None
    return first11 + str(check)


VALID_IIN = make_iin("90010130012")  # born 1990-01-01, male, 20th century


def test_iin_checksum_and_structure() -> None:
    assert iin_is_valid(VALID_IIN)
    assert iin_birth_date(VALID_IIN) == dt.date(1990, 1, 1)
    wrong_check = VALID_IIN[:11] + str((int(VALID_IIN[11]) + 1) % 10)
    assert not iin_is_valid(wrong_check)
    assert not iin_is_valid(make_iin("90130130012"))  # month 13
    assert not iin_is_valid(make_iin("90010170012"))  # century digit 7
    assert not iin_is_valid(VALID_IIN[:11])
    assert not iin_is_valid("abcdefghijkl")
    assert iin_is_valid(VALID_IIN[:6] + " " + VALID_IIN[6:])


def test_second_weight_sequence_is_used() -> None:
    # find 11 digits whose first weighted sum is 10 mod 11: the check digit then comes from the second weights
    for serial in range(10000):
        first11 = f"8506154{serial:04d}"
        w1 = sum(int(d) * w for d, w in zip(first11, range(1, 12), strict=True)) % 11
        if w1 == 10:
            check = iin_check_digit(first11)
            if check is not None:
                assert iin_is_valid(first11 + str(check))
                return
    pytest.fail("no example for the second weight sequence")


def test_find_and_mask_everything() -> None:
    text = (
        f"Меня зовут Айгуль, ИИН {VALID_IIN}, тел +7 (701) 234-56-78 или 8 777 123 45 67, "
        "карта 4400 4301 2345 6789, почта aigul.k@mail.kz, удостоверение №041234567"
    )
    kinds = [s.kind for s in find_pii(text)]
    assert kinds == ["iin", "phone", "phone", "card", "email", "document"]
    masked = mask_pii(text)
    for secret in (VALID_IIN, "234-56-78", "123 45 67", "4301 2345", "aigul.k@", "041234567"):
        assert secret not in masked
    assert f"[ИИН ***{VALID_IIN[-4:]}]" in masked
    assert "[тел. ***5678]" in masked
    assert "[карта ***6789]" in masked
    assert "[email a***@mail.kz]" in masked
    assert "Айгуль" in masked


def test_no_false_positives_on_ordinary_numbers() -> None:
    text = "дом 12, кв 45, машина 123 ABC 02, сумма 500000 тенге, 2024 год, номер дела 241500031000123"
    assert find_pii(text) == []
    assert mask_pii(text) == text


def test_luhn_and_invalid_card_left_alone() -> None:
    assert luhn_is_valid("4400430123456789")
    assert not luhn_is_valid("4400430123456787")
    assert [s.kind for s in find_pii("карта 4400 4301 2345 6787")] == []


def test_mistyped_iin_still_masked_but_flagged() -> None:
    bad = VALID_IIN[:11] + str((int(VALID_IIN[11]) + 1) % 10)
    spans = find_pii(f"иин {bad}")
    assert len(spans) == 1 and spans[0].kind == "iin" and not spans[0].valid
    assert bad not in mask_pii(f"иин {bad}")


# However people group the digits (one or two spaces, dots or dashes between groups), the whole number is masked and
# only its last digits are left: the run of groups is taken whole first, then classified.
@pytest.mark.parametrize("grouped", [
    "900 101 300 126", "9001 0130 0126", "900101 300 126", "900101  300126", "900  101  300  126",
    "9001-0130-0126", "9001.0130.0126", "90.01.01 300126", "900101300126",
])
def test_an_iin_is_masked_however_its_digits_are_grouped(grouped: str) -> None:
    assert grouped.replace(" ", "").replace("-", "").replace(".", "") == VALID_IIN
    assert [(s.kind, s.text, s.valid) for s in find_pii(f"ИИН {grouped}, звоните")] == [("iin", grouped, True)]
    assert mask_pii(f"ИИН {grouped}, звоните") == "ИИН [ИИН ***0126], звоните"


@pytest.mark.parametrize("grouped", [
    "4400.4301.2345.6789", "4400  4301  2345  6789", "4400 430123 456789", "4400-4301-2345-6789",
    "4400 4301 2345 6789", "4400430123456789",
])
def test_a_card_is_masked_however_its_digits_are_grouped(grouped: str) -> None:
    assert [s.kind for s in find_pii(f"карта {grouped}")] == ["card"]
    assert mask_pii(f"карта {grouped}") == "карта [карта ***6789]"


def test_a_sixteen_digit_card_grouped_4_6_6_is_no_iin_with_its_first_digits_left() -> None:
    # its last 12 digits were taken for an IIN (6 + 6), and "4400" stayed readable before the mask
    masked = mask_pii("перевёл на 4400 430123 456789 вчера")
    assert masked == "перевёл на [карта ***6789] вчера", masked


@pytest.mark.parametrize("phone", [
    "8 700 12 34 567", "+7 700 12 34 567", "8 (700) 12 34 567", "8 701 12 345 67", "8  701  123  45  67",
    "8.701.123.45.67", "+7 (701) 123-45-67", "8(701)1234567", "7 701 123 4567", "8701 123 45 67", "701 123 45 67",
    "+7 - 701 - 123-45-67", "8 - 701 - 123 45 67",
])
def test_a_phone_is_masked_in_any_usual_grouping(phone: str) -> None:
    assert [s.kind for s in find_pii(f"тел {phone} звоните")] == ["phone"]
    last4 = "".join(c for c in phone if c.isdigit())[-4:]
    assert mask_pii(f"тел {phone} звоните") == f"тел [тел. ***{last4}] звоните"


@pytest.mark.parametrize(("text", "masked"), [
    (f"{VALID_IIN} 87011234567", "[ИИН ***0126] [тел. ***4567]"),
    ("8 777 123 45 67 4400 4301 2345 6789", "[тел. ***4567] [карта ***6789]"),
    # a run of 16 digits that passes Luhn, but a phone and an amount: a card is written from a 4-digit group
    ("перевёл с 87011234504 15 000 тенге", "перевёл с [тел. ***4504] 15 000 тенге"),
])
def test_numbers_side_by_side_are_masked_each_and_nothing_else(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


@pytest.mark.parametrize("text", [
    "заявление 2026-000124 от 05.12.2026", "ZP-2026-0000124", "с 01.01.2026 по 05.12.2026",
    "в 14:30, 14:30:15, 2026-12-04T15:30:00.123456+05:00",
    "05.12.2026 14.30",  # date and time: 12 digits with a birth date's shape, but no IIN's check digit
    "report 6f1c2a3e-9b4d-4c1e-8f2a-1234567890ab", "id 12345678-1234-5678-1234-ab7012345678",
    "ущерб 15 000 тенге", "сумма 1 500 000 тг", "итого 7 000 000 000 тенге", "штраф 77 000 000 000 тенге",
    "ст. 188 ч. 2 УК РК, статья 293-1 КоАП, п. 1.2.3",
    "координаты 51.1694, 71.4491", "точка 51.169412 71.449123",
    "координаты 47.0512 51.2343",  # read as 2-4-2-4 digit groups, an IIN with a valid check digit
])
def test_report_numbers_dates_times_ids_amounts_articles_and_coordinates_are_not_masked(text: str) -> None:
    assert find_pii(text) == [], find_pii(text)
    assert mask_pii(text) == text


def test_an_iin_in_full_width_digits_is_masked() -> None:
    assert mask_pii("ИИН ９００１０１３００１２６") == "ИИН [ИИН ***0126]"
