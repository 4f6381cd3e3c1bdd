"""Edge cases of ml.geo on real coordinates: shared borders and vertices, gaps between district polygons, the Caspian
shore, Baikonur, cities just across the border, swapped and non-numeric coordinates."""

from __future__ import annotations

import math

import pytest
import shapely
from shapely.geometry import Point

from ml.geo import load_district_index, region_of

# A vertex that "semipalatinskiy" and "borodulikhinskiy" (both Abai region) share, at the edge of a sliver the 2017
# layer leaves between them near Semey; 0.01 deg north of it no polygon contains the point and both are exactly as
# far (the vertex is the nearest point of each), so the tie rule decides its district
_SHARED_VERTEX = (50.92861557006847, 80.27886962890625)  # lat, lon
_TIE_POINT = (_SHARED_VERTEX[0] + 0.01, _SHARED_VERTEX[1])


def _equidistant_smallest(lat: float, lon: float) -> tuple[list[str], str]:
    """By brute force over every polygon: the districts nearest to the point, and the smallest of them."""
    index = load_district_index()
    point = Point(lon, lat)
    distances = {code: index.geometry(code).distance(point) for code in index.codes}
    best = min(distances.values())
    tied = sorted(code for code, d in distances.items() if d == best)
    return tied, min(tied, key=lambda code: index.geometry(code).area)


def test_the_tie_point_is_a_real_tie() -> None:
    index = load_district_index()
    assert index.locate(*_TIE_POINT) is None
    assert index.in_kazakhstan(*_TIE_POINT)
    tied, _ = _equidistant_smallest(*_TIE_POINT)
    assert tied == ["borodulikhinskiy", "semipalatinskiy"]


def test_nearest_breaks_a_tie_as_locate_does_smallest_first() -> None:
    # the STRtree's own pick among equidistant polygons depends on how the tree packed them (any district added to
    # the data may flip it); the rule is the one `locate` applies to a point on a shared border: smallest wins
    index = load_district_index()
    _, smallest = _equidistant_smallest(*_TIE_POINT)
    assert index.nearest(*_TIE_POINT).code == smallest == "borodulikhinskiy"
    located = index.locate_accepted(*_TIE_POINT)
    assert located is not None and located.code == "borodulikhinskiy"


def test_a_point_on_a_shared_vertex_goes_to_the_smaller_district() -> None:
    index = load_district_index()
    district = index.locate(*_SHARED_VERTEX)
    assert district is not None and district.code == "borodulikhinskiy"


def test_a_point_on_astanas_boundary_is_astana() -> None:
    # exactly on the OSM city boundary, which lies inside "tselinogradskiy": the smaller polygon, the city, wins
    index = load_district_index()
    astana = index.geometry("astana")
    parts = list(getattr(astana, "geoms", [astana]))
    lon, lat = max(parts, key=lambda p: p.area).exterior.coords[0]
    district = index.locate(lat, lon)
    assert district is not None and district.code == "astana"


@pytest.mark.parametrize(
    ("lat", "lon"),
    [(math.nan, 71.43), (51.13, math.nan), (math.inf, 71.43), (51.13, -math.inf), (1e308, 1e308)],
    ids=["nan-lat", "nan-lon", "inf-lat", "minus-inf-lon", "huge"],
)
def test_nearest_has_no_district_for_what_is_not_a_point(lat: float, lon: float) -> None:
    # the tree answers an arbitrary polygon for NaN; no district is nearest to a point that does not exist
    index = load_district_index()
    with pytest.raises(ValueError):
        index.nearest(lat, lon)
    assert index.locate(lat, lon) is None
    assert not index.in_kazakhstan(lat, lon)
    assert index.locate_accepted(lat, lon) is None


@pytest.mark.parametrize(
    ("lat", "lon", "code"),
    [
        (43.640, 51.148, "aqtau"),  # Aktau, on the shore
        (43.603, 51.215, "aqtau"),  # Aktau sea port, a pier outside the polygon: within the tolerance
        (43.645, 51.130, "aqtau"),  # 200 m into the Caspian off Aktau
        (44.545, 50.246, "tupkaraganskiy"),  # Bautino port
        (46.950, 51.850, "atyrau"),  # the Ural near Atyrau
        (46.500, 74.800, "aktogayskiy-karaganda"),  # Lake Balkhash
        (46.400, 61.000, "aralskiy"),  # the Northern Aral Sea
        (43.900, 77.300, "talgarskiy"),  # Kapchagay reservoir
        (45.617, 63.317, "karmakchinskiy"),  # Baikonur (leased to Russia, Kazakh territory): Kyzylorda region
        (45.965, 63.305, "karmakchinskiy"),  # the cosmodrome
        (41.450, 69.170, "saryagashskiy"),  # Saryagash, by the Uzbek border
        (43.050, 74.710, "kordayskiy"),  # Korday, by the Kyrgyz border
        (44.180, 80.360, "panfilovskiy"),  # Nurkent by the Khorgos crossing
    ],
)
def test_shore_lake_and_border_points_get_a_district(lat: float, lon: float, code: str) -> None:
    district = load_district_index().locate_accepted(lat, lon)
    assert district is not None and district.code == code
    assert region_of(district.code) is not None


@pytest.mark.parametrize(
    ("lat", "lon"),
    [
        (43.640, 51.100),  # 3.5 km into the Caspian off Aktau
        (41.2995, 69.2401),  # Tashkent
        (41.470, 69.580),  # Chirchiq
        (42.8746, 74.5698),  # Bishkek
        (42.820, 73.850),  # Kara-Balta
        (45.170, 82.570),  # Alashankou
        (51.768, 55.097),  # Orenburg
        (54.080, 61.560),  # Troitsk
        (46.347, 48.033),  # Astrakhan
        (54.989, 73.368),  # Omsk
        (40.020, 52.960),  # Turkmenbashi
        (71.430, 51.128),  # Astana with latitude and longitude swapped
        (76.945, 43.238),  # Almaty swapped
    ],
)
def test_points_across_the_border_are_refused(lat: float, lon: float) -> None:
    index = load_district_index()
    assert not index.in_kazakhstan(lat, lon)
    assert index.locate_accepted(lat, lon) is None


def test_every_gap_inside_the_union_is_accepted_with_a_district() -> None:
    # slivers the 2017 layer leaves between neighbouring districts (a road between two polygons): never "outside"
    index = load_district_index()
    union = shapely.union_all([index.geometry(code) for code in index.codes])
    holes = [shapely.Polygon(ring) for part in union.geoms for ring in part.interiors]
    assert holes
    for hole in holes:
        point = hole.representative_point()
        assert index.locate_accepted(point.y, point.x) is not None


def test_every_part_of_a_multipolygon_is_its_district() -> None:
    index = load_district_index()
    for code in index.codes:
        geom = index.geometry(code)
        for part in getattr(geom, "geoms", [geom]):
            point = part.representative_point()
            district = index.locate(point.y, point.x)
            assert district is not None and district.code == code, (code, point)
