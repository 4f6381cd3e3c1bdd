"""Spellings of personal data that real citizens type (audit of ml/pii.py), and what must stay readable for officers.

Each table lists a realistic input and the masked text a view shows; the spans must point at the number in the text
as written (an invisible character inside it included), so that masking never leaves a digit or a stray character.
"""

from __future__ import annotations

import pytest

from ml.pii import find_numbers, find_pii, iin_check_digit, mask_pii

_FIRST11 = "99010130012"  # born 1999-01-01, male, 20th century
IIN = _FIRST11 + str(iin_check_digit(_FIRST11))  # 990101300122


# ---- invisible characters inside a number ----------------------------------------------------------------------

# A copy from a web page, a messenger or a PDF leaves zero-width spaces/joiners, soft hyphens, word joiners, BOMs and
# bidi marks inside a number: the citizen and the officer see 990101300122, the masker saw two short numbers.
INVISIBLE = ["\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad", "\u200e", "\u202c"]


@pytest.mark.parametrize("ch", INVISIBLE, ids=[f"U+{ord(c):04X}" for c in INVISIBLE])
@pytest.mark.parametrize(("template", "masked"), [
    ("ИИН {a}", "ИИН [ИИН ***0122]"),
    ("тел {p}", "тел [тел. ***4567]"),
    ("карта {c}", "карта [карта ***6789]"),
])
def test_an_invisible_character_inside_a_number_does_not_hide_it(ch: str, template: str, masked: str) -> None:
    text = template.format(a=f"{IIN[:6]}{ch}{IIN[6:]}", p=f"+7 701 123{ch}45 67", c=f"4400 43{ch}01 2345 6789")
    assert mask_pii(text) == masked
    # the log masker reads numbers with the same rules
    spans = find_numbers(text, mistyped=True)
    assert len(spans) == 1 and ch in spans[0].text and spans[0].text == text[spans[0].start : spans[0].end]


def test_invisible_characters_between_every_digit_and_around_a_number() -> None:
    text = "ИИН \u202a" + "\u200b".join(IIN) + "\u202c, тел 8\u200b701\u200b1234567."
    assert mask_pii(text) == "ИИН \u202a[ИИН ***0122]\u202c, тел [тел. ***4567]."


# ---- other Unicode spaces and dashes between groups --------------------------------------------------------------

# Word and typographic keyboards put a thin space (U+2009) or a figure space (U+2007, made for grouping digits)
# between groups, and replace " - " with an en dash; phone books use the figure dash U+2012 and non-breaking hyphen.
@pytest.mark.parametrize("written", [
    "8\u2009701\u2009123\u200945\u200967", "8\u2007701\u2007123\u200745\u200767", "8–701–123–45–67",
    "8 – 701 – 123 45 67", "8\u2011701\u20111234567", "8\u2012701\u2012123\u201245\u201267", "8−701−123−45−67",
    "+7\u2009(701)\u2009123–45–67",
])
def test_a_phone_grouped_with_unicode_spaces_or_dashes_is_masked(written: str) -> None:
    assert mask_pii(f"тел {written} звоните") == "тел [тел. ***4567] звоните"


@pytest.mark.parametrize("written", [f"{IIN[:6]}\u2009{IIN[6:]}", f"{IIN[:6]}–{IIN[6:]}", f"{IIN[:6]}\u2011{IIN[6:]}"])
def test_an_iin_grouped_with_unicode_spaces_or_dashes_is_masked(written: str) -> None:
    assert mask_pii(f"ЖСН {written}") == "ЖСН [ИИН ***0122]"


# ---- district landlines: a 5-digit area code ---------------------------------------------------------------------

# Kazakh area codes have 3 to 5 digits; a district centre's code has 5 (71636, 72531…) and its 5-digit local number
# is written "2-12-34". "+7 (71636) 2-12-34" was masked, the same number with the 8 prefix was not.
@pytest.mark.parametrize("phone", [
    "8 (71636) 2-12-34", "8(71636)2-12-34", "8 (71636) 21234", "8 71636 21234", "8-71636-2-12-34",
    "8 (72531) 5-12-34", "71636 2-12-34",
])
def test_a_district_landline_with_a_five_digit_area_code_is_masked(phone: str) -> None:
    last4 = "".join(c for c in phone if c.isdigit())[-4:]
    assert mask_pii(f"тел. {phone}, вечером") == f"тел. [тел. ***{last4}], вечером"


# ---- ID card and passport numbers after the usual wording --------------------------------------------------------

@pytest.mark.parametrize(("text", "masked"), [
    ("удостоверение личности №041234567", "удостоверение личности №[док. ***67]"),
    ("удостоверение личности № 041234567 выдано МВД", "удостоверение личности № [док. ***67] выдано МВД"),
    ("номер удостоверения личности 041234567", "номер удостоверения личности [док. ***67]"),
    ("уд.л. 041234567", "уд.л. [док. ***67]"),
    ("уд. личности 041234567", "уд. личности [док. ***67]"),
    ("паспорт РК N12345678", "паспорт РК N[док. ***78]"),
    ("паспорт гражданина РК № N12345678", "паспорт гражданина РК № [док. ***78]"),
    ("ҚР азаматының жеке куәлігі № 041234567", "ҚР азаматының жеке куәлігі № [док. ***67]"),
])
def test_a_document_number_after_its_usual_qualifiers_is_masked(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


# ---- IBANs of Kazakhstan -----------------------------------------------------------------------------------------

# KZ, two check digits, a 3-digit bank code and 13 letters or digits (20 characters), whole or in groups of four;
# a citizen pastes the account money went to. Masked with its last four characters kept, like a card.
@pytest.mark.parametrize(("iban", "last4"), [
    ("KZ86125KZT5004100100", "0100"), ("KZ86 125K ZT50 0410 0100", "0100"), ("kz86125kzt5004100100", "0100"),
    ("KZ75 125K ZT20 6910 0100", "0100"), ("KZ86\u00a0125K\u00a0ZT50\u00a00410\u00a00100", "0100"),
    ("KZ86-125K-ZT50-0410-0100", "0100"),
    ("KZ86125КZТ5004100100", "0100"),  # К and Т typed in the Cyrillic layout
    ("KZ12 3456 7890 1234 5678", "5678"),  # a wrong check digit: still an account number
])
def test_a_kazakh_iban_is_masked(iban: str, last4: str) -> None:
    assert mask_pii(f"перевёл на счёт {iban}, банк") == f"перевёл на счёт [IBAN ***{last4}], банк"
    assert mask_pii(f"IBAN:{iban}") == f"IBAN:[IBAN ***{last4}]"


def test_an_all_digit_iban_is_masked_whole_not_as_a_card_inside_it() -> None:
    # its last 16 digits pass Luhn: they were masked as a card and "KZ06" was left readable before them
    assert mask_pii("счёт KZ06 4400 4301 2345 6789") == "счёт [IBAN ***6789]"


# ---- what stays readable -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("text", [
    "дом 12 кв 45", "мкр Самал-2 д. 8", "ул. Абая 150/230, кв. 45", "мкр. Аксай-4, д. 23, кв. 105",
    "123 ABC 01", "777 AAA 02", "123 АВС 01", "777AAA02", "гос номер KZ 123 ABC 02 цвет белый 2015 года",
    "05.12.2026 14:30", "2026-12-05 14:30:00", "05.12.2026–06.12.2026", "с 1990–2005 гг.",
    "2 млн", "50 000 тг", "50\u2009000 тг", "1\u2009500\u2009000 тенге", "1\u202f500\u202f000 тенге",
    "75 000 000 тенге", "7 700 000 тенге", "12\u2009000\u2009000\u2009000 тенге",
    "автобус 32", "маршрут №122", "дело № 241500031000123", "ЕРДР 241500031000123", "жетон 0452", "жетон №0452",
    "табельный номер 123456", "ст. 190 ч. 2 УК РК", "КZ 86 шт.", "KZT 50 000", "удостоверение личности есть",
    "паспорт РК выдан 12.05.2016",
])
def test_addresses_plates_dates_amounts_and_case_numbers_stay_readable(text: str) -> None:
    assert find_pii(text) == [], find_pii(text)
    assert mask_pii(text) == text


# ---- what the mask leaves around a number ------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "masked"), [
    # the "(" opening a bracket around a number stayed inside the mask and its ")" was left alone
    ("номер(87011234567)", "номер([тел. ***4567])"),
    (f"Айгуль ({IIN}), 1999 г.р.", "Айгуль ([ИИН ***0122]), 1999 г.р."),
    ("(8 701 123 45 67)", "([тел. ***4567])"),
    # the area code's parenthesis still goes with the number
    ("(701) 123-45-67", "[тел. ***4567]"),
    ("(8 7172) 55-66-77", "[тел. ***6677]"),
])
def test_a_bracket_around_a_number_is_kept_whole(text: str, masked: str) -> None:
    assert mask_pii(text) == masked


def test_many_numbers_in_a_long_text_are_each_masked_once() -> None:
    # find_pii compared each span with all those taken before it (quadratic: ~37 s for 400 kB of IINs); each of
    # these must still be found once, and an e-mail holding digits masked as the e-mail only
    numbers = [f"{IIN} 8 701 123 45 67, 4400 4301 2345 6789; 87011234567@mail.kz" for _ in range(2000)]
    text = "\n".join(numbers)
    kinds = [s.kind for s in find_pii(text)]
    assert kinds == ["iin", "phone", "card", "email"] * 2000
    assert mask_pii(text) == "\n".join(
        ["[ИИН ***0122] [тел. ***4567], [карта ***6789]; [email 8***@mail.kz]"] * 2000
    )


@pytest.mark.parametrize("sep", ["\u00a0", "\u2009", "\u202f", ",\u00a0"],
                         ids=["nbsp", "thin", "narrow-nbsp", "comma-nbsp"])
def test_coordinates_with_a_unicode_space_between_stay_readable(sep: str) -> None:
    # read as an IIN grouped 2-4-2-4 with a valid check digit (a plain space between was already known as coordinates)
    text = f"координаты 47.0512{sep}51.2343"
    assert find_pii(text) == [] and mask_pii(text) == text
