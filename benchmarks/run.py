"""Benchmark runner: prints a table of figures; nothing here is asserted.

    python benchmarks/run.py            # full sizes (about a minute on 2 cores)
    python benchmarks/run.py --quick    # smaller sizes, as .ci/run reports them

Each library figure is timed beside a minimal hand-written baseline of the same work, in the
same run, and reported as a ratio. Targets: import < 150 ms; screening < 50 µs per
patient; stop-rule evaluation at 10,000 patients x 50,000 events < 5 s, scaling no worse
than n log n.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import random
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import bench_screening  # the screening cohort and its dict-and-if baseline

from aclf_protocol import (
    NCT04822922,
    Patient,
    SafetyEvent,
    check_eligibility,
    evaluate_stop_rules,
    plan_infusions,
)
from aclf_protocol.schedule import build_plan

ON = bench_screening.ON
START = date(2021, 10, 2)


def best_of(run: Callable[[], object], repeats: int = 3) -> float:
    """Best wall time of *repeats* runs, seconds."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        run()
        times.append(time.perf_counter() - t0)
    return min(times)


def import_time(modules: str = "aclf_protocol", repeats: int = 7) -> float:
    """Best time to import *modules* in a fresh interpreter (bytecode cached), seconds."""
    code = f"import time; t = time.perf_counter(); import {modules}; print(time.perf_counter() - t)"
    return min(
        float(subprocess.check_output([sys.executable, "-c", code], text=True))  # noqa: S603
        for _ in range(repeats)
    )


#: The anchor of the import figure: the run-time dependencies alone (target: the package
#: imports in < 100 ms on the 2-core machine).
DEPENDENCIES = "attrs, dateutil.relativedelta, decimal, enum, datetime"


# --- plans -------------------------------------------------------------------------------------


def baseline_plan(weight: Decimal, dose: int, start: date) -> list[dict[str, Any]]:
    """A hand-written plan: four dicts of day, date, window and cells."""
    cells = int((weight * dose).to_integral_value(rounding=ROUND_HALF_UP))
    rows = []
    for day, before, after in ((1, 0, 0), (4, 1, 1), (7, 1, 1), (10, 1, 1)):
        when = start + timedelta(days=day - 1)
        rows.append(
            {
                "day": day,
                "date": when,
                "start": when - timedelta(days=before),
                "end": when + timedelta(days=after),
                "cells": cells,
            }
        )
    return rows


# --- stop rules --------------------------------------------------------------------------------

SERIOUS = ("hospitalisation",)


def cohort(n_patients: int, n_events: int, seed: int = 7) -> tuple[list[Any], list[SafetyEvent]]:
    """Plans with staggered starts and events, mostly not serious, none a reaction (CONTINUE)."""
    rng = random.Random(seed)
    arms = NCT04822922.arm_ids
    plans = [
        build_plan(
            patient_id=f"P{i:06d}",
            weight_kg=Decimal(rng.randint(40_000, 120_000)) / 1000,
            arm=arms[i % 3],
            start=START + timedelta(days=i % 400),
        )
        for i in range(n_patients)
    ]
    events = []
    for j in range(n_events):
        plan = plans[rng.randrange(n_patients)]
        onset = plan.start + timedelta(days=rng.randint(0, 40))
        serious = rng.random() < 0.05
        events.append(
            SafetyEvent.from_dict(
                {
                    "event_id": f"E{j:07d}",
                    "patient_id": plan.patient_id,
                    "term": "Event",
                    "onset_date": onset.isoformat(),
                    "awareness_date": (onset + timedelta(days=rng.randint(0, 3))).isoformat(),
                    "seriousness": list(SERIOUS) if serious else [],
                    "grade": 3 if serious else 1,
                    "causality": "unrelated" if serious else rng.choice(["possible", "unlikely"]),
                    "expectedness": "expected",
                    "outcome": "recovered",
                }
            )
        )
    return plans, events


def baseline_stop(plans: list[Any], events: list[SafetyEvent], on: date) -> str:
    """A hand-written R1/R2 check: dict of plans, one pass over events."""
    by_id = {p.patient_id: p for p in plans}
    latest: dict[str, SafetyEvent] = {}
    for e in events:
        if e.awareness_date <= on:
            kept = latest.get(e.event_id)
            if kept is None or e.awareness_date >= kept.awareness_date:
                latest[e.event_id] = e
    decision = "continue"
    for e in latest.values():
        plan = by_id[e.patient_id]
        end = plan.start + timedelta(days=9)
        if e.seriousness and plan.start <= e.onset_date <= end:
            if e.causality.value in {"certain", "probable", "possible"}:
                return "terminate"
            if e.causality.value == "not_assessed":
                decision = "suspend"
    return decision


def stop_rule_rows(sizes: list[tuple[int, int]]) -> list[tuple[str, float, float | None]]:
    """Timings of evaluate_stop_rules and its baseline at each size, plus n log n scaling."""
    rows: list[tuple[str, float, float | None]] = []
    on = START + timedelta(days=500)
    for n_patients, n_events in sizes:
        plans, events = cohort(n_patients, n_events)
        lib = best_of(functools.partial(evaluate_stop_rules, plans, events, on=on), 2)
        base = best_of(functools.partial(baseline_stop, plans, events, on), 2)
        assert evaluate_stop_rules(plans, events, on=on).decision.value == baseline_stop(
            plans, events, on
        )
        n = n_patients + n_events
        rows.append((f"evaluate_stop_rules {n_patients:,} x {n_events:,}", lib, base))
        rows.append((f"  per (n log n) unit, n = {n:,} (ns)", lib / (n * math.log(n)) * 1e9, None))
    return rows


# --- JSON round trip ---------------------------------------------------------------------------


def round_trip_rows(records: list[dict[str, Any]]) -> list[tuple[str, float, float | None]]:
    """Per-patient JSON round trip through the model against plain json."""
    patients = [Patient.from_dict(r) for r in records]

    def lib() -> None:
        for p in patients:
            Patient.from_dict(json.loads(json.dumps(p.to_dict())))

    def base() -> None:
        for r in records:
            json.loads(json.dumps(r))

    n = len(records)
    return [("JSON round trip per patient (µs)", best_of(lib) / n * 1e6, best_of(base) / n * 1e6)]


def main(argv: list[str] | None = None) -> None:
    """Print the table."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI)")
    args = parser.parse_args(argv)
    n = 5_000 if args.quick else 20_000
    sizes = (
        [(16, 50), (1_000, 5_000), (2_000, 10_000), (4_000, 20_000), (10_000, 50_000)]
        if args.quick
        else [(16, 50), (2_500, 12_500), (5_000, 25_000), (10_000, 50_000)]
    )
    rng = random.Random(20211001)
    records = [bench_screening.make_record(rng, i) for i in range(n)]
    patients = [Patient.from_dict(r) for r in records]

    rows: list[tuple[str, float, float | None]] = [
        (
            "import aclf_protocol (ms; baseline: its dependencies)",
            import_time() * 1e3,
            import_time(DEPENDENCIES) * 1e3,
        ),
    ]
    screen_lib = best_of(lambda: [check_eligibility(p, ON) for p in patients]) / n * 1e6
    screen_base = best_of(lambda: [bench_screening.baseline_status(r) for r in records]) / n * 1e6
    rows.append(("check_eligibility per patient (µs)", screen_lib, screen_base))
    plan_lib = best_of(lambda: [plan_infusions(p, "high", START) for p in patients]) / n * 1e6
    weights = [p.weight_kg for p in patients if p.weight_kg is not None]  # all known here
    plan_base = (
        best_of(lambda: [baseline_plan(weight, 1_200_000, START) for weight in weights]) / n * 1e6
    )
    rows.append(("plan_infusions per plan (µs)", plan_lib, plan_base))
    rows += round_trip_rows(records)
    rows += stop_rule_rows(sizes)

    print(f"{'figure':<48} {'library':>12} {'baseline':>12} {'ratio':>7}")
    for name, lib, base in rows:
        unit = "s" if name.startswith("evaluate") else ""
        ratio = f"{lib / base:7.2f}" if base else ""
        base_text = f"{base:12.3f}" if base is not None else " " * 12
        print(f"{name:<48} {lib:12.3f}{unit:1} {base_text} {ratio}")


if __name__ == "__main__":
    main()
