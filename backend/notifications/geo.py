"""Alert areas: GeoJSON polygons or circles, which districts they touch, whether a tablet is inside."""

from __future__ import annotations

import math
from typing import Any

from shapely import affinity
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry
from shapely.ops import unary_union

from backend.lib.errors import FieldProblem, ZanError

MAX_AREA_DEG2 = 25.0  # roughly a region; a whole-country alert is not an area alert
METRES_PER_DEG_LAT = 111_320.0


def circle(lat: float, lon: float, radius_m: float) -> BaseGeometry:
    """A circle on the ground as a lon/lat polygon (an ellipse in degrees: a degree of longitude shrinks north)."""
    r_lat = radius_m / METRES_PER_DEG_LAT
    stretch = 1 / max(math.cos(math.radians(lat)), 0.01)
    return affinity.scale(Point(lon, lat).buffer(r_lat, quad_segs=32), xfact=stretch, yfact=1.0)


def parse_area(polygon: dict[str, Any] | None, centre: tuple[float, float] | None,
               radius_m: float | None) -> BaseGeometry:
    """The alert's area from exactly one of: a GeoJSON (Multi)Polygon, or centre + radius_m."""
    if (polygon is None) == (centre is None):
        raise ZanError("alert.area_invalid", 422, errors=[FieldProblem("/polygon", "invalid")])
    if centre is not None:
        if radius_m is None:
            raise ZanError("alert.area_invalid", 422, errors=[FieldProblem("/radius_m", "required")])
        return circle(centre[0], centre[1], radius_m)
    assert polygon is not None
    try:
        if polygon.get("type") not in ("Polygon", "MultiPolygon"):
            raise ValueError("not a polygon")
        if not _on_earth(polygon["type"], polygon["coordinates"]):
            raise _out_of_range()
        geom = shape(polygon)
    except OverflowError as exc:  # an integer too big for a float
        raise _out_of_range() from exc
    except (ValueError, TypeError, KeyError, AttributeError, IndexError) as exc:
        raise ZanError("alert.area_invalid", 422, errors=[FieldProblem("/polygon", "invalid")]) from exc
    # `not <=`: a NaN area compares False with anything, and a `>` cap would let it through
    if geom.is_empty or not geom.is_valid or not (geom.area <= MAX_AREA_DEG2):
        raise _out_of_range()
    return geom


def _out_of_range() -> ZanError:
    return ZanError("alert.area_invalid", 422, errors=[FieldProblem("/polygon", "out_of_range")])


def _on_earth(kind: str, coordinates: Any) -> bool:
    """Every position of a GeoJSON (Multi)Polygon is a finite lon in [-180, 180] and lat in [-90, 90], as for the
    centre variant. A malformed structure raises TypeError/IndexError/ValueError (invalid, not out of range)."""
    rings = coordinates if kind == "Polygon" else [ring for part in coordinates for ring in part]
    for ring in rings:
        for position in ring:
            lon, lat = float(position[0]), float(position[1])
            if not (math.isfinite(lon) and math.isfinite(lat) and -180 <= lon <= 180 and -90 <= lat <= 90):
                return False
    return True


def as_geojson(geom: BaseGeometry) -> dict[str, Any]:
    return dict(mapping(geom))


def districts_intersecting(geom: BaseGeometry, limit: int = 50) -> list[str]:
    """District codes (ml.geo) whose polygons intersect the area: the FCM topics district-<code> to notify."""
    from ml.geo import load_district_index

    return sorted({d.code for d in load_district_index().intersecting(geom)})[:limit]


def mostly_within(geom: BaseGeometry, codes: list[str]) -> bool:
    """Whether at least half of the area lies in the districts `codes` (its spill over their border is allowed)."""
    from ml.geo import load_district_index

    index = load_district_index()
    home = unary_union([index.geometry(code) for code in codes]) if codes else None
    return home is not None and 2 * geom.intersection(home).area >= geom.area


def contains(geom: BaseGeometry, lat: float, lon: float) -> bool:
    return bool(geom.covers(Point(lon, lat)))
