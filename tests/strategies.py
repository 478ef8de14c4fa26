"""Hypothesis strategies for aclf_protocol values; every test imports its generators from here.

Fixed data (records, dates, helpers) lives in ``tests/fixtures.py``.

Strategies build valid values by construction. Knobs are keyword-only: ``complete=True``
gives every clinical fact a value; the default leaves each fact unknown (``None``) at random,
as an EDC does before screening is finished.
"""

from __future__ import annotations

import copy
import math
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeVar

import attrs
from dateutil.relativedelta import relativedelta
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    Arm,
    Causality,
    Consent,
    History,
    InfusionPlan,
    Labs,
    Patient,
    Protocol,
    SafetyEvent,
    Seriousness,
    Sex,
    plan_infusions,
)
from aclf_protocol._validators import bounds_of, is_identifier
from aclf_protocol.examples import patient_records
from aclf_protocol.interchange import lenient_decimal
from aclf_protocol.patient import SI_FACTORS, Ascites, Never, Signer, VentilationReason
from aclf_protocol.protocol import Criterion, CriterionKind, DayWindow
from aclf_protocol.safety import EventOutcome, Expectedness
from aclf_protocol.schedule import build_plan, cancel_remaining, record_infusion
from aclf_protocol.schema import FIELD_BOUNDS

T = TypeVar("T")

arm_ids = st.sampled_from(NCT04822922.arm_ids)
# Whole grams: exact, inside (0, 350] kg, and they shrink towards 1 g.
weights_kg = st.integers(min_value=1, max_value=350_000).map(lambda g: Decimal(g) / 1000)
# Calendar dates around the trial, leap days included.
study_dates = st.dates(min_value=date(2019, 1, 1), max_value=date(2031, 12, 31))
birth_dates = st.dates(min_value=date(1930, 1, 1), max_value=date(2012, 12, 31))


def decimals(low: str, high: str, places: int) -> st.SearchStrategy[Decimal]:
    """Exact decimals in [low, high] with *places* decimal places."""
    scale = 10**places
    lo, hi = int(Decimal(low) * scale), int(Decimal(high) * scale)
    return st.integers(min_value=lo, max_value=hi).map(lambda n: Decimal(n) / scale)


#: Plausible values of each lab, conventional units; they straddle every §7.2 threshold.
LAB_VALUES: dict[str, st.SearchStrategy[Any]] = {
    "bilirubin_mg_dl": decimals("0.1", "40", 2),
    "creatinine_mg_dl": decimals("0.2", "8", 2),
    "inr": decimals("0.8", "6", 2),
    "he_grade": st.integers(min_value=0, max_value=4),
    "map_mmhg": decimals("30", "130", 0),
    "vasopressors": st.booleans(),
    "pao2_fio2": decimals("50", "600", 0),
    "spo2_fio2": decimals("60", "476", 1),
    "mechanical_ventilation": st.booleans(),
    "renal_replacement": st.booleans(),
    "wbc_10e9_l": decimals("0.5", "60", 1),
    "sodium_mmol_l": decimals("110", "160", 0),
    "albumin_g_dl": decimals("1.0", "5.5", 1),
    "ascites": st.sampled_from(Ascites),
}

HISTORY_FLAGS = tuple(f.name for f in attrs.fields(History) if not f.name.startswith("last_"))
HISTORY_DATES = tuple(f.name for f in attrs.fields(History) if f.name.startswith("last_"))


def _maybe(strategy: st.SearchStrategy[T], *, complete: bool) -> st.SearchStrategy[T | None]:
    return strategy if complete else st.none() | strategy


#: Lab values as an EDC sends them in SI units (§7.1): any JSON number within the SI field's
#: bounds, shortest float repr or whole, so also values whose conversion has 28 digits.
SI_LAB_VALUES: dict[str, st.SearchStrategy[Decimal]] = {
    si_key: st.floats(
        min_value=float(FIELD_BOUNDS[Labs, si_key].low),
        max_value=float(FIELD_BOUNDS[Labs, si_key].high),
        exclude_min=True,
    ).map(lambda f: Decimal(repr(f)))
    | st.integers(1, int(FIELD_BOUNDS[Labs, si_key].high)).map(Decimal)
    for si_key in SI_FACTORS
}


@st.composite
def labs(draw: st.DrawFn, *, complete: bool = False, si: bool = False) -> Labs:
    """Labs with each value plausible; unknown (``None``) at random unless *complete*.

    With *si*, bilirubin, creatinine and albumin are each recorded in SI units at random
    (§7.1, §9 *v2*): the conventional field is then their exact conversion.
    """
    values: dict[str, Any] = {
        key: draw(_maybe(s, complete=complete)) for key, s in LAB_VALUES.items()
    }
    values["ventilation_reason"] = draw(st.sampled_from(VentilationReason))
    if si:
        for si_key, (key, _) in SI_FACTORS.items():
            if draw(st.booleans()):
                del values[key]
                values[si_key] = draw(_maybe(SI_LAB_VALUES[si_key], complete=complete))
    return Labs(**values)


def dated_history(*, complete: bool = False) -> st.SearchStrategy[date | Never | None]:
    """A last-event date, ``Never.NEVER``, or (unless *complete*) unknown."""
    return _maybe(st.just(Never.NEVER) | study_dates, complete=complete)


@st.composite
def histories(draw: st.DrawFn, *, complete: bool = False, clean: bool = False) -> History:
    """A medical history; *clean* gives every exclusion fact known and absent."""
    if clean:
        values: dict[str, Any] = dict.fromkeys(HISTORY_FLAGS, False)
        values.update(dict.fromkeys(HISTORY_DATES, Never.NEVER))
        return History(**values)
    values = {k: draw(_maybe(st.booleans(), complete=complete)) for k in HISTORY_FLAGS}
    values.update({k: draw(dated_history(complete=complete)) for k in HISTORY_DATES})
    return History(**values)


#: Every consent state (§5 I3 *v2*): not yet obtained (``None``), signed, declined.
CONSENT_STATES = (None, *Signer)


@st.composite
def consents(draw: st.DrawFn, *, complete: bool = False) -> Consent:
    """A consistent consent record (no family signature with no adult family)."""
    signed_by = draw(st.sampled_from(CONSENT_STATES))
    has_capacity = draw(_maybe(st.booleans(), complete=complete))
    family = draw(
        st.just(True) if signed_by is Signer.FAMILY else _maybe(st.booleans(), complete=complete)
    )
    return Consent(signed_by=signed_by, has_capacity=has_capacity, adult_family_available=family)


@st.composite
def patients(
    draw: st.DrawFn, *, complete: bool = False, unknown_weight: bool = False, si: bool = False
) -> Patient:
    """A valid patient; facts unknown at random unless *complete*.

    The weight is known (a dose needs it, §3.1) unless *unknown_weight* (§9 *v2*: screening
    does not); with *si*, some labs are recorded in SI units. A male patient's pregnancy and
    lactation are never true (§5 E6 *v2*: a contradictory record).
    """
    sex = draw(st.sampled_from(Sex))
    history = draw(histories(complete=complete))
    if sex is Sex.MALE:
        history = attrs.evolve(  # a recorded true becomes unknown
            history,
            pregnant=None if history.pregnant else history.pregnant,
            lactating=None if history.lactating else history.lactating,
        )
    weight = weights_kg if not unknown_weight else st.none() | weights_kg
    return Patient(
        patient_id=draw(st.integers(1, 9999).map(lambda n: f"RJ-{n:04d}")),
        birth_date=draw(birth_dates),
        sex=sex,
        weight_kg=draw(weight),
        chronic_liver_disease=draw(_maybe(st.booleans(), complete=complete)),
        labs=draw(labs(complete=complete, si=si)),
        history=history,
        consent=draw(consents(complete=complete)),
    )


def partial_patients() -> st.SearchStrategy[Patient]:
    """Patients with some clinical facts unknown, the weight too at times: what an EDC holds
    mid-screening (§9 *v2*)."""
    return patients(complete=False, unknown_weight=True)


@st.composite
def plans(draw: st.DrawFn, *, patient: Patient | None = None) -> InfusionPlan:
    """An infusion plan for a drawn (or given) patient on a drawn arm and start date."""
    who = patient if patient is not None else draw(patients())
    return plan_infusions(who, draw(arm_ids), draw(study_dates))


def days(low: int, high: int) -> st.SearchStrategy[timedelta]:
    """Whole-day offsets in [low, high]."""
    return st.integers(min_value=low, max_value=high).map(lambda n: timedelta(days=n))


# --- safety ---
# §6 and §8: safety events, cohorts of plans with infusions given, stop-rule inputs.

#: Day 1 of the first patient in generated cohorts; later patients start within a few weeks.
SAFETY_START = date(2021, 10, 1)
NOT_DEATH = tuple(c for c in Seriousness if c is not Seriousness.DEATH)
NON_FATAL_OUTCOMES = tuple(o for o in EventOutcome if o is not EventOutcome.FATAL)
#: Causality that R1 stops for once assessed (§6.2).
RELATED = (Causality.CERTAIN, Causality.PROBABLE, Causality.POSSIBLE)
UNRELATED = (Causality.UNLIKELY, Causality.UNRELATED)
E = TypeVar("E", Causality, Expectedness)


def _members(choice: E | tuple[E, ...] | None, every: tuple[E, ...]) -> st.SearchStrategy[E]:
    """A given member, one of a given tuple, or (``None``) any member."""
    if choice is None:
        return st.sampled_from(every)
    if isinstance(choice, tuple):
        return st.sampled_from(choice)
    return st.just(choice)


# Built once: Hypothesis validates each new strategy object, which dominates small draws.
_TERMS = st.sampled_from(["Anaphylactic reaction", "Fever", "Sepsis", "Rash"])
_CRITERIA = {
    (low, high): st.frozensets(st.sampled_from(NOT_DEATH), min_size=low, max_size=high)
    for low, high in ((0, 0), (0, 3), (1, 3))
}
_NON_FATAL = st.sampled_from(NON_FATAL_OUTCOMES)
_NON_FATAL_GRADES = st.integers(1, 4)
_GIVEN_OFFSET = st.none() | st.integers(-1, 4)


def _event(
    draw: st.DrawFn,
    *,
    patient_id: str,
    event_id: str,
    onset: date,
    serious: bool | None,
    fatal: bool | None,
    causality: st.SearchStrategy[Causality],
    expectedness: st.SearchStrategy[Expectedness],
    delay: st.SearchStrategy[int],
) -> SafetyEvent:
    death = False if serious is False else (fatal if fatal is not None else draw(st.booleans()))
    at_least = 1 if serious and not death else 0
    criteria: frozenset[Seriousness] = draw(_CRITERIA[(at_least, 0 if serious is False else 3)])
    if death:
        criteria |= {Seriousness.DEATH}
    return SafetyEvent(
        event_id=event_id,
        patient_id=patient_id,
        term=draw(_TERMS),
        onset_date=onset,
        awareness_date=onset + timedelta(days=draw(delay)),
        seriousness=criteria,
        grade=5 if death else draw(_NON_FATAL_GRADES),
        causality=draw(causality),
        expectedness=draw(expectedness),
        outcome=EventOutcome.FATAL if death else draw(_NON_FATAL),
    )


@st.composite
def safety_events(
    draw: st.DrawFn,
    *,
    patient_id: str | None = None,
    event_id: str | None = None,
    onset_dates: st.SearchStrategy[date] | None = None,
    serious: bool | None = None,
    fatal: bool | None = None,
    causality: Causality | tuple[Causality, ...] | None = None,
    expectedness: Expectedness | tuple[Expectedness, ...] | None = None,
    max_delay_days: int = 30,
) -> SafetyEvent:
    """Valid events only: aware on or after onset; grade 5 and outcome fatal exactly on death.

    Knobs: ``serious`` (at least one criterion / none), ``fatal`` (death a criterion or not),
    ``causality`` and ``expectedness`` (a member or a tuple to pick from).
    """
    return _event(
        draw,
        patient_id=patient_id or draw(st.integers(1, 99).map(lambda n: f"P-{n:02d}")),
        event_id=event_id or draw(st.integers(1, 999).map(lambda n: f"SAE-{n:03d}")),
        onset=draw(onset_dates if onset_dates is not None else study_dates),
        serious=serious,
        fatal=fatal,
        causality=_members(causality, tuple(Causality)),
        expectedness=_members(expectedness, tuple(Expectedness)),
        delay=st.integers(0, max_delay_days),
    )


def _given(draw: st.DrawFn, plan: InfusionPlan) -> InfusionPlan:
    for infusion in plan.infusions:
        offset = draw(_GIVEN_OFFSET)
        if offset is not None:
            plan = record_infusion(
                plan, infusion.number, max(plan.start, infusion.date + timedelta(days=offset))
            )
    return plan


@st.composite
def given_infusions(draw: st.DrawFn, plan: InfusionPlan) -> InfusionPlan:
    """*plan* with each infusion given in its window, late (§6.6), or not given."""
    return _given(draw, plan)


@st.composite
def cohorts(
    draw: st.DrawFn,
    *,
    min_size: int = 1,
    max_size: int = 6,
    spread_days: int = 20,
    given: bool = True,
) -> tuple[InfusionPlan, ...]:
    """Plans of patients ``P-01``, ``P-02``... on drawn arms, Day 1 within *spread_days*."""
    size = draw(st.integers(min_size, max_size))
    offsets = st.integers(0, spread_days)
    cohort = []
    for number in range(1, size + 1):
        plan = build_plan(
            patient_id=f"P-{number:02d}",
            arm=draw(arm_ids),
            start=SAFETY_START + timedelta(days=draw(offsets)),
            weight_kg=60,
        )
        cohort.append(_given(draw, plan) if given else plan)
    return tuple(cohort)


@st.composite
def stop_rule_inputs(
    draw: st.DrawFn,
    *,
    max_events: int = 8,
    serious: bool | None = None,
    causality: Causality | tuple[Causality, ...] | None = None,
) -> tuple[tuple[InfusionPlan, ...], list[SafetyEvent]]:
    """A cohort and events for its patients with distinct ids, onset from Day 1 to Day 40."""
    cohort = draw(cohorts())
    events = _events_on(
        draw,
        cohort,
        count=draw(st.integers(0, max_events)),
        last_onset_day=39,
        serious=serious,
        causality=_members(causality, tuple(Causality)),
    )
    return cohort, events


# --- §6.7 v2: event versions (helper "stops"; keep additions to this block) ---------------
_VERSION_GAPS = st.sampled_from([0, 0, 1, 2, 5])
_FATAL_SOMETIMES = st.sampled_from([False, False, False, False, True])
_MOSTLY_SERIOUS = st.sampled_from([True, True, None])


@st.composite
def stop_rule_histories(
    draw: st.DrawFn, *, max_events: int = 5, max_versions: int = 3
) -> tuple[tuple[InfusionPlan, ...], list[SafetyEvent]]:
    """A cohort and events with re-submissions (§6.5, §6.7): each event id has 1 to
    *max_versions* versions of one onset (from 3 days before Day 1 to Day 20, mostly in the
    treatment period), each re-assessed at will (causality, seriousness, death), some aware
    the same day."""
    cohort = draw(cohorts())
    events: list[SafetyEvent] = []
    for number in range(1, draw(st.integers(0, max_events)) + 1):
        plan = draw(st.sampled_from(cohort))
        onset = plan.start + timedelta(days=draw(st.integers(-3, 19)))
        delay = draw(st.integers(0, 6))
        for _ in range(draw(st.integers(1, max_versions))):
            events.append(
                _event(
                    draw,
                    patient_id=plan.patient_id,
                    event_id=f"SAE-{number:03d}",
                    onset=onset,
                    serious=draw(_MOSTLY_SERIOUS),
                    fatal=draw(_FATAL_SOMETIMES),
                    causality=st.sampled_from(Causality),
                    expectedness=st.sampled_from(Expectedness),
                    delay=st.just(delay),
                )
            )
            delay += draw(_VERSION_GAPS)
    return cohort, events


# --- end of the §6.7 block ---------------------------------------------------------------------


def _events_on(
    draw: st.DrawFn,
    cohort: tuple[InfusionPlan, ...],
    *,
    count: int,
    last_onset_day: int,
    serious: bool | None,
    causality: st.SearchStrategy[Causality],
) -> list[SafetyEvent]:
    """*count* events SAE-001... on patients of *cohort*, onset Day 1 to 1 + last_onset_day."""
    patients = st.sampled_from(cohort)
    events = []
    for number in range(1, count + 1):
        plan = draw(patients)
        events.append(
            _event(
                draw,
                patient_id=plan.patient_id,
                event_id=f"SAE-{number:03d}",
                onset=plan.start + timedelta(days=draw(st.integers(0, last_onset_day))),
                serious=serious,
                fatal=None,
                causality=causality,
                expectedness=st.sampled_from(Expectedness),
                delay=st.integers(0, 10),
            )
        )
    return events


@st.composite
def stage1_inputs(
    draw: st.DrawFn, *, max_events: int = 4
) -> tuple[tuple[InfusionPlan, ...], list[SafetyEvent], dict[str, Decimal], date]:
    """A full stage 1 (§8), events on its patients, efficacy per arm and a date after it.

    Efficacy figures are small whole numbers so that ties (won by the lower dose) happen.
    """
    per_arm = NCT04822922.stage1_per_arm
    arms = [arm for arm in NCT04822922.arm_ids for _ in range(per_arm)]
    offsets = st.integers(0, 30)
    cohort = tuple(
        build_plan(
            patient_id=f"S1-{number:02d}",
            arm=arm,
            start=SAFETY_START + timedelta(days=draw(offsets)),
            weight_kg=60,
        )
        for number, arm in enumerate(arms, start=1)
    )
    events = _events_on(
        draw,
        cohort,
        count=draw(st.integers(0, max_events)),
        last_onset_day=40,
        serious=None,
        causality=st.sampled_from(Causality),
    )
    efficacy = {arm: Decimal(draw(st.integers(0, 3))) for arm in NCT04822922.arm_ids}
    # Mostly just after the last stage-1 safety window (§4.2), sometimes just before it.
    last_start = max(p.start for p in cohort)
    on = last_start + relativedelta(months=1) + timedelta(days=draw(st.integers(-3, 30)))
    return cohort, events, efficacy, on


# --- screening ---
# §5, §7: patients near the eligibility boundary, completions of unknown facts,
# worsened labs and shuffled records.

#: Screening dates for eligibility laws.
screening_dates = st.dates(min_value=date(2020, 1, 1), max_value=date(2030, 12, 31))
#: Lab keys whose larger value is worse (§7.2), with the validator's upper bound.
WORSE_WHEN_HIGHER = {"bilirubin_mg_dl": "100", "creatinine_mg_dl": "30", "inr": "20"}
#: Lab keys whose smaller value is worse (§7.2); they stay > 0.
WORSE_WHEN_LOWER = ("map_mmhg", "pao2_fio2", "spo2_fio2")
#: Organ supports: starting one never improves a score (§7.2).
SUPPORTS = ("vasopressors", "mechanical_ventilation", "renal_replacement")


def _mostly(value: T, *others: T) -> st.SearchStrategy[T]:
    """*value* most of the time (and when shrinking), sometimes one of *others*."""
    return st.sampled_from((value, value, value, *others))


#: Values straddling each §7.2 threshold, the normal one first (where shrinking goes).
NEAR_THRESHOLDS: dict[str, tuple[Any, ...]] = {
    "bilirubin_mg_dl": tuple(Decimal(v) for v in ("1.0", "5.99", "6", "12", "12.01", "20")),
    "creatinine_mg_dl": tuple(Decimal(v) for v in ("0.9", "1.49", "1.5", "1.99", "2.0", "3.5")),
    "inr": tuple(Decimal(v) for v in ("1.1", "1.99", "2.0", "2.49", "2.5", "3")),
    "he_grade": (0, 1, 2, 3, 4),
    "map_mmhg": (Decimal(85), Decimal(70), Decimal("69.9")),
    "vasopressors": (False, False, True),
    "pao2_fio2": (Decimal(400), Decimal(301), Decimal(300), Decimal(200)),
    "mechanical_ventilation": (False, False, True),
    "renal_replacement": (False, False, False, True),
}


@st.composite
def near_threshold_labs(draw: st.DrawFn, *, complete: bool = False) -> Labs:
    """Labs on and around the §7.2 thresholds, so every ACLF grade occurs often."""
    values: dict[str, Any] = {
        key: draw(_maybe(st.sampled_from(choices), complete=complete))
        for key, choices in NEAR_THRESHOLDS.items()
    }
    if values["pao2_fio2"] is None or draw(st.booleans()):
        values["spo2_fio2"] = draw(
            _maybe(st.sampled_from((Decimal(400), Decimal(357), Decimal(214))), complete=complete)
        )
    values["ventilation_reason"] = draw(st.sampled_from(VentilationReason))
    for key in ("wbc_10e9_l", "sodium_mmol_l", "albumin_g_dl", "ascites"):
        values[key] = draw(_maybe(LAB_VALUES[key], complete=complete))
    return Labs(**values)


@st.composite
def screening_patients(draw: st.DrawFn, *, on: date, complete: bool = False) -> Patient:
    """Patients built to land near the eligibility boundary when screened *on*.

    Ages 15-75, half of them with a clean history (every exclusion known absent), labs around
    the §7.2 thresholds, mostly signed consent (else not yet obtained or declined, §5 I3
    *v2*) and events around the look-back windows, so ELIGIBLE, INELIGIBLE and INCOMPLETE
    all occur. Unknown facts at random unless *complete*, the weight too (§9 *v2*); a
    complete record has its consent obtained, signed or declined.
    """
    unknown: tuple[None, ...] = () if complete else (None,)
    age = draw(st.integers(15, 75))
    birthday = date(on.year - age, on.month, min(on.day, 28))
    birth = birthday - timedelta(days=draw(st.integers(0, 400)))
    sex = draw(st.sampled_from(Sex))
    clean = draw(st.booleans())
    flags: dict[str, Any] = {
        k: False if clean else draw(_mostly(False, True, *unknown)) for k in HISTORY_FLAGS
    }
    if sex is Sex.MALE:
        flags["pregnant"] = flags["lactating"] = None
    # Events around the look-back windows, often exactly on a boundary day (§5 E4, E5).
    edges = [on - relativedelta(months=m) + timedelta(days=d) for m in (1, 3) for d in (-1, 0)]
    near_days = st.integers(-10, 120).map(lambda n: on - timedelta(days=n))
    recent = draw(st.sampled_from(edges) | near_days)
    dates: dict[str, Any] = {
        k: Never.NEVER if clean else draw(_mostly(Never.NEVER, recent, *unknown))
        for k in HISTORY_DATES
    }
    signed_by = draw(_mostly(Signer.PATIENT, Signer.FAMILY, Signer.DECLINED, *unknown))
    family = True if signed_by is Signer.FAMILY else draw(_mostly(True, False, *unknown))
    return Patient(
        patient_id=draw(st.integers(1, 9999).map(lambda n: f"RJ-{n:04d}")),
        birth_date=birth,
        sex=sex,
        weight_kg=draw(weights_kg) if complete or draw(_mostly(True, False)) else None,
        chronic_liver_disease=draw(_mostly(True, False, *unknown)),
        labs=draw(near_threshold_labs(complete=complete)),
        history=History(**flags, **dates),
        consent=Consent(
            signed_by=signed_by,
            has_capacity=draw(_mostly(True, False, *unknown)),
            adult_family_available=family,
        ),
    )


def _fact_values(patient: Patient, path: str) -> st.SearchStrategy[Any]:
    """Values an unknown fact at *path* may take once known, keeping the record valid.

    Only what a valid record forbids is left out, with SPEC defaults and no exception for
    any fact (§5 *v2*): a male patient's pregnancy and lactation can only become False (true
    is a contradictory record, E6); a family signature and ``adult_family_available: false``
    exclude each other (I3). Consent not yet obtained may become any state, declined too.
    """
    group, _, key = path.rpartition(".")
    if group == "labs":
        return LAB_VALUES[key]
    if key == "weight_kg":
        return weights_kg
    if key in HISTORY_DATES:
        return st.just(Never.NEVER) | study_dates
    if group == "consent":
        return _consent_values(patient.consent, key)
    if key in {"pregnant", "lactating"} and patient.sex is Sex.MALE:
        return st.just(False)
    return st.booleans()  # chronic_liver_disease and history flags


def _consent_values(consent: Consent, key: str) -> st.SearchStrategy[Any]:
    """Values an unknown consent fact may take: a family signature and
    ``adult_family_available: false`` exclude each other (§5 I3)."""
    if key == "signed_by":
        if consent.adult_family_available is False:
            return st.sampled_from([s for s in Signer if s is not Signer.FAMILY])
        return st.sampled_from(Signer)
    if key == "adult_family_available" and consent.signed_by is Signer.FAMILY:
        return st.just(True)
    return st.booleans()


def unknown_paths(patient: Patient) -> tuple[str, ...]:
    """Record paths of every unknown fact that may become known (§5: never a PaO2/FiO2 beside
    a given SpO2/FiO2; an unknown lab becomes known in conventional units)."""
    paths = [
        name for name in ("weight_kg", "chronic_liver_disease") if getattr(patient, name) is None
    ]
    for group in ("labs", "history", "consent"):
        value = getattr(patient, group)
        paths.extend(
            f"{group}.{field.name}"
            for field in attrs.fields(type(value))
            if getattr(value, field.name) is None and field.name not in SI_FACTORS
        )
    if patient.labs.spo2_fio2 is not None and "labs.pao2_fio2" in paths:
        paths.remove("labs.pao2_fio2")
    return tuple(paths)


def with_facts(patient: Patient, values: dict[str, Any]) -> Patient:
    """*patient* with the facts at the given record paths replaced."""
    groups: dict[str, dict[str, Any]] = {}
    top: dict[str, Any] = {}
    for path, value in values.items():
        group, _, key = path.rpartition(".")
        if group:
            groups.setdefault(group, {})[key] = value
        else:
            top[key] = value
    parts = {g: attrs.evolve(getattr(patient, g), **changes) for g, changes in groups.items()}
    return attrs.evolve(patient, **top, **parts)


#: Facts whose valid values depend on one another (§5 I3): made known one at a time.
_LINKED = frozenset({"consent.signed_by", "consent.adult_family_available"})


def _made_known(draw: st.DrawFn, patient: Patient, paths: list[str], *, all_: bool) -> Patient:
    """*patient* with the facts at *paths* made known (each at random unless *all_*)."""
    chosen: dict[str, Any] = {}
    linked = patient
    for path in paths:
        values = _fact_values(linked if path in _LINKED else patient, path)
        value = draw(values if all_ else st.none() | values)
        if value is not None:
            chosen[path] = value
            if path in _LINKED:
                linked = with_facts(linked, {path: value})
    return with_facts(patient, chosen)


@st.composite
def completions(draw: st.DrawFn, patient: Patient) -> Patient:
    """*patient* with some or all of its unknown facts made known; known facts unchanged."""
    return _made_known(draw, patient, list(unknown_paths(patient)), all_=False)


@st.composite
def fillings(draw: st.DrawFn, patient: Patient, paths: tuple[str, ...]) -> Patient:
    """*patient* with every fact at *paths* made known (none left unknown)."""
    return _made_known(draw, patient, list(paths), all_=True)


@st.composite
def lab_completions(draw: st.DrawFn, partial: Labs) -> Labs:
    """*partial* with some of its unknown labs made known (the respiration rule kept)."""
    patient = Patient(
        patient_id="P", birth_date=date(1970, 1, 1), sex=Sex.MALE, weight_kg=70, labs=partial
    )
    return draw(completions(patient)).labs


@st.composite
def worsened_labs(draw: st.DrawFn, given: Labs) -> Labs:
    """*given* with one known value made worse (§7.2): higher bilirubin, creatinine, INR or HE
    grade; lower MAP or oxygenation ratio; an organ support started. Bounds are kept."""
    keys = (*WORSE_WHEN_HIGHER, *WORSE_WHEN_LOWER, "he_grade", *SUPPORTS)
    known = [k for k in keys if getattr(given, k) is not None]
    if not known:
        return given
    key = draw(st.sampled_from(known))
    old = getattr(given, key)
    if key in WORSE_WHEN_HIGHER:
        new = min(old + draw(decimals("0", "20", 2)), Decimal(WORSE_WHEN_HIGHER[key]))
    elif key in WORSE_WHEN_LOWER:
        new = max(old - draw(decimals("0", "300", 1)), min(old, Decimal("0.1")))
    elif key == "he_grade":
        new = draw(st.integers(old, 4))
    else:
        new = True
    return attrs.evolve(given, **{key: new})


@st.composite
def shuffled_records(draw: st.DrawFn, record: dict[str, Any]) -> dict[str, Any]:
    """*record* with the keys of every object in a drawn order (JSON objects are unordered)."""

    def shuffle(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: shuffle(value[k]) for k in draw(st.permutations(list(value)))}
        return value

    result: dict[str, Any] = shuffle(record)
    return result


# --- interchange ---
# §9: arbitrary JSON for fuzzing, values at the schema bounds, records with one
# change, and treated plans, patients and events for the SDTM rows.

#: Any scalar ``json.loads`` can return, NaN and the infinities included (Python reads them).
json_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
#: The scalars of strict JSON (RFC 8259): no NaN, no infinity.
strict_json_scalars = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
)


def _nested(scalars: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.recursive(
        scalars,
        lambda children: (
            st.lists(children, max_size=4)
            | st.dictionaries(st.text(max_size=8), children, max_size=4)
        ),
        max_leaves=10,
    )


#: Arbitrary JSON as Python reads it: scalars, arrays and objects with text keys, nested.
json_values = _nested(json_scalars)
#: Arbitrary strict JSON, what a JSON Schema validator is meant for.
strict_json_values = _nested(strict_json_scalars)

#: A place in a JSON value: object keys and array indices from the root.
JsonPath = tuple[str | int, ...]


def json_paths(value: Any, prefix: JsonPath = ()) -> list[JsonPath]:
    """Every path inside *value* (the root ``()`` first), depth first in key order."""
    paths = [prefix]
    if isinstance(value, dict):
        for key, item in value.items():
            paths.extend(json_paths(item, (*prefix, key)))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            paths.extend(json_paths(item, (*prefix, index)))
    return paths


def replaced(value: Any, path: JsonPath, new: Any) -> Any:
    """A deep copy of *value* with the value at *path* replaced by *new*."""
    if not path:
        return new
    result = copy.deepcopy(value)
    target = result
    for step in path[:-1]:
        target = target[step]
    target[path[-1]] = new
    return result


def removed(value: Any, path: JsonPath) -> Any:
    """A deep copy of *value* without the key or array item at *path* (not the root)."""
    result = copy.deepcopy(value)
    target = result
    for step in path[:-1]:
        target = target[step]
    del target[path[-1]]
    return result


def is_numeric_text(value: object) -> bool:
    """Whether *value* is a string the library reads as a number (``" 1_0 "`` too)."""
    return isinstance(value, str) and isinstance(lenient_decimal(value), Decimal)


def _around(bound: Decimal) -> list[int | float]:
    """*bound* as a JSON number, with the floats just below and above it."""
    exact = float(bound)
    near = [math.nextafter(exact, -math.inf), exact, math.nextafter(exact, math.inf)]
    return [int(bound), *near] if bound == bound.to_integral_value() else near


def _boundary_numbers() -> list[int | float]:
    numbers: set[int | float] = {0, -1, 0.5, 1e300, 10**30, -(10**30)}
    for key, bounds in FIELD_BOUNDS.items():
        ends = [bounds.low, bounds.high]
        if key[1] in {conventional for conventional, _ in SI_FACTORS.values()}:
            factor = next(f for k, f in SI_FACTORS.values() if k == key[1])
            ends += [bounds.low * factor, bounds.high * factor]  # the SI key's bounds
        for end in ends:
            numbers.update(_around(end))
    return sorted(numbers)


#: JSON numbers at, just inside and just outside every bound of the schemas (§9, D-LAB-BOUNDS).
BOUNDARY_NUMBERS = tuple(_boundary_numbers())
#: Every enum value a record may hold.
ENUM_VALUES = tuple(
    member.value
    for kind in (
        Sex,
        Signer,
        VentilationReason,
        Ascites,
        Never,
        Causality,
        Expectedness,
        EventOutcome,
    )
    for member in kind
) + tuple(c.value for c in Seriousness)
#: Date texts, good and bad: leap days, a bad month, the compact and week forms, a newline.
DATE_TEXTS = (
    "2021-10-01",
    "2020-02-29",
    "2021-02-29",
    "2021-13-01",
    "20211001",
    "2021-W40-1",
    "2021-10-01\n",
    "2021-10-01T00:00",
)

#: Values to put into a record: bounds, enum values, dates, and any strict JSON except the
#: numeric strings, whose value JSON Schema cannot bound (module docstring of schema.py).
probe_values = st.one_of(
    st.sampled_from(BOUNDARY_NUMBERS),
    st.sampled_from(ENUM_VALUES),
    st.sampled_from(DATE_TEXTS),
    study_dates.map(date.isoformat),
    strict_json_values,
).filter(lambda v: not is_numeric_text(v))
#: Keys to add to a record: SI keys (they may conflict with a conventional one) or unknown.
added_keys = st.sampled_from([*SI_FACTORS, "weight_lb"]) | st.text(max_size=6)


@st.composite
def mutations(
    draw: st.DrawFn, record: Any, *, values: st.SearchStrategy[Any] = probe_values
) -> Any:
    """*record* with one change: a value replaced by one of *values*, a key or item removed,
    or a key added to an object (*record* itself may be replaced whole)."""
    paths = json_paths(record)
    path = draw(st.sampled_from(paths))
    objects = [p for p in paths if isinstance(_at(record, p), dict)]
    kinds = ["replace", "remove", "add"] if path else ["replace"]
    kind = draw(st.sampled_from(kinds if objects else ["replace"]))
    if kind == "replace":
        return replaced(record, path, draw(values))
    if kind == "remove":
        return removed(record, path)
    container = draw(st.sampled_from(objects))
    return replaced(record, (*container, draw(added_keys)), draw(values))


def _at(value: Any, path: JsonPath) -> Any:
    for step in path:
        value = value[step]
    return value


#: Arms of a variant protocol: any id and label, any whole dose per kg (§2).
arms = st.builds(
    Arm,
    arm_id=st.text(min_size=1, max_size=8).filter(str.strip),
    label=st.text(min_size=1, max_size=12).filter(str.strip),
    dose_per_kg=st.integers(1, 10**12),
)


# --- what was given (§4.6) ---
# Cells infused, product lot and viability at release of given infusions, each known or not.

#: Lots as a pharmacy writes them: printable, a space inside, never blank.
lots = st.from_regex(r"[A-Z]{2}-[0-9]{2,4}( [a-z0-9]{1,3})?", fullmatch=True)
#: Viability at release, 0-100 % to one place: both sides of the 70 % floor (§3.5).
viabilities = decimals("0", "100", 1)


def cells_around(planned: int) -> st.SearchStrategy[int]:
    """Cells given within ±25 % of *planned* (both sides of the ±10 % band, §3.5), at least 1."""
    return st.integers(max(1, planned * 3 // 4), planned * 5 // 4)


@st.composite
def given_details(draw: st.DrawFn, plan: InfusionPlan) -> InfusionPlan:
    """*plan* with each given infusion's cells, lot and viability recorded or unknown (§4.6)."""
    infusions = tuple(
        attrs.evolve(
            infusion,
            cells_given=draw(st.none() | cells_around(infusion.cells)),
            lot=draw(st.none() | lots),
            viability_percent=draw(st.none() | viabilities),
        )
        if infusion.is_given
        else infusion
        for infusion in plan.infusions
    )
    return attrs.evolve(plan, infusions=infusions)


# --- end of what was given ---


@st.composite
def treated_plans(draw: st.DrawFn, *, patient: Patient | None = None) -> InfusionPlan:
    """A plan with each infusion given (in its window or late, §6.6) or not, what was given
    recorded or not (§4.6), perhaps stopped (§4.5) on a day around the treatment period."""
    plan = draw(given_details(draw(given_infusions(draw(plans(patient=patient))))))
    if draw(st.booleans()):
        plan = cancel_remaining(plan, plan.start + timedelta(days=draw(st.integers(-2, 12))))
    return plan


@st.composite
def trial_records(
    draw: st.DrawFn, *, max_patients: int = 4, max_events: int = 4
) -> tuple[list[Patient], list[InfusionPlan], list[SafetyEvent]]:
    """Distinct patients (identity and weight only: SDTM needs no clinical facts), treated
    plans for some of them, and events of planned patients with onset from 10 days before
    Day 1 to 40 days after, each with its own event id."""
    numbers = draw(st.lists(st.integers(1, 999), max_size=max_patients, unique=True))
    people = [
        Patient(
            patient_id=f"RJ-{number:03d}",
            birth_date=draw(birth_dates),
            sex=draw(st.sampled_from(Sex)),
            weight_kg=draw(weights_kg),
        )
        for number in numbers
    ]
    planned = [p for p in people if draw(st.booleans())]
    cohort = [draw(treated_plans(patient=p)) for p in planned]
    events: list[SafetyEvent] = []
    for number in range(1, draw(st.integers(0, max_events if cohort else 0)) + 1):
        plan = draw(st.sampled_from(cohort))
        onset = plan.start + timedelta(days=draw(st.integers(-10, 40)))
        events.append(
            draw(
                safety_events(
                    patient_id=plan.patient_id,
                    event_id=f"AE-{number:02d}",
                    onset_dates=st.just(onset),
                )
            )
        )
    return people, cohort, events


# --- Enrolment on a screening (§8 v2) -------------------------------------------------------

#: The example patient RJ-001 (SPEC §9): eligible on every date of the attempts below.
_ELIGIBLE = Patient.from_dict(patient_records()[0])
#: Protocol variants by screening age limit (§8 v2), each with a sibling that screens
#: differently (I1 up to 75 years): built once, since a protocol is validated when made.
_BY_LIMIT = {
    most: attrs.evolve(NCT04822922, max_screening_age_days=most) for most in (0, 1, 7, 14, 30)
}
_SIBLING = {most: attrs.evolve(p, max_age_years=75) for most, p in _BY_LIMIT.items()}


@st.composite
def enrolment_attempts(
    draw: st.DrawFn,
) -> tuple[Patient, date, Protocol, InfusionPlan, Protocol]:
    """A patient screened on a date under one protocol, and a plan to enrol under another.

    Returns ``(patient, screened_on, screened_under, plan, protocol)``. The patient is mostly
    RJ-001, else one near the eligibility boundary (ELIGIBLE, INELIGIBLE, INCOMPLETE); the
    plan is mostly that patient's, with Day 1 from 3 days before the screening to 3 days past
    the age limit (both ends of the limit drawn often); the screening protocol is mostly the
    enrolling one, sometimes a sibling that differs in one criterion's parameter.
    """
    most = draw(st.sampled_from(sorted(_BY_LIMIT)))
    protocol = _BY_LIMIT[most]
    screened_on = draw(st.dates(date(2021, 9, 1), date(2022, 9, 1)))
    number = draw(st.integers(1, 9999))
    patient = (
        attrs.evolve(_ELIGIBLE, patient_id=f"RJ-{number:04d}")
        if draw(_mostly(True, False))
        else draw(screening_patients(on=screened_on))
    )
    gap = draw(st.sampled_from([-1, 0, most, most + 1]) | st.integers(-3, most + 3))
    patient_id = draw(_mostly(patient.patient_id, "RJ-OTHER"))
    plan = build_plan(
        patient_id=patient_id,
        arm=draw(arm_ids),
        start=screened_on + timedelta(days=gap),
        weight_kg=60,
        protocol=protocol,
    )
    screened_under = draw(_mostly(protocol, _SIBLING[most]))
    return patient, screened_on, screened_under, plan, protocol


# JSON text with repeated keys (§0 v2; helper "input")

#: JSON values: scalars, arrays and objects nested a few levels, with plain keys (no "." or
#: "[", so a path like ``a[0].b`` names one place).
plain_key_json = st.recursive(
    st.none() | st.booleans() | st.integers(-1000, 1000) | st.text(max_size=4),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.text("abcxyz_", min_size=1, max_size=3), inner, max_size=3)
    ),
    max_leaves=12,
)


# --- protocol documents (§1 v2; helper "document") ---

_WORDS = st.text(min_size=1, max_size=12).filter(str.strip)
_IDS = st.text(min_size=1, max_size=8).filter(is_identifier)


def _bounded(name: str) -> st.SearchStrategy[int]:
    """Whole numbers within the bounds a Protocol field declares (its attrs metadata)."""
    bounds = bounds_of(Protocol, name)
    assert bounds is not None
    return st.integers(int(bounds.low), min(int(bounds.high), 10_000))


day_windows = st.builds(
    DayWindow,
    name=_WORDS,
    study_day=st.integers(1, 10**6),
    days_before=st.integers(0, 10**6),
    days_after=st.integers(0, 10**6),
)
criteria = st.builds(
    Criterion, criterion_id=_WORDS, kind=st.sampled_from(CriterionKind), text=_WORDS
)


@st.composite
def protocols(draw: st.DrawFn) -> Protocol:
    """Variants of NCT04822922 as an amendment could write them: other arms, days, windows,
    a subset of the criteria reordered and re-worded, every number within its bounds, any
    version and effective date (§1 v2)."""
    gaps = draw(st.lists(st.integers(1, 10), max_size=5))
    days = [DayWindow(name=draw(_WORDS), study_day=1)]
    for gap in gaps:
        days.append(
            DayWindow(
                name=draw(_WORDS),
                study_day=days[-1].study_day + gap,
                days_before=draw(st.integers(0, 3)),
                days_after=draw(st.integers(0, 3)),
            )
        )
    chosen = draw(st.permutations(NCT04822922.criteria))[: draw(st.integers(0, 10))]
    reworded = tuple(
        attrs.evolve(c, text=draw(_WORDS)) if draw(st.booleans()) else c for c in chosen
    )
    ages = sorted(draw(st.lists(st.integers(0, 150), min_size=2, max_size=2)))
    numbers: dict[str, Any] = {
        name: draw(_bounded(name))
        for name in (
            "min_interval_days",
            "safety_window_months",
            "drug_trial_lookback_months",
            "bleeding_infection_lookback_months",
            "sae_to_sponsor_days",
            "fatal_susar_days",
            "fatal_susar_follow_up_days",
            "other_susar_days",
            "stage1_per_arm",
            "expansion_size",
            "max_screening_age_days",
        )
    }
    return attrs.evolve(
        NCT04822922,
        nct_id=draw(_IDS),
        version=draw(_IDS),
        effective_date=draw(study_dates),
        study_id=draw(_WORDS),
        title=draw(_WORDS),
        site_id=draw(_WORDS),
        arms=tuple(draw(st.lists(arms, min_size=1, max_size=4, unique_by=lambda a: a.arm_id))),
        infusion_days=tuple(days),
        follow_up_visits=tuple(draw(st.lists(day_windows, max_size=3))),
        criteria=reworded,
        min_age_years=ages[0],
        max_age_years=ages[1],
        eligible_aclf_grades=draw(st.frozensets(st.integers(0, 3))),
        presume_patient_capacity=draw(st.booleans()),
        max_weight_kg=draw(weights_kg),
        max_dosing_weight_kg=draw(st.none() | weights_kg),
        dose_tolerance_percent=draw(decimals("0", "100", 3)),
        min_viability_percent=draw(decimals("0", "100", 1)),
        treatment_period_last_day=draw(st.none() | st.integers(1, 10**6)),
        **numbers,
    )
