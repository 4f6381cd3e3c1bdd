"""An officer's push names the report's district as it is called today, in the officer's language: "Ақкөл ауданы" to a
Kazakh-speaking crew, not the 2017 map's Latin "Akkol'skiy" (nor its code). Through the real firebase-admin SDK and
FakeFCM, as the other push tests."""

from __future__ import annotations

import pytest

from backend.context import Context
from backend.notifications import templates
from backend.reports.workflow import Action
from tests.fakes.fcm import FakeFCM
from tests.notifications.conftest import act, drain, new_report, officer_device
from tests.officers.factories import make_unit

pytestmark = pytest.mark.anyio


@pytest.mark.parametrize(("code", "kk", "ru", "en"), [
    ("akkolskiy", "Ақкөл ауданы", "Аккольский район", "Akkol District"),  # "Akkol'skiy" on the 2017 map
    ("almaty", "Алматы", "Алматы", "Almaty"),  # a city of republican significance: named by the regions table
])
async def test_an_officers_push_names_the_district_in_the_officers_language(
        ctx: Context, fcm: FakeFCM, code: str, kk: str, ru: str, en: str) -> None:
    crew = await make_unit(ctx, district=code)
    report = await new_report(ctx, unit_id=crew.id, urgent=True, category="violence", district=code)
    tablets = {lang: await officer_device(ctx, unit=crew, language=lang) for lang in ("kk", "ru", "en")}
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)

    bodies = {}
    for lang, tablet in tablets.items():
        (push,) = fcm.pushes_to(tablet.token or "")
        bodies[lang] = push.message["notification"]["body"]
    assert f", {kk}. Оқиға орнына дереу шығыңыз." in bodies["kk"]
    assert f", {ru}. Выезжайте немедленно." in bodies["ru"]
    assert f", {en}. Respond now." in bodies["en"]
    assert not any(code in body or "kkol'skiy" in body for body in bodies.values())  # not the code, not the map's


@pytest.mark.parametrize(
    ("code", "lang", "name"),
    [
        ("bukhar-zhyrauskiy", "kk", "Бұқар жырау ауданы"),
        ("shuchinskiy", "ru", "Бурабайский район"),  # "Shuchinskiy" on the 2017 map, renamed Burabay in 2009
        ("lugovskoy", "kk", "Тұрар Рысқұлов ауданы"),
        ("qyzylorda", "kk", "Қызылорда қ."),
        ("akkolskiy", "de", "Аккольский район"),  # a language without names: Russian
        ("astana", "kk", "Астана"),
        ("not-a-district", "ru", "not-a-district"),  # a code no map knows: as it is
        (None, "kk", ""),
    ],
)
def test_district_name(code: str | None, lang: str, name: str) -> None:
    assert templates.district_name(code, lang) == name


@pytest.mark.parametrize("urgent", [False, True])
async def test_a_report_not_yet_categorised_is_not_pushed_with_a_dangling_comma(ctx: Context, fcm: FakeFCM,
                                                                                 urgent: bool) -> None:
    """The category left empty left its separator behind: ", Алматы" (and ", Алматы. Выезжайте немедленно.")."""
    crew = await make_unit(ctx, district="almaty")
    report = await new_report(ctx, unit_id=crew.id, urgent=urgent, category=None, district="almaty")
    tablet = await officer_device(ctx, unit=crew, language="ru")
    await act(ctx, report.id, Action.ASSIGN)
    await drain(ctx)
    (push,) = fcm.pushes_to(tablet.token or "")
    body = push.message["notification"]["body"]
    assert body == ("Алматы. Выезжайте немедленно." if urgent else "Алматы"), body
