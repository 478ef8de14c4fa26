"""Reading patient records (SPEC §9): ``Patient.from_dict`` beside a cattrs anchor.

    python benchmarks/bench_records.py [--n 5000] [--repeats 7] [--quick]

The anchor, in the same run, is cattrs structuring the same record shape into equivalent
frozen, slotted attrs classes defined here (same fields, ``Decimal`` labs, ``date`` fields,
enums, unknown keys refused) but with none of the library's checks: no bounds, no SI keys, no
problem paths. A second line gives cattrs into the same classes carrying the library's own
validators and converters (the work ``Patient.from_dict`` cannot skip). Reported, never
asserted: the median over ``--repeats`` runs of the time per record of each, and the ratio to
the anchor. cattrs is a benchmark-only dependency (the ``bench`` extra); without it this
script says so and exits 0.
"""

from __future__ import annotations

import argparse
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
from aclf_protocol import patient as library_patient
from aclf_protocol._validators import instance_of, is_check

try:
    import cattrs
except ImportError:  # pragma: no cover - depends on the environment
    cattrs = None  # type: ignore[assignment,unused-ignore]


#: The record's enums are the library's own: the same values, read the same way.
Sex = library_patient.Sex
Reason = library_patient.VentilationReason
Signer = library_patient.Signer
Never = library_patient.Never

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


def checked(plain: type, library: type, nested: dict[str, type] | None = None) -> type:
    """*plain* with the validators and converters of the library's *library* class, field by
    field: the same checks, run by the same ``__init__`` machinery (the second anchor)."""
    ours = attrs.fields_dict(library)
    fields = {}
    for field in attrs.fields(plain):
        theirs = ours[field.name]
        kind = (nested or {}).get(field.name, field.type)
        validator = theirs.validator
        default = field.default
        if field.name in (nested or {}):  # the same check, of the benchmark's nested class
            rule = validator.rule if is_check(validator) else ""
            validator, default = instance_of(kind, rule), attrs.Factory(kind)
        fields[field.name] = attrs.field(
            type=kind, default=default, validator=validator, converter=theirs.converter
        )
    return attrs.make_class(f"Checked{plain.__name__}", fields, frozen=True, kw_only=True)


CheckedLabs = checked(Labs, library_patient.Labs)
CheckedHistory = checked(History, library_patient.History)
CheckedConsent = checked(Consent, library_patient.Consent)
CheckedRecord = checked(
    Record,
    Patient,
    {"labs": CheckedLabs, "history": CheckedHistory, "consent": CheckedConsent},
)


def anchor_reader(target: type) -> Callable[[dict[str, Any]], object]:
    """cattrs structuring into *target*, unknown keys refused."""
    converter = cattrs.Converter(forbid_extra_keys=True)
    converter.register_structure_hook(Decimal, _decimal)
    converter.register_structure_hook(date, _date)
    converter.register_structure_hook(Dated, _dated)
    return lambda record: converter.structure(record, target)


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
    readers: dict[str, Callable[[dict[str, Any]], object]] = {
        "Patient.from_dict": Patient.from_dict,
        "cattrs, equivalent attrs classes (anchor)": anchor_reader(Record),
        "cattrs, same classes + library validators": anchor_reader(CheckedRecord),
    }
    times: dict[str, list[float]] = {name: [] for name in readers}
    for _ in range(repeats):  # interleaved, so a busy machine disturbs all alike
        for name, read in readers.items():
            times[name].append(median_us(read, records, 1))
    medians = {name: statistics.median(runs) for name, runs in times.items()}
    anchor = medians["cattrs, equivalent attrs classes (anchor)"]
    print(f"records: {n}, runs: {repeats} (median)")
    print(f"{'figure':<46} {'µs/record':>10} {'ratio':>7}")
    for name, value in medians.items():
        print(f"{name:<46} {value:10.2f} {value / anchor:7.2f}")
    print(f"ratio Patient.from_dict / cattrs anchor: {medians['Patient.from_dict'] / anchor:.2f}")


if __name__ == "__main__":
    main()
