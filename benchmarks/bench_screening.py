"""Screening throughput and memory (SPEC §5): a plain script, not a test.

    python benchmarks/bench_screening.py [--n 100000] [--seed 20211001] [--quick]

A synthetic cohort of EDC-style patient records is generated deterministically with
``random.Random(seed)``. Reported, never asserted:

* library screening throughput (``screen`` over parsed ``Patient`` values), patients/second,
  with and without every reason written out (``to_dict``);
* the same cohort's dicts through a minimal hand-written dict-and-if implementation of the
  same rules (three-valued, ACLF grade over unknown labs);
* three ratios, each against its anchor measured in the same run: ``screen`` / baseline
  (target <= 2), ``summarise_screening(screen(...))`` / ``screen`` (target <= 2: counting
  writes no sentence) and one ``check_eligibility`` call per patient / baseline (target
  <= 1.5), with ``check_eligibility`` / ``screen`` (the cost of one call's set-up);
* whether both give the same status for every patient (they must);
* parsing (``Patient.from_dict``) throughput, and end-to-end parse + screen time;
* peak traced memory (tracemalloc) of the lazy pipeline records -> patients -> screen ->
  summary at two cohort sizes: flat memory means the peak does not grow with the cohort.

Timings interleave library and baseline chunk by chunk and keep the best of ``--repeats``
runs of each chunk, so a busy machine disturbs both alike.
"""

from __future__ import annotations

import argparse
import itertools
import random
import time
import tracemalloc
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from typing import Any

from dateutil.relativedelta import relativedelta

from aclf_protocol import Patient, check_eligibility
from aclf_protocol.eligibility import screen, summarise_screening

ON = date(2021, 10, 1)
CHUNK = 5_000
Record = dict[str, Any]

HISTORY_FLAGS = (
    "artificial_liver_planned",
    "prior_liver_transplant",
    "prior_stem_cell_therapy",
    "malignancy",
    "imaging_suspected_liver_malignancy",
    "tuberculosis",
    "severe_autoimmune_disease",
    "severe_cardiopulmonary_insufficiency",
    "immunosuppressive_therapy",
    "hiv",
    "substance_addiction",
)
HISTORY_DATES = ("last_drug_trial", "last_gi_bleeding", "last_serious_infection")


# --- cohort ----------------------------------------------------------------------------------


def _maybe(rng: random.Random, value: object, unknown: float = 0.04) -> object:
    return None if rng.random() < unknown else value


def make_record(rng: random.Random, number: int) -> Record:
    """One plausible screening record; about 4 % of clinical facts unknown."""
    birth = date(1940, 1, 1) + timedelta(days=rng.randrange(0, 66 * 365))
    ventilated = rng.random() < 0.05
    labs = {
        "bilirubin_mg_dl": _maybe(rng, round(rng.uniform(0.5, 30), 1)),
        "creatinine_mg_dl": _maybe(rng, round(rng.uniform(0.5, 4.5), 2)),
        "inr": _maybe(rng, round(rng.uniform(0.9, 3.5), 2)),
        "he_grade": _maybe(rng, rng.choice((0, 0, 0, 1, 2, 3, 4))),
        "map_mmhg": _maybe(rng, rng.randrange(50, 110)),
        "vasopressors": _maybe(rng, rng.random() < 0.1),
        "pao2_fio2": _maybe(rng, rng.randrange(120, 480), unknown=0.3),
        "spo2_fio2": _maybe(rng, rng.randrange(150, 470), unknown=0.5),
        "mechanical_ventilation": _maybe(rng, ventilated),
        "ventilation_reason": rng.choice(("respiratory", "hepatic_encephalopathy")),
        "renal_replacement": _maybe(rng, rng.random() < 0.05),
        "wbc_10e9_l": round(rng.uniform(2, 25), 1),
        "sodium_mmol_l": rng.randrange(120, 145),
    }
    history: Record = {k: _maybe(rng, rng.random() < 0.02) for k in HISTORY_FLAGS}
    for key in HISTORY_DATES:
        roll = rng.random()
        if roll < 0.04:
            history[key] = None
        elif roll < 0.85:
            history[key] = "never"
        else:
            history[key] = (ON - timedelta(days=rng.randrange(0, 400))).isoformat()
    female = rng.random() < 0.3
    history["pregnant"] = _maybe(rng, False, unknown=0.5) if female else None
    history["lactating"] = _maybe(rng, False, unknown=0.5) if female else None
    signer = rng.choice(("patient", "patient", "patient", "family", "declined", None))
    return {
        "patient_id": f"SYN-{number:06d}",
        "birth_date": birth.isoformat(),
        "sex": "female" if female else "male",
        "weight_kg": str(round(rng.uniform(40, 110), 1)),
        "chronic_liver_disease": _maybe(rng, rng.random() < 0.95),
        "labs": labs,
        "history": history,
        "consent": {
            "signed_by": signer,
            "has_capacity": _maybe(rng, rng.random() < 0.9),
            "adult_family_available": True if signer == "family" else _maybe(rng, True),
        },
    }


def records(n: int, seed: int) -> Iterator[Record]:
    """The cohort, lazily: record *i* is the same whatever *n* is."""
    rng = random.Random(seed)
    return (make_record(rng, number) for number in range(n))


# --- baseline: the same rules as plain dict-and-if code ------------------------------------

ANY = (1, 2, 3)
DRUG_SINCE = ON - relativedelta(months=3)
BLEED_SINCE = ON - relativedelta(months=1)


def _band(value: float | None, low: float, high: float, *, up_inclusive: bool) -> tuple[int, ...]:
    if value is None:
        return ANY
    if up_inclusive:
        return (1,) if value < low else (2,) if value < high else (3,)
    return (1,) if value < low else (2,) if value <= high else (3,)


def _kidney(labs: Record) -> tuple[int, ...]:
    """0: Cr < 1.5, 1: 1.5 <= Cr < 2, 2: failed."""
    cr, rrt = labs["creatinine_mg_dl"], labs["renal_replacement"]
    if rrt:
        return (2,)
    if cr is None:
        return (0, 1, 2)
    return ((0,) if cr < 1.5 else (1,) if cr < 2 else (2,)) + ((2,) if rrt is None else ())


def _brain(labs: Record, *, he_vent: bool) -> tuple[int, ...]:
    he, vent = labs["he_grade"], labs["mechanical_ventilation"]
    if he_vent and vent:
        return (3,)
    brain = ANY if he is None else ((1,) if he == 0 else (2,) if he < 3 else (3,))
    return brain + ((3,) if he_vent and vent is None else ())


def _respiration(labs: Record, *, he_vent: bool) -> tuple[int, ...]:
    vent = labs["mechanical_ventilation"]
    if not he_vent and vent:
        return (3,)
    pf, sf = labs["pao2_fio2"], labs["spo2_fio2"]
    if pf is not None:
        resp: tuple[int, ...] = (1,) if pf > 300 else (2,) if pf > 200 else (3,)
    elif sf is not None:
        resp = (1,) if sf > 357 else (2,) if sf > 214 else (3,)
    else:
        resp = ANY
    return resp + ((3,) if not he_vent and vent is None else ())


def _grade(failures: int, kidney: int, brain: int) -> int:
    if failures != 1:
        return min(failures, 3) if failures else 0
    if kidney == 2:
        return 1
    if brain == 3:
        return 1 if kidney == 1 else 0
    return 1 if kidney == 1 or brain == 2 else 0


def _grades(labs: Record) -> set[int]:
    he_vent = labs["ventilation_reason"] == "hepatic_encephalopathy"
    liver = _band(labs["bilirubin_mg_dl"], 6, 12, up_inclusive=False)
    coag = _band(labs["inr"], 2, 2.5, up_inclusive=True)
    pressors = labs["vasopressors"]
    circ = (3,) if pressors else (1,) if pressors is False else (1, 3)
    organs = itertools.product(
        liver, _kidney(labs), _brain(labs, he_vent=he_vent), coag, circ,
        _respiration(labs, he_vent=he_vent),
    )  # fmt: skip
    return {
        _grade((li == 3) + (ki == 2) + (br == 3) + (co == 3) + (ci == 3) + (re == 3), ki, br)
        for li, ki, br, co, ci, re in organs
    }


def _any(values: list[bool | None]) -> bool | None:
    if True in values:
        return True
    return None if None in values else False


def _recent(value: str | None, since: date) -> bool | None:
    if value is None:
        return None
    return value != "never" and date.fromisoformat(value) >= since


def baseline_status(rec: Record) -> str:
    """Eligibility status of one record, as plain code (§5); no reasons, no objects."""
    birth = date.fromisoformat(rec["birth_date"])
    age = ON.year - birth.year - ((ON.month, ON.day) < (birth.month, birth.day))
    labs, h, c = rec["labs"], rec["history"], rec["consent"]
    grades = _grades(labs)
    cld = rec["chronic_liver_disease"]
    if not grades & {1, 2} or cld is False:
        i2: bool | None = False
    elif grades <= {1, 2} and cld is True:
        i2 = True
    else:
        i2 = None
    signer, capacity = c["signed_by"], c["has_capacity"]
    i3: bool | None = None  # §5 I3 v2: not yet obtained, or capacity unknown
    if signer == "family" or (signer == "patient" and capacity is True):
        i3 = True
    elif signer == "declined" or (signer == "patient" and capacity is False):
        i3 = False
    inclusions = [18 <= age <= 70, i2, i3]
    e4 = [h[k] for k in HISTORY_FLAGS[6:]] + [labs["renal_replacement"], h["tuberculosis"]]
    e4.append(_recent(h["last_drug_trial"], DRUG_SINCE))
    e5 = [_recent(h["last_gi_bleeding"], BLEED_SINCE)]
    e5.append(_recent(h["last_serious_infection"], BLEED_SINCE))
    pregnancy = [h["pregnant"], h["lactating"]]
    e6 = (True in pregnancy) if rec["sex"] == "male" else _any(pregnancy)
    cap, fam = c["has_capacity"], c["adult_family_available"]
    if cap is True or fam is True or c["signed_by"] == "family":
        e7: bool | None = False
    elif cap is False and fam is False:
        e7 = True
    else:
        e7 = None
    exclusions = [
        h["artificial_liver_planned"],
        _any([h["prior_liver_transplant"], h["prior_stem_cell_therapy"]]),
        _any([h["malignancy"], h["imaging_suspected_liver_malignancy"], h["tuberculosis"]]),
        _any(e4),
        _any(e5),
        e6,
        e7,
    ]
    if False in inclusions or True in exclusions:
        return "ineligible"
    if None in inclusions or None in exclusions:
        return "incomplete"
    return "eligible"


# --- measurement ---------------------------------------------------------------------------


def _best(run: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        run()
        best = min(best, time.perf_counter() - start)
    return best


def measure(n: int, seed: int, repeats: int) -> dict[str, float]:
    """Throughput figures over the cohort, chunk by chunk (bounded memory)."""
    totals = dict.fromkeys(("parse", "library", "baseline", "summary", "single", "explained"), 0.0)
    mismatches = 0
    stream = records(n, seed)
    while chunk := list(itertools.islice(stream, CHUNK)):
        start = time.perf_counter()
        patients = [Patient.from_dict(r) for r in chunk]
        totals["parse"] += time.perf_counter() - start
        # Interleaved chunk by chunk, best of each: a busy machine disturbs both alike.
        totals["library"] += _best(lambda: list(screen(patients, ON)), repeats)  # noqa: B023
        totals["baseline"] += _best(lambda: [baseline_status(r) for r in chunk], repeats)
        totals["summary"] += _best(lambda: summarise_screening(screen(patients, ON)), repeats)  # noqa: B023
        totals["single"] += _best(lambda: [check_eligibility(p, ON) for p in patients], repeats)  # noqa: B023
        # Every reason written out too, as `aclf-protocol screen --json` does: once.
        totals["explained"] += _best(lambda: [r.to_dict() for r in screen(patients, ON)], 1)  # noqa: B023
        library = [r.status.value for r in screen(patients, ON)]
        baseline = [baseline_status(r) for r in chunk]
        mismatches += sum(a != b for a, b in zip(library, baseline, strict=True))
    totals["mismatches"] = mismatches
    return totals


def peak_memory(n: int, seed: int) -> tuple[float, dict[str, Any]]:
    """Peak traced MiB of the lazy pipeline over *n* records, and its summary."""
    tracemalloc.start()
    try:
        patients = (Patient.from_dict(r) for r in records(n, seed))
        summary = summarise_screening(screen(patients, ON))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak / 2**20, summary.to_dict()


def main(argv: list[str] | None = None) -> None:
    """Run the benchmark and print its figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="patients (default 100000)")
    parser.add_argument("--seed", type=int, default=20211001)
    parser.add_argument("--repeats", type=int, default=3, help="best of this many runs")
    parser.add_argument("--quick", action="store_true", help="10000 patients, for CI")
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else args.n

    t = measure(n, args.seed, args.repeats)
    print(f"screening benchmark: {n} synthetic patients, seed {args.seed}, on {ON}")
    print(f"  library  screen():      {t['library']:7.3f} s  {n / t['library']:>9,.0f} patients/s")
    print(
        f"  baseline dict-and-if:   {t['baseline']:7.3f} s  {n / t['baseline']:>9,.0f} patients/s"
    )
    library, baseline, summary, single = (
        t[k] for k in ("library", "baseline", "summary", "single")
    )
    print(f"  summarise(screen()):    {summary:7.3f} s  {n / summary:>9,.0f} patients/s")
    print(f"  check_eligibility each: {single:7.3f} s  {n / single:>9,.0f} patients/s")
    print(f"  ratio screen/baseline:            {library / baseline:5.2f} x  (target <= 2)")
    print(f"  ratio summarise(screen)/screen:   {summary / library:5.2f} x  (target <= 2)")
    print(f"  ratio check_eligibility/baseline: {single / baseline:5.2f} x  (target <= 1.5)")
    print(f"  ratio check_eligibility/screen:   {single / library:5.2f} x  (one call's set-up)")
    print(f"  status mismatches:      {int(t['mismatches']):7d}    (must be 0)")
    explained = t["explained"]
    print(
        f"  screen + to_dict():     {explained:7.3f} s  {n / explained:>9,.0f} patients/s (reasons)"
    )
    print(f"  Patient.from_dict:      {t['parse']:7.3f} s  {n / t['parse']:>9,.0f} records/s")
    end_to_end = t["parse"] + t["library"]
    print(f"  parse + screen:         {end_to_end:7.3f} s  (target for 100,000: < 10 s screening)")

    peak_memory(1_000, args.seed + 1)  # warm-up: imports, interpreter free lists
    sizes = sorted({max(n // 10, 1), max(n // 2, 1), n})
    peaks = [peak_memory(size, args.seed) for size in sizes]
    shown = ", ".join(f"{p:.2f} MiB for {size}" for size, (p, _) in zip(sizes, peaks, strict=True))
    print(f"  peak traced memory:     {shown}")
    counts = peaks[-1][1]
    print(
        f"  statuses: {counts['eligible']} eligible, {counts['ineligible']} ineligible, "
        f"{counts['incomplete']} incomplete"
    )


if __name__ == "__main__":
    main()
