"""Reads a reference-data folder (the format of shared/data/riau or shared/data/indonesia) into
validated rows, before anything touches the database.

Both formats are accepted: the Riau folder lists every TPS in `tps.csv` and adds landmasses,
warehouses and water-access evidence; the national folder gives each desa's TPS numbers
(`tps_numbers`, e.g. `1-43;901-906`) and a `provinces.csv`. Optional files are simply absent.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from salur.config import PACKAGE_DATA
from salur.csvrows import Row, read_rows
from salur.errors import InputError

Record = dict[str, Any]

SPECIAL_TPS_FROM = 901  # TPS 9xx are lokasi khusus (prisons, hospitals, campuses)


@dataclass
class ReferenceData:
    """Everything one folder holds, as rows ready for the tables in `geo.models`."""

    folder: Path
    provinces: list[Record] = field(default_factory=list)
    regencies: list[Record] = field(default_factory=list)
    districts: list[Record] = field(default_factory=list)
    villages: list[Record] = field(default_factory=list)
    tps: list[Record] = field(default_factory=list)
    dapil: list[Record] = field(default_factory=list)
    landmasses: list[Record] = field(default_factory=list)
    sites: list[Record] = field(default_factory=list)
    water_access: list[Record] = field(default_factory=list)
    dpt_totals: list[Record] = field(default_factory=list)


def read_folder(folder: Path) -> ReferenceData:
    """Read and cross-check every file of `folder`; raise `InputError` on the first bad cell."""
    if not (folder / "villages.csv").is_file():
        raise InputError("input.not_a_data_folder", file=folder)
    data = ReferenceData(folder)
    data.regencies = _regencies(folder / "regencies.csv")
    data.provinces = _provinces(folder, {r["province_code"] for r in data.regencies})
    _check_parents(folder / "regencies.csv", data.regencies, "province_code", data.provinces)
    data.districts = _districts(folder / "districts.csv")
    _check_parents(folder / "districts.csv", data.districts, "regency_code", data.regencies)
    data.villages, numbers = _villages(folder / "villages.csv")
    _check_parents(folder / "villages.csv", data.villages, "district_code", data.districts)
    if (folder / "tps.csv").is_file():
        data.tps = _tps_file(folder / "tps.csv", data.villages, numbers)
    else:
        data.tps = list(_tps_from_numbers(data.villages, numbers))
    data.dapil = _dapil(folder)
    data.landmasses = _landmasses(folder / "landmasses.csv")
    data.sites = _sites(folder / "logistics_sites.csv", data)
    data.water_access = _water_access(folder / "water_access_evidence.csv", data)
    data.dpt_totals = _dpt_totals(folder)
    return data


def _unique(rows: Iterable[Row], column: str = "code") -> Iterable[tuple[Row, str]]:
    seen: dict[str, int] = {}
    for row in rows:
        code = row.text(column)
        if code in seen:
            raise row.fail(column, "input.duplicate_code", first_row=seen[code])
        seen[code] = row.number
        yield row, code


def _point(row: Row) -> tuple[float | None, float | None]:
    """A point on land: the Riau files' `inside_*` point when given (a centroid can be at sea)."""
    if row.opt_text("inside_lat") is not None:
        return row.opt_float("inside_lat"), row.opt_float("inside_lon")
    return row.opt_float("lat"), row.opt_float("lon")


def _check_parents(file: Path, rows: list[Record], column: str, parents: list[Record]) -> None:
    known = {p["code"] for p in parents}
    for record in rows:
        if record[column] not in known:
            raise InputError(
                "input.unknown_parent",
                file=file,
                row=record["_row"],
                column=column,
                value=record[column],
            )
        if not str(record["code"]).startswith(str(record[column]) + "."):
            raise InputError(
                "input.code_not_under_parent",
                file=file,
                row=record["_row"],
                column="code",
                value=record["code"],
                parent=record[column],
            )


def _regencies(path: Path) -> list[Record]:
    out = []
    for row, code in _unique(read_rows(path, ["code", "province_code", "name", "type"])):
        lat, lon = _point(row)
        kind = row.text("type")
        if kind not in ("kabupaten", "kota"):
            raise row.fail("type", "input.unknown_value", allowed="kabupaten, kota")
        out.append(
            {
                "_row": row.number,
                "code": code,
                "province_code": row.text("province_code"),
                "name": row.text("name"),
                "name_kpu": row.opt_text("name_kpu"),
                "kind": kind,
                "lat": lat,
                "lon": lon,
            }
        )
    return out


def _provinces(folder: Path, codes: set[str]) -> list[Record]:
    """provinces.csv when the folder has one; else the national table names the provinces."""
    path = folder / "provinces.csv"
    own = path.is_file()
    if not own:
        path = PACKAGE_DATA / "indonesia" / "provinces.csv"
    out = []
    for row, code in _unique(read_rows(path, ["code", "name"])):
        if not own and code not in codes:
            continue
        out.append(
            {
                "_row": row.number,
                "code": code,
                "name": row.text("name"),
                "name_kpu": row.opt_text("name_kpu"),
                "lat": row.opt_float("lat"),
                "lon": row.opt_float("lon"),
            }
        )
    found = {p["code"] for p in out}
    out.extend(
        {"_row": None, "code": c, "name": c, "name_kpu": None, "lat": None, "lon": None}
        for c in sorted(codes - found)
    )
    return out


def _districts(path: Path) -> list[Record]:
    out = []
    for row, code in _unique(read_rows(path, ["code", "regency_code", "name"])):
        lat, lon = _point(row)
        out.append(
            {
                "_row": row.number,
                "code": code,
                "regency_code": row.text("regency_code"),
                "name": row.text("name"),
                "name_kpu": row.opt_text("name_kpu"),
                "lat": lat,
                "lon": lon,
            }
        )
    return out


def parse_tps_numbers(row: Row, column: str = "tps_numbers") -> list[int]:
    """`1-43;901-906` -> [1, ..., 43, 901, ..., 906], refusing overlaps and bad ranges."""
    numbers: list[int] = []
    for part in row.text(column).split(";"):
        first, _, last = part.strip().partition("-")
        try:
            lo, hi = int(first), int(last or first)
        except ValueError:
            raise row.fail(column, "input.bad_tps_numbers") from None
        if lo < 1 or hi < lo or (numbers and lo <= numbers[-1]):
            raise row.fail(column, "input.bad_tps_numbers")
        numbers.extend(range(lo, hi + 1))
    return numbers


def _villages(path: Path) -> tuple[list[Record], dict[str, list[int]]]:
    required = ["code", "district_code", "name", "type", "tps_numbers"]
    out = []
    numbers: dict[str, list[int]] = {}
    for row, code in _unique(read_rows(path, required)):
        kind = row.text("type")
        if kind not in ("desa", "kelurahan", "desa_adat"):
            raise row.fail("type", "input.unknown_value", allowed="desa, kelurahan, desa_adat")
        nums = parse_tps_numbers(row)
        count = row.opt_count("tps_count")
        if count is not None and count != len(nums):
            raise row.fail("tps_count", "input.tps_count_mismatch", listed=len(nums))
        numbers[code] = nums
        lat, lon = _point(row)
        out.append(
            {
                "_row": row.number,
                "code": code,
                "district_code": row.text("district_code"),
                "name": row.text("name"),
                "name_kpu": row.opt_text("name_kpu"),
                "kind": kind,
                "lat": lat,
                "lon": lon,
                "coord_source": row.opt_text("coord_source"),
                "dapil_dpr_ri": row.opt_text("dapil_dpr_ri"),
                "dapil_dprd_prov": row.opt_text("dapil_dprd_prov"),
                "dapil_dprd_kab": row.opt_text("dapil_dprd_kab"),
                "landmass_id": row.opt_text("landmass_id"),
                "on_island": row.opt_flag("on_island"),
                "water_crossing": row.opt_flag("water_crossing_from_kpu_kab"),
                "dpt_reported": row.opt_count("dpt_reported"),
                "tps_reported": row.opt_count("tps_reported"),
                "dpt_flag": row.opt_text("dpt_flag"),
            }
        )
    return out, numbers


def _tps_record(village: str, number: int) -> Record:
    return {
        "code": village.replace(".", "") + f"{number:03d}",
        "village_code": village,
        "number": number,
        "name": f"TPS {number:03d}",
        "kind": "special" if number >= SPECIAL_TPS_FROM else "regular",
    }


def _tps_from_numbers(villages: list[Record], numbers: dict[str, list[int]]) -> Iterable[Record]:
    for village in villages:
        for number in numbers[village["code"]]:
            yield _tps_record(village["code"], number)


def _tps_file(path: Path, villages: list[Record], numbers: dict[str, list[int]]) -> list[Record]:
    """tps.csv, checked against the villages: known desa, matching code, same TPS numbers."""
    required = ["tps_code_kpu", "village_code", "tps_no"]
    seen: dict[str, list[int]] = {}
    out = []
    for row, code in _unique(read_rows(path, required), "tps_code_kpu"):
        village = row.text("village_code")
        if village not in numbers:
            raise row.fail("village_code", "input.unknown_parent")
        number = row.count("tps_no")
        record = _tps_record(village, number)
        if record["code"] != code:
            raise row.fail("tps_code_kpu", "input.tps_code_mismatch", expected=record["code"])
        seen.setdefault(village, []).append(number)
        out.append(record)
    for desa in villages:
        if sorted(seen.get(desa["code"], [])) != numbers[desa["code"]]:
            raise InputError(
                "input.tps_list_mismatch", file=path, column="village_code", value=desa["code"]
            )
    return out


def _dapil(folder: Path) -> list[Record]:
    found: dict[tuple[str, str], Record] = {}
    for name in ("dapil.csv", "dapil_membership.csv"):
        path = folder / name
        if not path.is_file():
            continue
        for row in read_rows(path, ["level", "dapil_code", "dapil_name"]):
            level = row.text("level")
            if level not in ("dpr_ri", "dprd_prov", "dprd_kab"):
                raise row.fail(
                    "level", "input.unknown_value", allowed="dpr_ri, dprd_prov, dprd_kab"
                )
            code = row.text("dapil_code")
            province = row.opt_text("province_code") or code[:2]
            found.setdefault(
                (level, code),
                {
                    "level": level,
                    "code": code,
                    "name": row.text("dapil_name"),
                    "province_code": province,
                },
            )
    return list(found.values())


def _landmasses(path: Path) -> list[Record]:
    if not path.is_file():
        return []
    return [
        {
            "id": code,
            "name": row.opt_text("name") or code,  # many small landmasses carry no island name
            "area_km2": row.opt_float("area_km2"),
            "lat": row.opt_float("inside_lat"),
            "lon": row.opt_float("inside_lon"),
        }
        for row, code in _unique(read_rows(path, ["id"]), "id")
    ]


def _sites(path: Path, data: ReferenceData) -> list[Record]:
    if not path.is_file():
        return []
    districts = {d["code"] for d in data.districts}
    villages = {v["code"] for v in data.villages}
    out = []
    for row, code in _unique(read_rows(path, ["site_id", "regency_code", "site_type"]), "site_id"):
        district, village = row.opt_text("district_code"), row.opt_text("village_code")
        if district is not None and district not in districts:
            raise row.fail("district_code", "input.unknown_parent")
        if village is not None and village not in villages:
            raise row.fail("village_code", "input.unknown_parent")
        out.append(
            {
                "id": code,
                "region_code": row.text("regency_code"),
                "kind": row.text("site_type"),
                "description": row.opt_text("description") or code,
                "address": row.opt_text("address_text"),
                "district_code": district,
                "village_code": village,
                "location_precision": row.opt_text("location_precision"),
                "lat": row.opt_float("proxy_lat"),
                "lon": row.opt_float("proxy_lon"),
                "source_url": row.opt_text("source_url"),
                "source_date": row.opt_text("source_date"),
            }
        )
    return out


def _water_access(path: Path, data: ReferenceData) -> list[Record]:
    if not path.is_file():
        return []
    districts = {d["code"] for d in data.districts}
    out = []
    for row in read_rows(path, ["district_code", "evidence", "mode"]):
        district = row.text("district_code")
        if district not in districts:
            raise row.fail("district_code", "input.unknown_parent")
        out.append(
            {
                "district_code": district,
                "mode": row.text("mode"),
                "evidence": row.text("evidence"),
                "source_url": row.opt_text("source_url"),
                "source_date": row.opt_text("source_date"),
            }
        )
    return out


def _dpt_totals(folder: Path) -> list[Record]:
    """Official DPT totals: regencies.csv `dpt_official`, and DPT rows of reference_figures.csv.

    Two layouts exist: the Riau one (`scope_code, figure=dpt_total, value`) and the national one
    (`scope, code, figure=DPT | DPT domestic, official_value`); the national domestic total is
    stored under region code '' (the whole country).
    """
    totals: dict[str, Record] = {}
    path = folder / "reference_figures.csv"
    if path.is_file():
        for row in read_rows(path, ["figure"]):
            figure = row.text("figure")
            if "scope_code" in row.values and figure == "dpt_total":
                region, column = row.text("scope_code"), "value"
            elif "official_value" in row.values and figure in ("DPT", "DPT domestic"):
                region = row.opt_text("code") or ""
                column = "official_value"
            else:
                continue
            totals[region] = {
                "region_code": region,
                "dpt": row.count(column),
                "source": row.opt_text("source_url"),
            }
    for row in read_rows(folder / "regencies.csv", ["code"]):
        dpt = row.opt_count("dpt_official")
        if dpt is not None:
            totals[row.text("code")] = {
                "region_code": row.text("code"),
                "dpt": dpt,
                "source": row.opt_text("dpt_official_source"),
            }
    return list(totals.values())
