from __future__ import annotations

import pytest

from ml.geo import load_district_index


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [
        (51.128, 71.430, "astana"),  # Baiterek: the OSM city polygon wins over Tselinogradskiy
        (51.090, 71.410, "astana"),
        (43.238, 76.945, "almaty"),
        (42.320, 69.590, "shymkent"),
        (43.650, 51.160, "aqtau"),
        (51.300, 71.100, "tselinogradskiy"),  # outside Astana, inside the surrounding district
    ],
)
def test_locate(lat: float, lon: float, code: str) -> None:
    index = load_district_index()
    district = index.locate(lat, lon)
    assert district is not None and district.code == code
    assert index.in_kazakhstan(lat, lon)


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(55.7558, 37.6173), (42.8746, 74.5698), (41.2995, 69.2401), (43.825, 87.617), (0.0, 0.0), (95.0, 10.0)],
    ids=["moscow", "bishkek", "tashkent", "urumqi", "null-island", "invalid"],
)
def test_outside_kazakhstan(lat: float, lon: float) -> None:
    index = load_district_index()
    assert not index.in_kazakhstan(lat, lon)
    assert index.locate(lat, lon) is None


def test_codes_unique_and_stable() -> None:
    codes = load_district_index().codes
    assert len(codes) == len(set(codes)) == 175
    assert {"astana", "almaty", "shymkent", "aksuskiy-pavlodar", "aksuskiy-almaty-region", "esilskiy-akmola"} <= set(
        codes
    )
