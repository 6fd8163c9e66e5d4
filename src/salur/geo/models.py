"""Tables of the reference geography, keyed by official codes (dotted Kemendagri/KPU codes).

Codes, not names, are the keys: KPU and Kemendagri spell many names differently (see the data's
SOURCES.md), while the codes agree.
"""

from __future__ import annotations

from sqlalchemy import Boolean, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from salur.db import Base


class Province(Base):
    __tablename__ = "province"

    code: Mapped[str] = mapped_column(String(2), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    name_kpu: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class Regency(Base):
    """Kabupaten/kota: the level whose KPU owns the logistics warehouse."""

    __tablename__ = "regency"

    code: Mapped[str] = mapped_column(String(5), primary_key=True)
    province_code: Mapped[str] = mapped_column(ForeignKey("province.code"), index=True)
    name: Mapped[str] = mapped_column(Text)
    name_kpu: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))  # kabupaten | kota
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class District(Base):
    """Kecamatan: one PPK each."""

    __tablename__ = "district"

    code: Mapped[str] = mapped_column(String(8), primary_key=True)
    regency_code: Mapped[str] = mapped_column(ForeignKey("regency.code"), index=True)
    name: Mapped[str] = mapped_column(Text)
    name_kpu: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class Village(Base):
    """Desa/kelurahan: one PPS each; carries the three dapil its TPS vote in."""

    __tablename__ = "village"

    code: Mapped[str] = mapped_column(String(13), primary_key=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    name: Mapped[str] = mapped_column(Text)
    name_kpu: Mapped[str | None] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(10))  # desa | kelurahan | desa_adat
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    coord_source: Mapped[str | None] = mapped_column(Text)
    dapil_dpr_ri: Mapped[str | None] = mapped_column(String(10))
    dapil_dprd_prov: Mapped[str | None] = mapped_column(String(10))
    dapil_dprd_kab: Mapped[str | None] = mapped_column(String(10))
    landmass_id: Mapped[str | None] = mapped_column(String(10))
    on_island: Mapped[bool | None] = mapped_column(Boolean)
    water_crossing: Mapped[bool | None] = mapped_column(Boolean)
    # Sirekap (C.Hasil PPWP) partial sums: the raw material of the openly labelled DPT estimate.
    dpt_reported: Mapped[int | None] = mapped_column(Integer)
    tps_reported: Mapped[int | None] = mapped_column(Integer)
    dpt_flag: Mapped[str | None] = mapped_column(Text)


class Tps(Base):
    """One polling station. `dpt_source` says whether its DPT is official or salur's estimate."""

    __tablename__ = "tps"
    __table_args__ = (Index("ix_tps_village_number", "village_code", "number", unique=True),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    code: Mapped[str] = mapped_column(String(13), unique=True)  # Sirekap id: desa code + 3 digits
    village_code: Mapped[str] = mapped_column(ForeignKey("village.code"))
    number: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(15))  # regular | special (TPS 9xx, lokasi khusus)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    dpt: Mapped[int | None] = mapped_column(Integer)
    dpt_source: Mapped[str | None] = mapped_column(String(10))  # official | estimated


class Dapil(Base):
    """An electoral district of one level (dpr_ri, dprd_prov, dprd_kab)."""

    __tablename__ = "dapil"

    level: Mapped[str] = mapped_column(String(10), primary_key=True)
    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    province_code: Mapped[str | None] = mapped_column(String(2))


class Landmass(Base):
    """A connected piece of land (Sumatra mainland, Pulau Rupat, ...): crossing one needs a boat."""

    __tablename__ = "landmass"

    id: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(Text)
    area_km2: Mapped[float | None] = mapped_column(Float)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)


class LogisticsSite(Base):
    """KPU warehouses, staging sites and ports, with the public source that names them."""

    __tablename__ = "logistics_site"

    id: Mapped[str] = mapped_column(Text, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(5), index=True)
    kind: Mapped[str] = mapped_column(Text)
    description: Mapped[str] = mapped_column(Text)
    address: Mapped[str | None] = mapped_column(Text)
    district_code: Mapped[str | None] = mapped_column(ForeignKey("district.code"))
    village_code: Mapped[str | None] = mapped_column(ForeignKey("village.code"))
    location_precision: Mapped[str | None] = mapped_column(Text)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    source_url: Mapped[str | None] = mapped_column(Text)
    source_date: Mapped[str | None] = mapped_column(String(10))


class WaterAccess(Base):
    """Public evidence that a kecamatan's logistics travel by water (river or sea)."""

    __tablename__ = "water_access"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    district_code: Mapped[str] = mapped_column(ForeignKey("district.code"), index=True)
    mode: Mapped[str] = mapped_column(Text)
    evidence: Mapped[str] = mapped_column(Text)
    source_url: Mapped[str | None] = mapped_column(Text)
    source_date: Mapped[str | None] = mapped_column(String(10))


class DptTotal(Base):
    """An official DPT total for a region ('' = national domestic): what estimates scale to."""

    __tablename__ = "dpt_total"

    region_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    dpt: Mapped[int] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(Text)
