"""A plan small enough to follow by hand: two TPS of Kuala Kampar, one route per echelon.

E1: a truck from the Pelalawan warehouse to the PPK (10 h each way, H-20). E2: a boat from the
PPK to the desa on the Kampar tide (5 h, H-13, leaving inside the 06:00-10:00 window). E3: the
PPS's round to its two TPS (H-2). Every time follows the schedule's rules, so a replay without
hazards must arrive exactly as planned.
"""

from __future__ import annotations

from salur.planning.echelons import EchelonId
from salur.planning.plan import Plan, RoutePlan, StopPlan
from salur.planning.timetable import DAY

H = 3600
WAREHOUSE, PPK, DESA = "14-S12", "14.05.10", "14.05.10.1001"
TPS = ("1405101001001", "1405101001002")


def at(day: int, hours: float) -> int:
    return day * DAY + round(hours * H)


def route(
    route_id: str, echelon: EchelonId, mode: str, base: str, stops: list[StopPlan], unit: str
) -> RoutePlan:
    return RoutePlan(
        route_id=route_id,
        regency="14.05",
        echelon=echelon,
        mode=mode,
        vehicle_type="truck_6w" if mode == "truck" else f"{mode}_hired",
        unit=unit,
        hired=mode != "truck",
        base=base,
        escort=3,
        capacity_g=5_000_000,
        capacity_cm3=15_500_000,
        stops=tuple(stops),
    )


def stop(
    seq: int,
    site: str,
    kind: str,
    arrive: int,
    depart: int,
    leg: str = "",
    mode: str = "",
    km: float = 0.0,
    *,
    tide: str = "",
    link: str = "",
    loaded: tuple[str, ...] = (),
    unloaded: tuple[str, ...] = (),
) -> StopPlan:
    return StopPlan(
        seq,
        1,
        site,
        kind,
        arrive,
        depart,
        mode,
        leg,
        link,
        round(km * 1000),
        tide,
        loaded,
        unloaded,
    )


def tiny_plan(e1_roro: bool = False) -> Plan:
    """The plan; with ``e1_roro`` the truck rides the Dumai - Rupat ferry at 09:00 on its way."""
    if e1_roro:
        e1 = [
            stop(0, WAREHOUSE, "warehouse", at(-20, 7), at(-20, 9), loaded=TPS),
            stop(
                1,
                "P-X",
                "port",
                at(-20, 10.5),
                at(-20, 10.5),
                "roro",
                "roro",
                21,
                link="L-DUMAI-RUPAT",
            ),
            stop(
                2,
                PPK,
                "ppk",
                at(-20, 17.5),
                at(-20, 17.5 + 22 / 60),
                "road",
                "truck",
                210,
                unloaded=TPS,
            ),
            stop(
                3,
                WAREHOUSE,
                "warehouse",
                at(-19, 3.5 + 22 / 60),
                at(-19, 3.5 + 22 / 60),
                "road",
                "truck",
                300,
            ),
        ]
    else:
        e1 = [
            stop(0, WAREHOUSE, "warehouse", at(-20, 7), at(-20, 7.5), loaded=TPS),
            stop(
                1,
                PPK,
                "ppk",
                at(-20, 17.5),
                at(-20, 17.5 + 22 / 60),
                "road",
                "truck",
                300,
                unloaded=TPS,
            ),
            stop(
                2,
                WAREHOUSE,
                "warehouse",
                at(-19, 3.5 + 22 / 60),
                at(-19, 3.5 + 22 / 60),
                "road",
                "truck",
                300,
            ),
        ]
    e2 = [
        stop(0, PPK, "ppk", at(-13, 7), at(-13, 7.5), loaded=TPS),
        stop(
            1,
            DESA,
            "pps",
            at(-13, 12.5),
            at(-13, 12.5 + 22 / 60),
            "boat",
            "pompong",
            60,
            tide="TIDE-KAMPAR",
            unloaded=TPS,
        ),
        stop(
            2, PPK, "ppk", at(-13, 17.5 + 22 / 60), at(-13, 17.5 + 22 / 60), "boat", "pompong", 60
        ),
    ]
    e3 = [
        stop(0, DESA, "pps", at(-2, 7), at(-2, 7.5), loaded=TPS),
        stop(
            1,
            TPS[0],
            "tps",
            at(-2, 8),
            at(-2, 8 + 21 / 60),
            "road",
            "pickup",
            10,
            unloaded=(TPS[0],),
        ),
        stop(2, TPS[1], "tps", at(-2, 8.6), at(-2, 8.95), "road", "pickup", 5, unloaded=(TPS[1],)),
        stop(3, DESA, "pps", at(-2, 9.2), at(-2, 9.2), "road", "pickup", 5),
    ]
    routes = (
        route(
            "E1-14.05-00001", EchelonId.WAREHOUSE_PPK, "truck", WAREHOUSE, e1, "14-S12/truck_6w#01"
        ),
        route("E2-14.05-00001", EchelonId.PPK_PPS, "pompong", PPK, e2, "14.05.10/pompong_hired#01"),
        route("E3-14.05-00001", EchelonId.PPS_TPS, "pickup", DESA, e3, f"{DESA}/pickup_local#01"),
    )
    return Plan("14.05", "Kabupaten Pelalawan", routes, (), TPS, 0, "")
