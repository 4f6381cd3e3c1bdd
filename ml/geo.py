"""Point → district, and "is this point in Kazakhstan", on the bundled polygons (see data/geo/ATTRIBUTION.txt).

A shapely STRtree over prepared polygons: a lookup is tens of microseconds. When several polygons contain a point
the smallest one wins, so the city of Astana (OSM) beats "Tselinogradskiy" (the 2017 ADM2 layer has no Astana), and
the Almaty / Shymkent city polygons beat any district they touch.

District codes are stable slugs of the geoBoundaries shapeName ("almaty", "shymkent", "tselinogradskiy"); the five
names that repeat across regions get the 2017 region as a suffix ("aksuskiy-pavlodar"). Routing rules refer to these
codes, so they never change, even where the suffix is no longer the district's region ("abayskiy-east-kazakhstan" is
in Abai region since 2022).

Every district's CURRENT first-level region (one of the 20 `REGION_CODES`) comes from data/geo/regions.json, because
police departments are per region. The layer predates the 2022 reform, so a district later split between two regions
is mapped to the region of its centre: "tarbagatayskiy" → east-kazakhstan (its former Aksuat part is in Abai now),
"urdzharskiy" → abai (with Makanchi, split from it); the simplified 2017 border puts Kurchatov (Abai) in "mayskiy"
(Pavlodar).

A district's name as people read it, in kk / ru / en and as it is called today, comes from data/geo/district_names.json:
the layer's names are Latin transliterations of 2017 (and older) Russian names, neither current nor readable to every
officer ("Shuchinskiy" is Burabay District).
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import shapely
from shapely import STRtree, prepare
from shapely.geometry import Point, mapping, shape
from shapely.geometry.base import BaseGeometry

GEO_DIR = Path(__file__).resolve().parent / "data" / "geo"
ADM2_FILE = "geoBoundaries-KAZ-ADM2.geojson"
ASTANA_FILE = "osm-astana.geojson"
REGIONS_FILE = "regions.json"
NAMES_FILE = "district_names.json"
# The 17 oblasts after the 2022 reform and the 3 cities of republican significance (they are regions of their own)
REGION_CODES: tuple[str, ...] = (
    "astana", "almaty", "shymkent", "abai", "akmola", "aktobe", "almaty-region", "atyrau", "east-kazakhstan",
    "jetisu", "karaganda", "kostanay", "kyzylorda", "mangystau", "north-kazakhstan", "pavlodar", "turkistan",
    "ulytau", "west-kazakhstan", "zhambyl",
)  # fmt: skip
REGION_LANGS: tuple[str, ...] = ("kk", "ru", "en")
# Russian is the fallback language everywhere (backend/lib/i18n.py); ml/ does not import backend/
_FALLBACK_LANG = "ru"
# GPS error and simplified 2017 borders: a point up to ~2 km outside the union is still treated as ours
BORDER_TOLERANCE_DEG = 0.02
# Simplification applied by `prepare_geo_data` (~50 m): invisible at district scale, file 3x smaller
SIMPLIFY_TOLERANCE_DEG = 0.0005

# shapeName → code where the plain slug would be unhelpful
_CODE_OVERRIDES = {"Almaty (Alma-Ata)": "almaty"}
_CITIES = {"almaty": "Almaty", "shymkent": "Shymkent", "astana": "Astana"}
# Names that occur twice or three times: (shapeName, rounded centroid lat, lon) → code suffix. The suffix is the
# district's 2017 region and part of a stable code; the current region is in regions.json.
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


@dataclass(frozen=True, slots=True)
class RegionTable:
    """The contents of regions.json, checked: district code → region slug, and region slug → {lang: name}."""

    districts: MappingProxyType[str, str]
    names: MappingProxyType[str, MappingProxyType[str, str]]


def read_regions(geo_dir: Path = GEO_DIR) -> RegionTable:
    """Read and check regions.json: every region slug one of REGION_CODES and used, every region named in kk/ru/en.

    Raises ValueError on any inconsistency: a wrong region would silently send a report to another region's police.
    """
    data = json.loads((geo_dir / REGIONS_FILE).read_text(encoding="utf-8"))
    districts: dict[str, str] = dict(data["districts"])
    unknown = sorted({slug for slug in districts.values() if slug not in REGION_CODES})
    if unknown:
        raise ValueError(f"{REGIONS_FILE}: unknown region slugs {unknown}")
    unused = [slug for slug in REGION_CODES if slug not in set(districts.values())]
    if unused:
        raise ValueError(f"{REGIONS_FILE}: regions without any district {unused}")
    names: dict[str, dict[str, str]] = data["regions"]
    if sorted(names) != sorted(REGION_CODES):
        raise ValueError(f"{REGIONS_FILE}: 'regions' must name exactly the {len(REGION_CODES)} regions")
    for slug, texts in names.items():
        if sorted(lang for lang, text in texts.items() if text.strip()) != sorted(REGION_LANGS):
            raise ValueError(f"{REGIONS_FILE}: region {slug!r} needs a non-empty name in each of {REGION_LANGS}")
    return RegionTable(
        districts=MappingProxyType(districts),
        names=MappingProxyType({slug: MappingProxyType(dict(texts)) for slug, texts in names.items()}),
    )


@lru_cache(maxsize=1)
def load_regions() -> RegionTable:
    """The bundled region table, read once per process (without building the polygon index)."""
    return read_regions()


def region_of(district_code: str | None) -> str | None:
    """The current region slug of a district code; None for None or a code that is not ours."""
    if district_code is None:
        return None
    return load_regions().districts.get(district_code)


def region_name(slug: str, lang: str) -> str:
    """A region's name in kk/ru/en (Russian for any other language); KeyError for a slug not in REGION_CODES."""
    texts = load_regions().names[slug]
    return texts.get(lang) or texts[_FALLBACK_LANG]


def read_district_names(geo_dir: Path = GEO_DIR) -> MappingProxyType[str, MappingProxyType[str, str]]:
    """Read and check district_names.json: district code → {lang: name}, each entry named in each of REGION_LANGS.

    Raises ValueError on an entry missing a language: a push would silently fall back to another language's name.
    Which codes the file covers is checked against the index by tests/ml/test_geo_district_names.py, not here, so
    that naming a district never costs building the polygon index.
    """
    data = json.loads((geo_dir / NAMES_FILE).read_text(encoding="utf-8"))
    names: dict[str, dict[str, str]] = data["districts"]
    for code, texts in names.items():
        if sorted(lang for lang, text in texts.items() if text.strip()) != sorted(REGION_LANGS):
            raise ValueError(f"{NAMES_FILE}: district {code!r} needs a non-empty name in each of {REGION_LANGS}")
    return MappingProxyType({code: MappingProxyType(dict(texts)) for code, texts in names.items()})


@lru_cache(maxsize=1)
def load_district_names() -> MappingProxyType[str, MappingProxyType[str, str]]:
    """The bundled district names, read once per process (without building the polygon index)."""
    return read_district_names()


def slugify(name: str) -> str:
    """ASCII slug: "Esil`skiy" → "esilskiy", "Bukhar-Zhyrauskiy" → "bukhar-zhyrauskiy"."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    ascii_name = re.sub(r"[`'’]", "", ascii_name)
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-") or "district"


def _district_for(name: str, geom: BaseGeometry) -> District:
    """The district of one ADM2 feature, without its region (`DistrictIndex.from_dir` adds it from regions.json)."""
    code = _CODE_OVERRIDES.get(name) or slugify(name)
    c = geom.centroid
    suffix = _DUPLICATE_REGIONS.get((name, round(c.y), round(c.x)))
    if suffix:
        code = f"{code}-{suffix}"
    return District(code=code, name=_CITIES.get(code, name), source="geoBoundaries")


def _with_regions(
    districts: list[tuple[District, BaseGeometry]], table: RegionTable
) -> list[tuple[District, BaseGeometry]]:
    """Set every district's region; a district the file lacks (or a stale entry) fails here, at load, not later
    as a report with no police department."""
    codes = {d.code for d, _ in districts}
    missing, stale = sorted(codes - set(table.districts)), sorted(set(table.districts) - codes)
    if missing or stale:
        raise ValueError(f"{REGIONS_FILE} does not match the districts: missing {missing}, not a district {stale}")
    return [(replace(d, region=table.districts[d.code]), g) for d, g in districts]


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
        self._geom_by_code = {d.code: g for d, g in zip(self._districts, self._geoms, strict=True)}

    @classmethod
    def from_dir(cls, geo_dir: Path = GEO_DIR) -> DistrictIndex:
        adm2 = json.loads((geo_dir / ADM2_FILE).read_text(encoding="utf-8"))
        districts: list[tuple[District, BaseGeometry]] = []
        for feature in adm2["features"]:
            geom = shape(feature["geometry"])
            districts.append((_district_for(feature["properties"]["shapeName"], geom), geom))
        astana = json.loads((geo_dir / ASTANA_FILE).read_text(encoding="utf-8"))
        for feature in astana["features"]:
            district = District(code="astana", name="Astana", source="OpenStreetMap")
            districts.append((district, shape(feature["geometry"])))
        return cls(_with_regions(districts, read_regions(geo_dir)))

    def locate(self, lat: float, lon: float) -> District | None:
        """The most specific district containing the point, or None outside every polygon."""
        point = Point(lon, lat)
        hits = self._tree.query(point, predicate="intersects")
        if len(hits) == 0:
            return None
        # tree indices follow the area-sorted order, so the smallest containing polygon is the lowest index
        return self._districts[int(min(hits))]

    def nearest(self, lat: float, lon: float) -> District:
        """The district whose polygon is nearest to the point (the containing one when there is one); among equally
        near ones (a point facing a vertex two districts share) the smallest, as in `locate`, not the STRtree's pick.

        ValueError for a point that is not one (NaN, infinite): the tree would name an arbitrary district."""
        hits = self._tree.query_nearest(Point(lon, lat), all_matches=True)
        if len(hits) == 0:
            raise ValueError(f"no district is nearest to ({lat!r}, {lon!r})")
        # tree indices follow the area-sorted order, so the smallest of the equally near is the lowest index
        return self._districts[int(min(hits))]

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

    def geometry(self, code: str) -> BaseGeometry:
        """A district's (simplified) polygon, e.g. to check a region table against the map."""
        return self._geom_by_code[code]

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
