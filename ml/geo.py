"""Point → district, and "is this point in Kazakhstan", on the bundled polygons (see data/geo/ATTRIBUTION.txt).

A shapely STRtree over prepared polygons: a lookup is tens of microseconds. When several polygons contain a point
the smallest one wins, so the city of Astana (OSM) beats "Tselinogradskiy" (the 2017 ADM2 layer has no Astana), and
the Almaty / Shymkent city polygons beat any district they touch.

District codes are stable slugs of the geoBoundaries shapeName ("almaty", "shymkent", "tselinogradskiy"); the five
names that repeat across regions get the region as a suffix ("aksuskiy-pavlodar"). Routing rules refer to these codes.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import shapely
from shapely import STRtree, prepare
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry

GEO_DIR = Path(__file__).resolve().parent / "data" / "geo"
ADM2_FILE = "geoBoundaries-KAZ-ADM2.geojson"
ASTANA_FILE = "osm-astana.geojson"
# GPS error and simplified 2017 borders: a point up to ~2 km outside the union is still treated as ours
BORDER_TOLERANCE_DEG = 0.02
# Simplification applied by `prepare_geo_data` (~50 m): invisible at district scale, file 3x smaller
SIMPLIFY_TOLERANCE_DEG = 0.0005

# shapeName → code where the plain slug would be unhelpful
_CODE_OVERRIDES = {"Almaty (Alma-Ata)": "almaty"}
_CITIES = {"almaty": "Almaty", "shymkent": "Shymkent", "astana": "Astana"}
# Names that occur twice or three times: (shapeName, rounded centroid lat, lon) → region slug
_DUPLICATE_REGIONS: dict[tuple[str, int, int], str] = {
    ("Aksuskiy", 46, 79): "almaty-region",
    ("Aksuskiy", 52, 76): "pavlodar",
    ("Zhambylskiy", 44, 76): "almaty-region",
    ("Zhambylskiy", 54, 67): "north-kazakhstan",
    ("Zhambylskiy", 43, 71): "zhambyl",
    ("Esil`skiy", 52, 66): "akmola",
    ("Esil`skiy", 54, 68): "north-kazakhstan",
    ("Abayskiy", 49, 79): "east-kazakhstan",
    ("Abayskiy", 49, 73): "karaganda",
    ("Aktogayskiy", 53, 75): "pavlodar",
    ("Aktogayskiy", 47, 76): "karaganda",
}


@dataclass(frozen=True, slots=True)
class District:
    code: str
    name: str
    source: str
    region: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"code": self.code, "name": self.name, "source": self.source, "region": self.region}


def slugify(name: str) -> str:
    """ASCII slug: "Esil`skiy" → "esilskiy", "Bukhar-Zhyrauskiy" → "bukhar-zhyrauskiy"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[`'’]", "", ascii_name)
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "district"


def _district_for(name: str, geom: BaseGeometry) -> District:
    code = _CODE_OVERRIDES.get(name) or slugify(name)
    c = geom.centroid
    region = _DUPLICATE_REGIONS.get((name, round(c.y), round(c.x)))
    if region:
        code = f"{code}-{region}"
    elif code in _CITIES:
        region = code
    return District(code=code, name=_CITIES.get(code, name), source="geoBoundaries", region=region)


class DistrictIndex:
    """In-memory polygon index; build once per process (`load_district_index`)."""

    def __init__(self, districts: list[tuple[District, BaseGeometry]]) -> None:
        codes = [d.code for d, _ in districts]
        if len(set(codes)) != len(codes):
            dup = sorted({c for c in codes if codes.count(c) > 1})
            raise ValueError(f"district codes must be unique, duplicates: {dup}")
        # smallest first: among polygons containing a point, the most specific is found first
        ordered = sorted(districts, key=lambda dg: dg[1].area)
        self._districts = [d for d, _ in ordered]
        self._geoms = [g for _, g in ordered]
        for geom in self._geoms:
            prepare(geom)
        self._tree = STRtree(self._geoms)
        outline = shapely.union_all(self._geoms).buffer(BORDER_TOLERANCE_DEG)
        prepare(outline)
        self._outline = outline
        self._by_code = {d.code: d for d in self._districts}

    @classmethod
    def from_dir(cls, geo_dir: Path = GEO_DIR) -> DistrictIndex:
        adm2 = json.loads((geo_dir / ADM2_FILE).read_text(encoding="utf-8"))
        districts: list[tuple[District, BaseGeometry]] = []
        for feature in adm2["features"]:
            geom = shape(feature["geometry"])
            districts.append((_district_for(feature["properties"]["shapeName"], geom), geom))
        astana = json.loads((geo_dir / ASTANA_FILE).read_text(encoding="utf-8"))
        for feature in astana["features"]:
            district = District(code="astana", name="Astana", source="OpenStreetMap", region="astana")
            districts.append((district, shape(feature["geometry"])))
        return cls(districts)

    def locate(self, lat: float, lon: float) -> District | None:
        """The most specific district containing the point, or None outside every polygon."""
        point = Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return None
        # tree indices follow the area-sorted order, so the smallest containing polygon is the lowest index
        return self._districts[int(min(hits))]

    def nearest(self, lat: float, lon: float) -> District:
        """The district whose polygon is nearest to the point (the containing one when there is one)."""
        return self._districts[int(self._tree.nearest(Point(lon, lat)))]

    def locate_accepted(self, lat: float, lon: float) -> District | None:
        """The district for a point accepted as Kazakhstan: the containing one, else (a point inside the border
        tolerance but outside every polygon) the nearest one; None for a point not accepted at all."""
        district = self.locate(lat, lon)
        if district is None and self.in_kazakhstan(lat, lon):
            district = self.nearest(lat, lon)
        return district

    def in_kazakhstan(self, lat: float, lon: float) -> bool:
        """Inside the union of all polygons, widened by BORDER_TOLERANCE_DEG for GPS error and simplified borders."""
        if not (-90.0 <= lat <= 90.0 and -180.0 <= lon <= 180.0):
            return False
        return bool(self._outline.contains(Point(lon, lat)))

    def district(self, code: str) -> District:
        return self._by_code[code]

    def intersecting(self, geom: BaseGeometry) -> list[District]:
        """Districts whose polygons intersect an area (e.g. an alert circle), most specific first."""
        return [self._districts[int(i)] for i in sorted(self._tree.query(geom, predicate="intersects"))]

    @property
    def codes(self) -> list[str]:
        return sorted(self._by_code)


@lru_cache(maxsize=1)
def load_district_index() -> DistrictIndex:
    """The bundled index, built once per process (~0.3 s)."""
    return DistrictIndex.from_dir()


def _round_coords(obj: Any, ndigits: int) -> Any:
    if isinstance(obj, float):
        return round(obj, ndigits)
    if isinstance(obj, list | tuple):
        return [_round_coords(x, ndigits) for x in obj]
    return obj


def prepare_geo_data(src_dir: Path, dst_dir: Path = GEO_DIR, tolerance: float = SIMPLIFY_TOLERANCE_DEG) -> None:
    """Copy the shared polygons into the package, simplified (topology-preserving) and rounded to 5 decimals (~1 m).

    Run once when the source data changes: `python -m ml.cli geo-prepare --src ../shared/data/geo`.
    """
    dst_dir.mkdir(parents=True, exist_ok=True)
    for name in (ADM2_FILE, ASTANA_FILE):
        data = json.loads((src_dir / name).read_text(encoding="utf-8"))
        for feature in data["features"]:
            geom = shape(feature["geometry"]).simplify(tolerance, preserve_topology=True)
            feature["geometry"] = _round_coords(mapping(geom), 5)
        data.setdefault("zan_note", f"simplified with tolerance {tolerance} deg, coordinates rounded to 5 decimals")
        target = dst_dir / name
        if target.exists():
            target.chmod(0o644)
        target.write_text(json.dumps(data, ensure_ascii=False, separators=(",", ":")), encoding="utf-8")
