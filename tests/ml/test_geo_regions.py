"""Every district has its current first-level region (ml/data/geo/regions.json), found through ml.geo."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
import shapely

from ml.geo import (
    ADM2_FILE,
    ASTANA_FILE,
    GEO_DIR,
    REGION_CODES,
    REGION_LANGS,
    REGIONS_FILE,
    DistrictIndex,
    load_district_index,
    load_regions,
    read_regions,
    region_name,
    region_of,
)

# Coarse boxes (lat_min, lat_max, lon_min, lon_max) the centroid of each of a region's districts must fall in:
# drawn from the map, not from the data, so a district given a far-away region shows up here
_REGION_BOXES: dict[str, tuple[float, float, float, float]] = {
    "astana": (50.9, 51.4, 71.2, 71.8),
    "almaty": (43.1, 43.4, 76.7, 77.2),
    "shymkent": (42.2, 42.5, 69.4, 69.8),
    "abai": (46.0, 51.5, 78.0, 83.5),
    "akmola": (50.0, 54.0, 65.0, 74.0),
    "aktobe": (45.0, 51.5, 54.0, 63.0),
    "almaty-region": (42.0, 46.0, 73.0, 81.0),
    "atyrau": (45.5, 49.0, 47.0, 55.0),
    "east-kazakhstan": (47.0, 51.0, 81.0, 87.5),
    "jetisu": (43.5, 47.0, 76.0, 81.0),
    "karaganda": (46.0, 51.0, 68.0, 77.0),
    "kostanay": (48.0, 55.0, 60.0, 68.0),
    "kyzylorda": (43.0, 47.0, 59.0, 68.0),
    "mangystau": (41.0, 46.5, 50.0, 56.5),
    "north-kazakhstan": (52.0, 55.5, 65.5, 74.0),
    "pavlodar": (50.0, 54.5, 73.0, 79.5),
    "turkistan": (40.5, 45.0, 66.0, 71.0),
    "ulytau": (45.5, 50.0, 62.0, 72.5),
    "west-kazakhstan": (48.0, 52.0, 46.0, 55.0),
    "zhambyl": (42.0, 46.0, 69.0, 76.0),
}


def _centroids() -> list[tuple[str, str, float, float]]:
    """(code, region, lat, lon) of every district's polygon centroid."""
    index = load_district_index()
    out = []
    for code in index.codes:
        region = index.district(code).region
        assert region is not None
        c = index.geometry(code).centroid
        out.append((code, region, c.y, c.x))
    return out


def test_every_district_has_one_of_the_20_regions() -> None:
    index = load_district_index()
    assert len(REGION_CODES) == len(set(REGION_CODES)) == 20
    regions = {code: index.district(code).region for code in index.codes}
    assert all(region in REGION_CODES for region in regions.values()), regions
    assert set(regions.values()) == set(REGION_CODES)  # every region has at least one district
    assert all(region_of(code) == region for code, region in regions.items())
    assert set(load_regions().districts) == set(index.codes)


def test_region_of_without_a_district() -> None:
    assert region_of(None) is None
    assert region_of("") is None
    assert region_of("atlantis") is None


def test_district_codes_are_unchanged_where_the_region_changed() -> None:
    """Routing rules refer to codes: the 2022 reform changes regions, never codes."""
    index = load_district_index()
    assert index.district("abayskiy-east-kazakhstan").region == "abai"
    assert index.district("aksuskiy-almaty-region").region == "jetisu"
    assert index.district("zhambylskiy-almaty-region").region == "almaty-region"
    assert index.district("abayskiy-karaganda").region == "karaganda"
    assert index.district("astana").to_dict()["region"] == "astana"


@pytest.mark.parametrize(
    ("region", "codes"),
    [
        (
            "abai",
            {"semipalatinskiy", "abayskiy-east-kazakhstan", "ayagozskiy", "beskaragayskiy", "borodulikhinskiy",
             "zharminskiy", "kokpektinskiy", "urdzharskiy"},
        ),
        (
            "jetisu",
            {"taldyqorghan", "aksuskiy-almaty-region", "alakolskiy", "karatalskiy", "kerbulakskiy", "koksuskiy",
             "panfilovskiy", "sarkandskiy"},
        ),
        ("ulytau", {"ulytauskiy", "zhanaarkinskiy"}),
    ],
)  # fmt: skip
def test_regions_created_in_2022(region: str, codes: set[str]) -> None:
    index = load_district_index()
    assert {code for code in index.codes if index.district(code).region == region} == codes


@pytest.mark.parametrize(
    ("lat", "lon", "region"),
    [
        (51.128, 71.430, "astana"),  # Baiterek
        (43.238, 76.945, "almaty"),
        (42.317, 69.590, "shymkent"),
        (50.411, 80.227, "abai"),  # Semey
        (47.965, 80.440, "abai"),  # Ayagoz
        (45.017, 78.373, "jetisu"),  # Taldykorgan
        (44.166, 80.000, "jetisu"),  # Zharkent
        (47.783, 67.714, "ulytau"),  # Zhezkazgan
        (47.900, 67.530, "ulytau"),  # Satpayev
        (43.650, 51.160, "mangystau"),  # Aktau
        (52.287, 76.967, "pavlodar"),
        (43.297, 68.251, "turkistan"),  # Turkestan
        (49.948, 82.628, "east-kazakhstan"),  # Oskemen
        (43.867, 77.070, "almaty-region"),  # Konaev
        (49.806, 73.085, "karaganda"),
        (51.227, 51.387, "west-kazakhstan"),  # Oral
        (54.865, 69.135, "north-kazakhstan"),  # Petropavl
        (53.214, 63.624, "kostanay"),
        (53.283, 69.383, "akmola"),  # Kokshetau
        (50.283, 57.167, "aktobe"),
        (47.110, 51.920, "atyrau"),
        (44.850, 65.510, "kyzylorda"),
        (42.900, 71.367, "zhambyl"),  # Taraz
    ],
)
def test_known_places(lat: float, lon: float, region: str) -> None:
    district = load_district_index().locate(lat, lon)
    assert district is not None
    assert region_of(district.code) == region == district.region


def test_centroids_fall_in_their_regions_box() -> None:
    outside = [(code, region) for code, region, lat, lon in _centroids() if not _in_box(region, lat, lon)]
    assert outside == []


def _in_box(region: str, lat: float, lon: float) -> bool:
    lat_min, lat_max, lon_min, lon_max = _REGION_BOXES[region]
    return lat_min <= lat <= lat_max and lon_min <= lon <= lon_max


def test_the_west_east_and_south_edges() -> None:
    """Whatever lies west of 56°E is one of the four western regions, and so on round the edges."""
    for code, region, lat, lon in _centroids():
        if lon < 56:
            assert region in {"mangystau", "atyrau", "west-kazakhstan", "aktobe"}, code
        if region in {"mangystau", "atyrau", "west-kazakhstan"}:
            assert lon < 56, code
        if lon > 82:
            assert region in {"east-kazakhstan", "abai"}, code
        if lat < 42.6:
            assert region in {"turkistan", "shymkent", "zhambyl"}, code
        if lat > 53.5:
            assert region in {"north-kazakhstan", "kostanay", "pavlodar", "akmola"}, code


def test_regions_are_contiguous() -> None:
    """Each district of a region of several touches another district of the same region."""
    index = load_district_index()
    by_region: dict[str, list[str]] = defaultdict(list)
    for code in index.codes:
        by_region[str(index.district(code).region)].append(code)
    islands = []
    for codes in by_region.values():
        for code in codes:
            others = [index.geometry(other) for other in codes if other != code]
            # 0.01° (~1 km) closes the slivers the simplified borders leave between neighbours
            if others and not index.geometry(code).buffer(0.01).intersects(shapely.union_all(others)):
                islands.append(code)
    assert islands == []


def test_region_names() -> None:
    for lang in REGION_LANGS:
        names = [region_name(slug, lang) for slug in REGION_CODES]
        assert all(names) and len(set(names)) == len(names), lang
    assert region_name("abai", "kk") == "Абай облысы"
    assert region_name("jetisu", "ru") == "Область Жетісу"
    assert region_name("ulytau", "en") == "Ulytau Region"
    assert region_name("almaty-region", "de") == region_name("almaty-region", "ru")  # Russian is the fallback
    with pytest.raises(KeyError):
        region_name("atlantis", "ru")


# ---- a region file that does not match fails at load ----


def _geo_dir_with(tmp_path: Path, edit: Any) -> Path:
    """A copy of the bundled geo directory (polygons linked) whose regions.json is changed by `edit`."""
    for name in (ADM2_FILE, ASTANA_FILE):
        (tmp_path / name).symlink_to(GEO_DIR / name)
    data = json.loads((GEO_DIR / REGIONS_FILE).read_text(encoding="utf-8"))
    edit(data)
    (tmp_path / REGIONS_FILE).write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return tmp_path


def test_the_bundled_file_builds() -> None:
    assert DistrictIndex.from_dir(GEO_DIR).district("semipalatinskiy").region == "abai"


def test_a_district_missing_from_the_file_fails_at_load(tmp_path: Path) -> None:
    geo_dir = _geo_dir_with(tmp_path, lambda data: data["districts"].pop("kokpektinskiy"))
    with pytest.raises(ValueError, match="kokpektinskiy"):
        DistrictIndex.from_dir(geo_dir)


def test_a_code_that_is_no_district_fails_at_load(tmp_path: Path) -> None:
    geo_dir = _geo_dir_with(tmp_path, lambda data: data["districts"].update({"atlantis": "abai"}))
    with pytest.raises(ValueError, match="atlantis"):
        DistrictIndex.from_dir(geo_dir)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda data: data["districts"].update({"kokpektinskiy": "semey"}), "unknown region"),
        (lambda data: data["districts"].update({"ulytauskiy": "karaganda", "zhanaarkinskiy": "karaganda"}),
         "without any district"),
        (lambda data: data["regions"].pop("ulytau"), "exactly the 20"),
        (lambda data: data["regions"]["abai"].update({"kk": " "}), "non-empty name"),
    ],
    ids=["unknown-slug", "unused-slug", "unnamed-region", "blank-name"],
)  # fmt: skip
def test_a_wrong_region_table_fails_at_load(tmp_path: Path, edit: Any, message: str) -> None:
    geo_dir = _geo_dir_with(tmp_path, edit)
    with pytest.raises(ValueError, match=message):
        read_regions(geo_dir)
    with pytest.raises(ValueError, match=message):
        DistrictIndex.from_dir(geo_dir)
