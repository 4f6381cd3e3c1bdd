"""Every district of the map has its current official name in kk, ru and en (ml/data/geo/district_names.json): an
officer's push names the place as people there call it, not by the 2017 layer's Latin transliteration."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from ml.geo import (
    GEO_DIR,
    NAMES_FILE,
    REGION_LANGS,
    load_district_index,
    load_district_names,
    load_regions,
    read_district_names,
    region_name,
)

# the cities of republican significance are regions of their own: named exactly as the region table names them
CITY_REGIONS = ("astana", "almaty", "shymkent")
# letters Kazakh has and Russian lacks: a Kazakh name written without any of them is usually a Russian one
KAZAKH_LETTERS = re.compile("[әғқңөұүһі]", re.IGNORECASE)


def _entries() -> dict[str, dict[str, str]]:
    return {code: dict(texts) for code, texts in load_district_names().items()}


def test_the_names_cover_exactly_the_districts_of_the_index() -> None:
    codes, named = set(load_district_index().codes), set(_entries())
    assert sorted(codes - named) == [], "districts without a name"
    assert sorted(named - codes) == [], "names of codes the index does not have"


def test_every_entry_is_named_in_kk_ru_and_en_without_stray_spaces() -> None:
    for code, texts in _entries().items():
        assert sorted(texts) == sorted(REGION_LANGS), code
        for lang, text in texts.items():
            assert text and text == text.strip() and "  " not in text, (code, lang, text)
            if lang != "en":  # no Latin left over from the map's names in the Cyrillic ones
                assert not re.search("[A-Za-z`]", text), (code, lang, text)


def test_the_cities_of_republican_significance_are_named_as_the_region_table_names_them() -> None:
    entries = _entries()
    assert all(load_regions().districts[code] == code for code in CITY_REGIONS)
    for code in CITY_REGIONS:
        assert entries[code] == {lang: region_name(code, lang) for lang in REGION_LANGS}


def test_kazakh_names_are_kazakh_and_each_language_names_the_same_kind_of_place() -> None:
    for code, texts in _entries().items():
        if code in CITY_REGIONS:
            continue
        kk, ru, en = texts["kk"], texts["ru"], texts["en"]
        assert kk != ru, code
        assert not re.search(r"ский|район|г\.", kk), (code, kk)  # no Russian left in the Kazakh name
        town = ru.startswith("г. ")
        if town:  # a town of regional significance: "г. Талдыкорган" / "Талдықорған қ." / "Taldykorgan"
            assert kk.endswith(" қ."), (code, kk)
            assert "District" not in en, (code, en)
        else:  # "Аккольский район" / "Ақкөл ауданы" / "Akkol District"; "район Шал акына"; "... атындағы аудан"
            assert kk.endswith((" ауданы", " атындағы аудан")), (code, kk)
            assert ru.endswith(" район") or ru.startswith("район "), (code, ru)
            assert en.endswith(" District"), (code, en)
    kazakh_spelt = [code for code, texts in _entries().items() if KAZAKH_LETTERS.search(texts["kk"])]
    # "ауданы" itself has none of them: most names still do (Ақкөл, Бұланды, Сарыағаш); a file of Russian names in
    # Kazakh word order would have almost none
    assert len(kazakh_spelt) > 0.6 * len(_entries())


@pytest.mark.parametrize(
    ("code", "kk", "ru", "en"),
    [
        ("akkolskiy", "Ақкөл ауданы", "Аккольский район", "Akkol District"),
        ("taldyqorghan", "Талдықорған қ.", "г. Талдыкорган", "Taldykorgan"),
        ("bukhar-zhyrauskiy", "Бұқар жырау ауданы", "Бухар-Жырауский район", "Bukhar-Zhyrau District"),
        # renamed since the layer's names: the current name, not the map's
        ("shuchinskiy", "Бурабай ауданы", "Бурабайский район", "Burabay District"),
        ("zelenovskiy", "Бәйтерек ауданы", "Байтерекский район", "Bayterek District"),
        ("kachirskiy", "Тереңкөл ауданы", "Теренкольский район", "Terenkol District"),
        ("leninogorsk", "Риддер қ.", "г. Риддер", "Ridder"),
        # the two codes that share the Latin name "Aksuskiy" are a district in Jetisu and a town in Pavlodar region
        ("aksuskiy-almaty-region", "Ақсу ауданы", "Аксуский район", "Aksu District"),
        ("aksuskiy-pavlodar", "Ақсу қ.", "г. Аксу", "Aksu"),
        # a second reading's corrections: the Kazakh letter (Қазталов), the name of Ә. Жангелдин
        ("kaztalovskiy", "Қазталов ауданы", "Казталовский район", "Kaztalov District"),
        ("dzhangildinskiy", "Жангелдин ауданы", "Джангельдинский район", "Zhangeldin District"),
    ],
)
def test_known_names(code: str, kk: str, ru: str, en: str) -> None:
    assert _entries()[code] == {"kk": kk, "ru": ru, "en": en}


def test_every_name_a_human_should_check_is_a_district_of_the_index() -> None:
    note = json.loads((GEO_DIR / NAMES_FILE).read_text(encoding="utf-8"))["_note"]
    assert note["about"] and note["unsure"]
    assert set(note["unsure"]) <= set(load_district_index().codes)


def test_an_entry_missing_a_language_is_refused_when_read(tmp_path: Path) -> None:
    shutil.copy(GEO_DIR / NAMES_FILE, tmp_path / NAMES_FILE)
    data = json.loads((tmp_path / NAMES_FILE).read_text(encoding="utf-8"))
    data["districts"]["akkolskiy"]["kk"] = " "
    (tmp_path / NAMES_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    with pytest.raises(ValueError, match="akkolskiy"):
        read_district_names(tmp_path)
