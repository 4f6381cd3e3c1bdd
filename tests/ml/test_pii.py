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
