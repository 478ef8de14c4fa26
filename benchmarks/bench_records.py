"""Reading patient records (SPEC §9): ``Patient.from_dict`` beside a cattrs anchor.

    python benchmarks/bench_records.py [--n 5000] [--repeats 7] [--quick]

The anchor, in the same run, is cattrs structuring the same record shape into equivalent
frozen, slotted attrs classes defined here (same fields, ``Decimal`` labs, ``date`` fields,
enums, unknown keys refused) but with none of the library's checks: no bounds, no SI keys, no
problem paths. Reported, never asserted: the median over ``--repeats`` runs of the time per
record of each, and the ratio library / anchor. cattrs is a benchmark-only dependency
(the ``bench`` extra); without it this script says so and exits 0.
"""

from __future__ import annotations

import argparse
import enum
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any

import attrs
import bench_screening  # the deterministic cohort of EDC-style records

from aclf_protocol import Patient

try:
    import cattrs
except ImportError:  # pragma: no cover - depends on the environment
    cattrs = None  # type: ignore[assignment]


class Sex(enum.Enum):
    MALE = "male"
    FEMALE = "female"


class Reason(enum.Enum):
    RESPIRATORY = "respiratory"
    HEPATIC_ENCEPHALOPATHY = "hepatic_encephalopathy"


class Signer(enum.Enum):
    PATIENT = "patient"
    FAMILY = "family"


class Never(enum.Enum):
    NEVER = "never"


Dated = date | Never | None


@attrs.frozen(kw_only=True)
class Labs:
    bilirubin_mg_dl: Decimal | None = None
    creatinine_mg_dl: Decimal | None = None
    inr: Decimal | None = None
    he_grade: int | None = None
    map_mmhg: Decimal | None = None
    vasopressors: bool | None = None
    pao2_fio2: Decimal | None = None
    spo2_fio2: Decimal | None = None
    mechanical_ventilation: bool | None = None
    ventilation_reason: Reason = Reason.RESPIRATORY
    renal_replacement: bool | None = None
    wbc_10e9_l: Decimal | None = None
    sodium_mmol_l: Decimal | None = None
    albumin_g_dl: Decimal | None = None


@attrs.frozen(kw_only=True)
class History:
    artificial_liver_planned: bool | None = None
    prior_liver_transplant: bool | None = None
    prior_stem_cell_therapy: bool | None = None
    malignancy: bool | None = None
    imaging_suspected_liver_malignancy: bool | None = None
    tuberculosis: bool | None = None
    severe_autoimmune_disease: bool | None = None
    severe_cardiopulmonary_insufficiency: bool | None = None
    immunosuppressive_therapy: bool | None = None
    hiv: bool | None = None
    substance_addiction: bool | None = None
    last_drug_trial: Dated = None
    last_gi_bleeding: Dated = None
    last_serious_infection: Dated = None
    pregnant: bool | None = None
    lactating: bool | None = None


@attrs.frozen(kw_only=True)
class Consent:
    signed_by: Signer | None = None
    has_capacity: bool | None = None
    adult_family_available: bool | None = None


@attrs.frozen(kw_only=True)
class Record:
    patient_id: str
    birth_date: date
    sex: Sex
    weight_kg: Decimal
    chronic_liver_disease: bool | None = None
    labs: Labs = attrs.field(factory=Labs)
    history: History = attrs.field(factory=History)
    consent: Consent = attrs.field(factory=Consent)


def _decimal(value: object, _kind: object) -> Decimal:
    return Decimal(repr(value)) if isinstance(value, float) else Decimal(value)  # type: ignore[arg-type]


def _date(value: object, _kind: object) -> date:
    return date.fromisoformat(value)  # type: ignore[arg-type]


def _dated(value: object, _kind: object) -> Dated:
    if value is None:
        return None
    return Never.NEVER if value == "never" else date.fromisoformat(value)  # type: ignore[arg-type]


def anchor_reader() -> Callable[[dict[str, Any]], Record]:
    """cattrs structuring into :class:`Record`, unknown keys refused."""
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(Decimal, _decimal)
    converter.register_structure_hook(date, _date)
    converter.register_structure_hook(Dated, _dated)
    return lambda record: converter.structure(record, Record)


def median_us(
    read: Callable[[dict[str, Any]], object], records: list[dict[str, Any]], repeats: int
) -> float:
    """Median over *repeats* runs of the time to read every record, µs per record."""
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for record in records:
            read(record)
        times.append(time.perf_counter() - t0)
    return statistics.median(times) / len(records) * 1e6


def main(argv: list[str] | None = None) -> None:
    """Print the figures."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=5_000, help="records in the cohort")
    parser.add_argument("--repeats", type=int, default=7, help="runs of each reader")
    parser.add_argument("--quick", action="store_true", help="smaller sizes (CI)")
    args = parser.parse_args(argv)
    if cattrs is None:
        print("cattrs is not installed (pip install -e '.[bench]'): no anchor, nothing measured")
        sys.exit(0)
    n, repeats = (1_000, 5) if args.quick else (args.n, args.repeats)
    rng = random.Random(20211001)
    records = [bench_screening.make_record(rng, i) for i in range(n)]
    anchor = anchor_reader()
    lib_times: list[float] = []
    anchor_times: list[float] = []
    for _ in range(repeats):  # interleaved, so a busy machine disturbs both alike
        lib_times.append(median_us(Patient.from_dict, records, 1))
        anchor_times.append(median_us(anchor, records, 1))
    library = statistics.median(lib_times)
    anchor_time = statistics.median(anchor_times)
    print(f"records: {n}, runs: {repeats} (median)")
    print(f"{'figure':<44} {'µs/record':>10}")
    print(f"{'Patient.from_dict':<44} {library:10.2f}")
    print(f"{'cattrs structure, equivalent attrs classes':<44} {anchor_time:10.2f}")
    print(f"{'ratio from_dict / cattrs':<44} {library / anchor_time:10.2f}")


if __name__ == "__main__":
    main()
