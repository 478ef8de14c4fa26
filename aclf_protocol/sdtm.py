"""CDISC SDTM-style rows for analysts: TS, DM, EX and AE (SPEC §1, §9).

Each function returns a list of plain dicts, one per row, ready for ``pandas.DataFrame(rows)``
with no pandas dependency here: keys are SDTM variable names in SDTMIG order, values are
``str``, ``int`` or ``None`` (JSON-compatible), rows sorted by USUBJID then sequence number.

Conventions (docs/dev/decisions.md, D-SDTM-*):

- ``USUBJID`` is ``f"{protocol.study_id}-{patient_id}"``, e.g. ``MSC-ACLF-1-RJ-001``.
- ``RFSTDTC`` is the plan's start: Day 1, the enrolment date and the first infusion (§0).
  Every ``--DY`` counts from it with no Day 0 (D-SDTM-RFSTDTC); ``RFXSTDTC`` is the first
  infusion actually given.
- ``EXDOSE`` is the exact number of cells infused (an ``int``, ``EXDOSU`` ``"cells"``): the
  cells actually given when recorded, else the planned cells, the arm's dose per kg times the
  baseline weight (§3.1, §4.6, D-SDTM-EXDOSE). ``EXDOSSRC`` says which (``"ACTUAL"`` or
  ``"PLANNED"``) and ``EXPLDOS`` carries the planned cells: two supplemental qualifiers
  (SUPPEX QNAMs) kept on the row (D-SDTM-EX-ACTUAL). ``EXLOT`` is the product lot, if known.
- TS (trial summary) is where a submission says which protocol the data were collected
  under: its title, registry id and version (§1 *v2*, D-SDTM-TS).

>>> from datetime import date
>>> from aclf_protocol.schedule import build_plan, record_infusion
>>> plan = build_plan(patient_id="RJ-001", weight_kg="62.5", arm="high", start=date(2021, 9, 30))
>>> plan = record_infusion(plan, 1, date(2021, 9, 30))
>>> [(r["USUBJID"], r["EXDOSE"], r["EXDOSU"], r["EXSTDTC"], r["EXSTDY"]) for r in ex_rows([plan])]
[('MSC-ACLF-1-RJ-001', 75000000, 'cells', '2021-09-30', 1)]
"""

from __future__ import annotations

import typing
from collections.abc import Iterable
from datetime import date
from typing import TypeVar

from aclf_protocol._exact import exact
from aclf_protocol._validators import require_instance
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError
from aclf_protocol.interchange import at, date_to_json, records_of
from aclf_protocol.patient import Patient, Sex, age_years
from aclf_protocol.protocol import NCT04822922, Arm, Protocol
from aclf_protocol.safety import EventOutcome, SafetyEvent, Seriousness
from aclf_protocol.schedule import Infusion, InfusionPlan, study_day
from aclf_protocol.stop_rules import evaluate_stop_rules

__all__ = ["SdtmRow", "ae_rows", "dm_rows", "ex_rows", "ts_rows", "usubjid"]

#: One SDTM row: variable name -> value; JSON-compatible.
SdtmRow = dict[str, str | int | None]

_SEX = {Sex.MALE: "M", Sex.FEMALE: "F"}  # CDISC codelist SEX
#: CDISC codelist OUT (C66768) for each outcome of §6.1.
_AEOUT = {
    EventOutcome.RECOVERED: "RECOVERED/RESOLVED",
    EventOutcome.RECOVERING: "RECOVERING/RESOLVING",
    EventOutcome.NOT_RECOVERED: "NOT RECOVERED/NOT RESOLVED",
    EventOutcome.RECOVERED_WITH_SEQUELAE: "RECOVERED/RESOLVED WITH SEQUELAE",
    EventOutcome.FATAL: "FATAL",
    EventOutcome.UNKNOWN: "UNKNOWN",
}
#: The SDTM flag of each ICH E2A seriousness criterion (§6.1), in SDTMIG order.
_SERIOUSNESS_FLAGS = {
    Seriousness.CONGENITAL_ANOMALY: "AESCONG",
    Seriousness.DISABILITY: "AESDISAB",
    Seriousness.DEATH: "AESDTH",
    Seriousness.HOSPITALISATION: "AESHOSP",
    Seriousness.LIFE_THREATENING: "AESLIFE",
    Seriousness.MEDICALLY_IMPORTANT: "AESMIE",
}
#: CDISC codelist ARMNULRS: why ARM / ACTARM is null.
_NOT_ASSIGNED = "NOT ASSIGNED"
_NOT_TREATED = "ASSIGNED, NOT TREATED"
#: EXDOSSRC: whether EXDOSE is the dose actually given or, not yet recorded, the planned one.
_ACTUAL, _PLANNED = "ACTUAL", "PLANNED"


def usubjid(patient_id: str, *, protocol: Protocol = NCT04822922) -> str:
    """The unique subject id of *patient_id*: ``STUDYID-patient_id`` (§9).

    >>> usubjid("RJ-001")
    'MSC-ACLF-1-RJ-001'
    """
    return f"{protocol.study_id}-{patient_id}"


def ts_rows(*, protocol: Protocol = NCT04822922) -> list[SdtmRow]:
    """The TS (trial summary) rows of *protocol*, one per parameter, in TSSEQ order (§1 *v2*).

    ``TITLE`` (trial title), ``REGID`` (registry identifier, the NCT id), ``PROTVERS``
    (the protocol version: a sponsor-defined parameter, D-SDTM-TS), ``NARMS`` (planned arms),
    ``PLANSUB`` (planned subjects, §8), ``AGEMIN`` / ``AGEMAX`` (the age limits of I1 as
    ISO 8601 durations). An amendment's rows differ where it does: the version, and here
    ``AGEMAX`` for a wider age limit.

    >>> [r["TSPARMCD"] for r in ts_rows()]
    ['TITLE', 'REGID', 'PROTVERS', 'NARMS', 'PLANSUB', 'AGEMIN', 'AGEMAX']
    >>> [r["TSVAL"] for r in ts_rows()][1:]
    ['NCT04822922', '1.0', '3', '16', 'P18Y', 'P70Y']
    """
    require_instance(protocol, Protocol, "protocol", "must be a Protocol (§1)")
    parameters: list[tuple[str, str, str, str | None]] = [
        ("TITLE", "Trial Title", protocol.title, None),
        ("REGID", "Registry Identifier", protocol.nct_id, "ClinicalTrials.gov"),
        ("PROTVERS", "Protocol Version", protocol.version, None),
        ("NARMS", "Planned Number of Arms", str(len(protocol.arms)), None),
        ("PLANSUB", "Planned Number of Subjects", str(protocol.enrolment_target), None),
        ("AGEMIN", "Planned Minimum Age of Subjects", f"P{protocol.min_age_years}Y", "ISO 8601"),
        ("AGEMAX", "Planned Maximum Age of Subjects", f"P{protocol.max_age_years}Y", "ISO 8601"),
    ]
    return [
        {
            "STUDYID": protocol.study_id,
            "DOMAIN": "TS",
            "TSSEQ": 1,
            "TSPARMCD": code,
            "TSPARM": name,
            "TSVAL": value,
            "TSVALCD": value if reference == "ClinicalTrials.gov" else None,
            "TSVCDREF": reference,
        }
        for code, name, value, reference in parameters
    ]


def _yes_no(flag: bool) -> str:
    return "Y" if flag else "N"


def _iso(value: date | None) -> str | None:
    return None if value is None else date_to_json(value)


class _PatientRecord(typing.Protocol):
    @property
    def patient_id(self) -> str: ...


_R = TypeVar("_R", bound=_PatientRecord)


def _by_patient(values: object, name: str, kind: type[_R], once: str) -> dict[str, tuple[str, _R]]:
    """Records of *kind* keyed by patient id, each with its argument path (``plans[2]``);
    a second record for one patient breaks the rule *once*."""
    keyed: dict[str, tuple[str, _R]] = {}
    for index, record in enumerate(records_of(values, name)):
        where = f"{name}[{index}]"
        if not isinstance(record, kind):
            raise InvalidValueError(where, record, f"must be {_article(kind)} (§9)")
        if record.patient_id in keyed:
            raise InconsistentRecordError(f"{where}.patient_id", record.patient_id, once)
        keyed[record.patient_id] = (where, record)
    return keyed


def _article(kind: type) -> str:
    name = kind.__name__
    return f"an {name}" if name[0] in "AEIOU" else f"a {name}"


def _plans_by_patient(plans: object) -> dict[str, tuple[str, InfusionPlan]]:
    """Plans keyed by patient id, each with its argument path; one plan per patient (§6.5)."""
    return _by_patient(plans, "plans", InfusionPlan, "one plan per patient (§6.5)")


def _given(plan: InfusionPlan) -> list[tuple[date, Infusion]]:
    """The infusions given, in the order given (the plan's order on the same day)."""
    given = [(i.given_date, i) for i in plan.infusions if i.given_date is not None]
    return sorted(given, key=lambda pair: (pair[0], pair[1].number))


@exact
def dm_rows(
    patients: Iterable[Patient],
    plans: Iterable[InfusionPlan],
    *,
    protocol: Protocol = NCT04822922,
) -> list[SdtmRow]:
    """One DM (demographics) row per patient, sorted by USUBJID (§9).

    ``RFSTDTC`` is the plan's Day 1 and ``AGE`` the completed years on it (§0); ``RFXSTDTC``
    / ``RFXENDTC`` (and ``RFENDTC``) the first and last infusion given. ``ARMCD`` is the arm id
    in capitals, ``ARM`` its label; the actual arm is the planned one once an infusion has been
    given. A patient without a plan has null reference dates and arms, with ``ARMNRS`` saying
    why (``"NOT ASSIGNED"``, or ``"ASSIGNED, NOT TREATED"`` before the first infusion).

    Raises:
        InvalidValueError: A patient id twice, a plan whose patient is not among *patients*
            or whose arm is not in *protocol*, or a birth date after Day 1.

    >>> from datetime import date
    >>> from aclf_protocol.patient import Patient, Sex
    >>> p = Patient(patient_id="RJ-001", birth_date=date(1968, 5, 1), sex=Sex.MALE,
    ...             weight_kg=62.5)
    >>> row = dm_rows([p], [])[0]
    >>> row["USUBJID"], row["SEX"], row["AGE"], row["ARMCD"], row["ARMNRS"]
    ('MSC-ACLF-1-RJ-001', 'M', None, None, 'NOT ASSIGNED')
    """
    checked = _patients(patients)
    by_patient = _plans_by_patient(plans)
    for pid, (plan_where, _) in by_patient.items():
        if pid not in checked:
            raise InvalidValueError(
                f"{plan_where}.patient_id", pid, "has no record among the patients (§9)"
            )
    rows = [
        _dm_row(patient, by_patient.get(pid), protocol=protocol, where=where)
        for pid, (where, patient) in checked.items()
    ]
    return sorted(rows, key=lambda row: str(row["USUBJID"]))


def _patients(patients: object) -> dict[str, tuple[str, Patient]]:
    """Patients keyed by id, each with its argument path; one record per patient."""
    return _by_patient(patients, "patients", Patient, "one record per patient (§9)")


def _arm(plan_where: str, plan: InfusionPlan, protocol: Protocol) -> Arm:
    try:
        return protocol.arm(plan.arm_id)
    except InvalidValueError as err:
        raise InvalidValueError(f"{plan_where}.arm_id", plan.arm_id, err.rule) from None


def _dm_row(
    patient: Patient,
    planned: tuple[str, InfusionPlan] | None,
    *,
    protocol: Protocol,
    where: str,
) -> SdtmRow:
    plan = arm = age = None
    given: tuple[date, ...] = ()
    if planned is not None:
        plan_where, plan = planned
        with at(where):  # a birth date after Day 1 is an error (§5)
            age = age_years(patient.birth_date, plan.start)  # §0: completed years on Day 1
        arm = _arm(plan_where, plan, protocol)
        given = tuple(when for when, _ in _given(plan))
    first, last = (given[0], given[-1]) if given else (None, None)
    arm_code = None if arm is None else arm.arm_id.upper()
    arm_label = None if arm is None else arm.label
    if plan is None:
        reason: str | None = _NOT_ASSIGNED
    else:
        reason = None if given else _NOT_TREATED
    return {
        "STUDYID": protocol.study_id,
        "DOMAIN": "DM",
        "USUBJID": usubjid(patient.patient_id, protocol=protocol),
        "SUBJID": patient.patient_id,
        "RFSTDTC": None if plan is None else date_to_json(plan.start),
        "RFENDTC": _iso(last),
        "RFXSTDTC": _iso(first),
        "RFXENDTC": _iso(last),
        "SITEID": protocol.site_id,
        "BRTHDTC": date_to_json(patient.birth_date),
        "AGE": age,
        "AGEU": None if age is None else "YEARS",
        "SEX": _SEX[patient.sex],
        "ARMCD": arm_code,
        "ARM": arm_label,
        "ACTARMCD": arm_code if given else None,
        "ACTARM": arm_label if given else None,
        "ARMNRS": reason,
        "COUNTRY": protocol.country,
    }


@exact
def ex_rows(plans: Iterable[InfusionPlan], *, protocol: Protocol = NCT04822922) -> list[SdtmRow]:
    """One EX (exposure) row per infusion given, by USUBJID then EXSEQ (§9).

    ``EXSEQ`` numbers a subject's infusions 1..n in the order given; ``EXSPID`` is the
    infusion's number in the plan, so a missed infusion shows as a gap there, never as a
    renumbering (§4.4). ``EXDOSE`` is the exact cell count with ``EXDOSU`` ``"cells"``
    (D-SDTM-EXDOSE): the cells actually given when recorded, else the planned ones, which
    ``EXDOSSRC`` (``"ACTUAL"`` / ``"PLANNED"``) says, beside the planned cells ``EXPLDOS``
    (§4.6, D-SDTM-EX-ACTUAL); ``EXLOT`` the product lot or null. ``VISITNUM`` is the nominal
    study day, ``VISIT`` the protocol's name of that infusion day; ``EXSTDY`` = ``EXENDY``
    the study day given (never 0, §0).

    Raises:
        InvalidValueError: Not a list of plans, or two plans for one patient.

    >>> from datetime import date
    >>> from aclf_protocol.schedule import build_plan, record_infusion
    >>> plan = build_plan(patient_id="RJ-002", weight_kg=80, arm="low", start=date(2021, 10, 1))
    >>> plan = record_infusion(record_infusion(plan, 1, date(2021, 10, 1)), 3, date(2021, 10, 8))
    >>> [(r["EXSEQ"], r["EXSPID"], r["VISIT"], r["EXSTDY"]) for r in ex_rows([plan])]
    [(1, '1', 'INFUSION 1', 1), (2, '3', 'INFUSION 3', 8)]
    >>> plan = record_infusion(plan, 2, date(2021, 10, 4), cells=31_000_000, lot="UC-7")
    >>> for r in ex_rows([plan]):
    ...     print(r["EXSPID"], r["EXDOSE"], r["EXDOSSRC"], r["EXPLDOS"], r["EXLOT"])
    1 32000000 PLANNED 32000000 None
    2 31000000 ACTUAL 32000000 UC-7
    3 32000000 PLANNED 32000000 None
    """
    names = {window.study_day: window.name.upper() for window in protocol.infusion_days}
    rows: list[SdtmRow] = []
    for _, plan in sorted(_plans_by_patient(plans).values(), key=lambda p: p[1].patient_id):
        subject = usubjid(plan.patient_id, protocol=protocol)
        for sequence, (given, infusion) in enumerate(_given(plan), start=1):
            day = study_day(given, plan.start)
            actual = infusion.cells_given
            rows.append(
                {
                    "STUDYID": protocol.study_id,
                    "DOMAIN": "EX",
                    "USUBJID": subject,
                    "EXSEQ": sequence,
                    "EXSPID": str(infusion.number),
                    "EXTRT": protocol.treatment,
                    "EXDOSE": infusion.cells if actual is None else actual,
                    "EXDOSU": "cells",
                    "EXDOSFRM": "SUSPENSION",
                    "EXDOSFRQ": "ONCE",
                    "EXROUTE": protocol.route,
                    "EXLOT": infusion.lot,
                    "VISITNUM": infusion.study_day,
                    "VISIT": names.get(infusion.study_day, f"DAY {infusion.study_day}"),
                    "EPOCH": "TREATMENT",
                    "EXSTDTC": date_to_json(given),
                    "EXENDTC": date_to_json(given),
                    "EXSTDY": day,
                    "EXENDY": day,
                    # Supplemental qualifiers (SUPPEX QNAMs), after the standard variables.
                    "EXPLDOS": infusion.cells,
                    "EXDOSSRC": _PLANNED if actual is None else _ACTUAL,
                }
            )
    return rows  # plans sorted by patient id, so by USUBJID; EXSEQ ascending within each


def _current_versions(
    events: object, plans: list[InfusionPlan], protocol: Protocol
) -> list[tuple[str, SafetyEvent]]:
    """The current version of each event id, with its argument path (§6.5, §6.7).

    The version the stop rules count once every event is known: the latest awareness date
    wins, and of two different versions known the same day the more conservative one
    (:func:`~aclf_protocol.stop_rules.evaluate_stop_rules`, D-SAF-VERSIONS), whatever their
    order in *events*. The path is that of the event's first version.
    """
    first: dict[str, str] = {}
    checked: list[SafetyEvent] = []
    for index, item in enumerate(records_of(events, "events")):
        where = f"events[{index}]"
        event = require_instance(item, SafetyEvent, where, "must be a SafetyEvent (§6.1)")
        first.setdefault(event.event_id, where)
        checked.append(event)
    if not checked:
        return []
    on = max(e.awareness_date for e in checked)
    counted = evaluate_stop_rules(plans, checked, on, protocol=protocol).events
    return [(first[event.event_id], event) for event in counted]


@exact
def ae_rows(
    events: Iterable[SafetyEvent],
    plans: Iterable[InfusionPlan],
    *,
    protocol: Protocol = NCT04822922,
) -> list[SdtmRow]:
    """One AE (adverse event) row per event, by USUBJID then AESEQ (§6.1, §9).

    A re-submitted event id appears once, as its current version (§6.5). ``AESEQ`` numbers a
    subject's events 1..n by onset date, then event id, which ``AESPID`` carries.
    ``AESER`` and the six seriousness flags are ``"Y"``/``"N"``; ``AETOXGR`` is the CTCAE
    grade as a string (codelist TOXGR); ``AEREL`` the causality in capitals (``"NOT
    ASSESSED"`` until assessed, D-SDTM-AEREL); ``AEOUT`` the CDISC outcome term;
    ``AESTDY`` the study day of onset from the plan's Day 1: negative before it, never 0 (§0).

    Raises:
        InvalidValueError: An event's patient has no plan (§6.5), or two plans for one patient.

    >>> from datetime import date
    >>> from aclf_protocol.safety import SafetyEvent
    >>> from aclf_protocol.schedule import build_plan
    >>> plan = build_plan(patient_id="RJ-003", weight_kg=70, arm="low", start=date(2021, 10, 1))
    >>> rash = SafetyEvent(event_id="AE-9", patient_id="RJ-003", term="Rash", grade=1,
    ...                    onset_date=date(2021, 9, 30), awareness_date=date(2021, 10, 1))
    >>> row = ae_rows([rash], [plan])[0]
    >>> row["AESER"], row["AETOXGR"], row["AEREL"], row["AEOUT"], row["AESTDY"]
    ('N', '1', 'NOT ASSESSED', 'UNKNOWN', -1)
    """
    by_patient = _plans_by_patient(plans)
    placed: list[tuple[str, date, str, SafetyEvent, InfusionPlan]] = []
    checked_plans = [plan for _, plan in by_patient.values()]
    for where, event in _current_versions(events, checked_plans, protocol):
        planned = by_patient.get(event.patient_id)
        if planned is None:
            raise InvalidValueError(
                f"{where}.patient_id", event.patient_id, "has no infusion plan (§6.5)"
            )
        placed.append((event.patient_id, event.onset_date, event.event_id, event, planned[1]))
    placed.sort(key=lambda item: item[:3])
    rows: list[SdtmRow] = []
    sequence: dict[str, int] = {}
    for patient_id, _, _, event, plan in placed:
        sequence[patient_id] = sequence.get(patient_id, 0) + 1
        rows.append(_ae_row(event, plan, sequence[patient_id], protocol=protocol))
    return rows


def _ae_row(
    event: SafetyEvent, plan: InfusionPlan, sequence: int, *, protocol: Protocol
) -> SdtmRow:
    row: SdtmRow = {
        "STUDYID": protocol.study_id,
        "DOMAIN": "AE",
        "USUBJID": usubjid(event.patient_id, protocol=protocol),
        "AESEQ": sequence,
        "AESPID": event.event_id,
        "AETERM": event.term,
        "AESER": _yes_no(event.is_serious),
        "AEREL": event.causality.value.upper().replace("_", " "),
        "AEOUT": _AEOUT[event.outcome],
    }
    for criterion, flag in _SERIOUSNESS_FLAGS.items():
        row[flag] = _yes_no(criterion in event.seriousness)
    row["AETOXGR"] = str(event.grade)
    row["AESTDTC"] = date_to_json(event.onset_date)
    row["AESTDY"] = study_day(event.onset_date, plan.start)
    return row
