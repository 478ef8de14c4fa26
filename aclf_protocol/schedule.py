"""Infusion schedules, visit windows and adherence (SPEC §0, §4).

Day 1 is the enrolment date and the first infusion; there is no Day 0 (§0).

>>> from aclf_protocol.patient import Patient, Sex
>>> p = Patient(patient_id="RJ-001", birth_date=date(1968, 5, 1), sex=Sex.MALE,
...             weight_kg=Decimal("62.5"))
>>> plan = plan_infusions(p, "high", date(2021, 9, 30))
>>> [str(i.date) for i in plan.infusions]
['2021-09-30', '2021-10-03', '2021-10-06', '2021-10-09']
>>> plan.total_cells
300000000
"""

from __future__ import annotations

import enum
import itertools
from collections.abc import Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any, TypeAlias

import attrs
from dateutil.relativedelta import relativedelta

from aclf_protocol._validators import (
    a_bool,
    a_date,
    an_optional_date,
    bounded_int,
    non_empty_str,
    require_date,
    require_instance,
)
from aclf_protocol.dosing import cells_per_infusion
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError
from aclf_protocol.interchange import (
    RecordReader,
    as_given,
    date_to_json,
    parse_bool,
    parse_date,
    parse_int,
    parse_str,
)
from aclf_protocol.patient import (
    WEIGHT_METADATA,
    Patient,
    to_weight_kg,
)
from aclf_protocol.protocol import NCT04822922, Arm, DayWindow, Protocol

__all__ = [
    "AdherenceReport",
    "Infusion",
    "InfusionAdherence",
    "InfusionPlan",
    "InfusionStatus",
    "Visit",
    "build_plan",
    "cancel_remaining",
    "check_adherence",
    "date_of_study_day",
    "follow_up_visits",
    "plan_infusions",
    "record_infusion",
    "safety_window_end",
    "study_day",
]

_PLAN_RULE = "must be an InfusionPlan (§4)"
_CALENDAR_RULE = "gives a date outside the calendar (years 1-9999) (§0)"

#: ``date`` under another name: ``Infusion.date`` and ``Visit.date`` shadow it in their class.
Date: TypeAlias = date


def date_of_study_day(day: int, reference: date) -> date:
    """The calendar date of study *day* (§0: Day 1 is *reference*; no Day 0).

    >>> date_of_study_day(4, date(2021, 9, 30)), date_of_study_day(-1, date(2021, 9, 30))
    (datetime.date(2021, 10, 3), datetime.date(2021, 9, 29))
    >>> date_of_study_day(0, date(2021, 9, 30))
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: study_day: there is no Day 0 (§0); got 0
    """
    require_date(reference, "reference")
    if type(day) is not int:
        raise InvalidValueError("study_day", day, "must be a whole study day, e.g. 4 or -1 (§0)")
    if day == 0:
        raise InvalidValueError("study_day", day, "there is no Day 0 (§0)")
    try:
        return reference + timedelta(days=day - 1 if day > 0 else day)
    except OverflowError:
        raise InvalidValueError("study_day", day, _CALENDAR_RULE) from None


def study_day(on: date, reference: date) -> int:
    """The SDTM study day of *on* for Day 1 = *reference* (§0: the day before Day 1 is -1).

    >>> [study_day(date(2022, 1, d), date(2022, 1, 3)) for d in (2, 3, 4)]   # Rsdtm make_dy
    [-1, 1, 2]
    """
    delta = (require_date(on, "on") - require_date(reference, "reference")).days
    return delta + 1 if delta >= 0 else delta


@attrs.frozen(kw_only=True)
class Visit:
    """A dated study visit with its window, inclusive (§4.2, §4.3)."""

    name: str
    study_day: int
    date: Date
    window_start: Date
    window_end: Date

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record of the visit."""
        return {
            "name": self.name,
            "study_day": self.study_day,
            "date": date_to_json(self.date),
            "window_start": date_to_json(self.window_start),
            "window_end": date_to_json(self.window_end),
        }


def _visit(start: date, window: DayWindow) -> Visit:
    nominal = date_of_study_day(window.study_day, start)
    try:
        window_start = nominal - timedelta(days=window.days_before)
        window_end = nominal + timedelta(days=window.days_after)
    except OverflowError:
        raise InvalidValueError("start", start, _CALENDAR_RULE) from None
    return Visit(
        name=window.name,
        study_day=window.study_day,
        date=nominal,
        window_start=window_start,
        window_end=window_end,
    )


@attrs.frozen(kw_only=True)
class Infusion:
    """One planned infusion (§4.1): its number, nominal study day and date, window and cells.

    ``given_date`` is set once it is given (:func:`record_infusion`); ``cancelled`` once a
    stop rule cancels it (§4.5). An infusion is never both.
    """

    number: int = bounded_int(1, 1000, "infusions are numbered from 1")
    study_day: int = bounded_int(1, 10**6, "no Day 0 (§0)")
    date: Date = attrs.field(validator=a_date)
    window_start: Date = attrs.field(validator=a_date)
    window_end: Date = attrs.field(validator=a_date)
    cells: int = bounded_int(1, 10**15, "whole cells > 0 (§3.1)")
    given_date: Date | None = attrs.field(default=None, validator=an_optional_date)
    cancelled: bool = attrs.field(default=False, validator=a_bool)

    def __attrs_post_init__(self) -> None:
        if not self.window_start <= self.date <= self.window_end:
            raise InconsistentRecordError(
                "date",
                self.date,
                f"must lie in its window {self.window_start}..{self.window_end} (§4.1)",
            )
        if self.cancelled and self.given_date is not None:
            raise InconsistentRecordError(
                "cancelled", self.cancelled, "a given infusion cannot be cancelled (§4.5)"
            )

    @property
    def is_given(self) -> bool:
        """Whether the infusion has been given."""
        return self.given_date is not None

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of the infusion (§9)."""
        return {
            "number": self.number,
            "study_day": self.study_day,
            "date": date_to_json(self.date),
            "window_start": date_to_json(self.window_start),
            "window_end": date_to_json(self.window_end),
            "cells": self.cells,
            "given_date": None if self.given_date is None else date_to_json(self.given_date),
            "cancelled": self.cancelled,
        }

    @classmethod
    def from_dict(cls, record: object) -> Infusion:
        """Read an infusion record (§9)."""
        r = RecordReader(record, what="infusion")
        values = {
            "number": r.get("number", parse_int, required=True),
            "study_day": r.get("study_day", parse_int, required=True),
            "date": r.get("date", parse_date, required=True),
            "window_start": r.get("window_start", parse_date, required=True),
            "window_end": r.get("window_end", parse_date, required=True),
            "cells": r.get("cells", parse_int, required=True),
            "given_date": r.get("given_date", parse_date),
            "cancelled": r.get("cancelled", parse_bool) or False,
        }
        return r.build_model(cls, values)


def _infusions(value: object) -> object:
    return tuple(value) if isinstance(value, list) else value


@attrs.frozen(kw_only=True)
class InfusionPlan:
    """One patient's infusions on one arm from Day 1 = ``start`` (§4).

    ``stopped_on`` is the date the intervention was stopped (§4.5, §6), if it was.
    """

    patient_id: str = attrs.field(validator=non_empty_str)
    arm_id: str = attrs.field(validator=non_empty_str)
    start: date = attrs.field(validator=a_date)
    weight_kg: Decimal = attrs.field(converter=to_weight_kg, metadata=WEIGHT_METADATA)
    infusions: tuple[Infusion, ...] = attrs.field(converter=_infusions)
    stopped_on: date | None = attrs.field(default=None, validator=an_optional_date)

    def __attrs_post_init__(self) -> None:
        _check_plan(self)

    @property
    def total_cells(self) -> int:
        """Cells over the infusions still planned or given, i.e. not cancelled (§3.3)."""
        return sum(i.cells for i in self.infusions if not i.cancelled)

    @property
    def last_given_date(self) -> date | None:
        """Date of the latest infusion given so far, if any (§6.6)."""
        given = [i.given_date for i in self.infusions if i.given_date is not None]
        return max(given) if given else None

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of the plan (§9); weight as a decimal string."""
        return {
            "patient_id": self.patient_id,
            "arm_id": self.arm_id,
            "start": date_to_json(self.start),
            "weight_kg": str(self.weight_kg),
            "infusions": [i.to_dict() for i in self.infusions],
            "stopped_on": None if self.stopped_on is None else date_to_json(self.stopped_on),
            "total_cells": self.total_cells,
        }

    @classmethod
    def from_dict(cls, record: object) -> InfusionPlan:
        """Read a plan record (§9). ``total_cells``, if given, must match the infusions."""
        r = RecordReader(record, what="plan")
        values = {
            "patient_id": r.get("patient_id", parse_str, required=True),
            "arm_id": r.get("arm_id", parse_str, required=True),
            "start": r.get("start", parse_date, required=True),
            "weight_kg": r.get("weight_kg", as_given, required=True, as_read=True),
            "infusions": tuple(r.each("infusions", Infusion.from_dict)),
            "stopped_on": r.get("stopped_on", parse_date),
        }
        total = r.get("total_cells", parse_int)
        plan = r.build_model(cls, values)
        if total is not None and total != plan.total_cells:
            raise InconsistentRecordError(
                "total_cells",
                total,
                f"must equal the sum of the infusions' cells, {plan.total_cells}",
            )
        return plan


def _check_plan(plan: InfusionPlan) -> None:
    # Typed a tuple, but a caller may pass a number: iterating it would raise TypeError (§0).
    given: object = plan.infusions
    if not isinstance(given, tuple) or not given or not all(isinstance(i, Infusion) for i in given):
        raise InvalidValueError("infusions", given, "must be a non-empty tuple of Infusion")
    infusions = plan.infusions
    for index, infusion in enumerate(infusions, start=1):
        where = f"infusions[{index - 1}]"
        if infusion.number != index:
            raise InconsistentRecordError(
                f"{where}.number",
                infusion.number,
                f"infusions are numbered 1..n in order; expected {index}",
            )
        if infusion.date != date_of_study_day(infusion.study_day, plan.start):
            raise InconsistentRecordError(
                f"{where}.date",
                infusion.date,
                f"must be study day {infusion.study_day} from start {plan.start} (§0)",
            )
        if infusion.given_date is not None and infusion.given_date < plan.start:
            raise InconsistentRecordError(
                f"{where}.given_date", infusion.given_date, f"must not precede Day 1 {plan.start}"
            )
    if any(a.date >= b.date for a, b in itertools.pairwise(infusions)):
        raise InconsistentRecordError("infusions", infusions, "dates must strictly increase (§4.1)")


def plan_infusions(
    patient: Patient, arm: Arm | str, start: date, *, protocol: Protocol = NCT04822922
) -> InfusionPlan:
    """The infusion plan of *patient* on *arm* with Day 1 = *start* (§3.1, §4.1).

    Args:
        patient: The enrolled patient; its ``weight_kg`` is the baseline weight (§3.1).
        arm: An ``Arm`` of *protocol* or its id.
        start: Enrolment date = Day 1 = first infusion (§0).

    >>> from aclf_protocol.patient import Patient, Sex
    >>> p = Patient(patient_id="P", birth_date=date(1970, 1, 1), sex=Sex.FEMALE, weight_kg=50)
    >>> [(i.study_day, str(i.window_start), str(i.window_end)) for i in
    ...  plan_infusions(p, "low", date(2021, 9, 30)).infusions][1]
    (4, '2021-10-02', '2021-10-04')
    """
    require_instance(patient, Patient, "patient", "must be a Patient (§10)")
    return build_plan(
        patient_id=patient.patient_id,
        weight_kg=patient.weight_kg,
        arm=arm,
        start=start,
        protocol=protocol,
    )


def build_plan(
    *,
    patient_id: str,
    weight_kg: Decimal | float | str,
    arm: Arm | str,
    start: date,
    protocol: Protocol = NCT04822922,
) -> InfusionPlan:
    """The plan of :func:`plan_infusions` from a patient id and a baseline weight alone.

    For a pharmacy that knows the weight but not the whole patient record (§3.1, §4.1).

    >>> plan = build_plan(patient_id="P", weight_kg="80", arm="medium", start=date(2021, 9, 30))
    >>> plan.total_cells
    256000000
    """
    a_date.require(start, "start")
    weight = to_weight_kg(weight_kg)
    chosen = protocol.arm(arm)
    cells = cells_per_infusion(chosen, weight, protocol=protocol)
    infusions = []
    for number, window in enumerate(protocol.infusion_days, start=1):
        visit = _visit(start, window)
        infusions.append(
            Infusion(
                number=number,
                study_day=window.study_day,
                date=visit.date,
                window_start=visit.window_start,
                window_end=visit.window_end,
                cells=cells,
            )
        )
    return InfusionPlan(
        patient_id=patient_id,
        arm_id=chosen.arm_id,
        start=start,
        weight_kg=weight,
        infusions=tuple(infusions),
    )


def safety_window_end(start: date, *, protocol: Protocol = NCT04822922) -> date:
    """Last day of the safety window: Day 1 + one calendar month, inclusive (§4.2).

    >>> safety_window_end(date(2021, 9, 30)), safety_window_end(date(2021, 1, 31))
    (datetime.date(2021, 10, 30), datetime.date(2021, 2, 28))
    """
    require_date(start, "start")
    try:
        return start + relativedelta(months=protocol.safety_window_months)
    except (OverflowError, ValueError):  # past 9999-12-31
        raise InvalidValueError("start", start, _CALENDAR_RULE) from None


def follow_up_visits(start: date, *, protocol: Protocol = NCT04822922) -> tuple[Visit, ...]:
    """The efficacy follow-up visits from Day 1 = *start* with their windows (§4.3).

    >>> [(v.name, str(v.date)) for v in follow_up_visits(date(2021, 9, 30))][:2]
    [('Day 14', '2021-10-13'), ('Day 28', '2021-10-27')]
    """
    require_date(start, "start")
    return tuple(_visit(start, window) for window in protocol.follow_up_visits)


def record_infusion(plan: InfusionPlan, number: int, given_on: date) -> InfusionPlan:
    """The plan with infusion *number* given on *given_on* (any date: adherence judges it).

    Raises:
        InvalidValueError: No such infusion, it is cancelled, or it is already recorded.

    >>> from aclf_protocol.patient import Patient, Sex
    >>> p = Patient(patient_id="P", birth_date=date(1970, 1, 1), sex=Sex.MALE, weight_kg=70)
    >>> plan = record_infusion(plan_infusions(p, "low", date(2021, 9, 30)), 1, date(2021, 9, 30))
    >>> plan.last_given_date
    datetime.date(2021, 9, 30)
    """
    require_instance(plan, InfusionPlan, "plan", _PLAN_RULE)
    if type(number) is not int or not 1 <= number <= len(plan.infusions):
        raise InvalidValueError(
            "number", number, f"must be an infusion number 1..{len(plan.infusions)}"
        )
    a_date.require(given_on, "given_date")
    target = plan.infusions[number - 1]
    if target.cancelled:
        raise InconsistentRecordError("number", number, "that infusion is cancelled (§4.5)")
    if target.given_date is not None:
        raise InconsistentRecordError(
            "number", number, f"that infusion was already given on {target.given_date}"
        )
    updated = attrs.evolve(target, given_date=given_on)
    infusions = tuple(updated if i.number == number else i for i in plan.infusions)
    return attrs.evolve(plan, infusions=infusions)


def cancel_remaining(plan: InfusionPlan, stopped_on: date) -> InfusionPlan:
    """The plan stopped on *stopped_on*: every infusion not given whose window had not closed
    before the stop date is cancelled (§4.5, §6.7 *v2*).

    That is every infusion not given with ``window_end >= stopped_on``: those dated on or
    after the stop date, and one whose window is still open on it (on hold that day). One
    whose window closed before the stop date stays as it is: missed (§4.4). Safety and
    follow-up visits are unaffected: they are derived from ``start``. Cancelling twice keeps
    the earlier stop date, and cancels from it.

    >>> plan = build_plan(patient_id="P", weight_kg=60, arm="low", start=date(2021, 10, 1))
    >>> plan = record_infusion(plan, 1, date(2021, 10, 1))
    >>> stopped = cancel_remaining(plan, date(2021, 10, 5))    # infusion 2: window 10-03..10-05
    >>> [(i.number, i.cancelled) for i in stopped.infusions]
    [(1, False), (2, True), (3, True), (4, True)]
    >>> [i.cancelled for i in cancel_remaining(plan, date(2021, 10, 6)).infusions]  # 2 missed
    [False, False, True, True]
    """
    require_instance(plan, InfusionPlan, "plan", _PLAN_RULE)
    require_date(stopped_on, "stopped_on")
    stop = stopped_on if plan.stopped_on is None else min(plan.stopped_on, stopped_on)
    infusions = tuple(
        attrs.evolve(i, cancelled=True) if i.given_date is None and i.window_end >= stop else i
        for i in plan.infusions
    )
    return attrs.evolve(plan, infusions=infusions, stopped_on=stop)


class InfusionStatus(enum.Enum):
    """Adherence status of one infusion (§4.4)."""

    IN_WINDOW = "in_window"
    OUT_OF_WINDOW = "out_of_window"
    MISSED = "missed"
    PENDING = "pending"
    CANCELLED = "cancelled"


@attrs.frozen(kw_only=True)
class InfusionAdherence:
    """How one infusion went against its window (§4.4)."""

    number: int
    planned_date: date
    window_start: Date
    window_end: date
    actual_date: date | None
    status: InfusionStatus
    deviation_days: int | None
    interval_days: int | None
    interval_breach: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "number": self.number,
            "planned_date": date_to_json(self.planned_date),
            "window_start": date_to_json(self.window_start),
            "window_end": date_to_json(self.window_end),
            "actual_date": None if self.actual_date is None else date_to_json(self.actual_date),
            "status": self.status.value,
            "deviation_days": self.deviation_days,
            "interval_days": self.interval_days,
            "interval_breach": self.interval_breach,
        }


@attrs.frozen(kw_only=True)
class AdherenceReport:
    """Adherence of a plan's infusions (§4.4)."""

    patient_id: str
    infusions: tuple[InfusionAdherence, ...]

    @property
    def missed(self) -> tuple[int, ...]:
        """Numbers of missed infusions (never renumbered)."""
        return tuple(i.number for i in self.infusions if i.status is InfusionStatus.MISSED)

    @property
    def out_of_window(self) -> tuple[int, ...]:
        """Numbers of infusions given outside their window."""
        return tuple(i.number for i in self.infusions if i.status is InfusionStatus.OUT_OF_WINDOW)

    @property
    def interval_breaches(self) -> tuple[int, ...]:
        """Numbers of infusions given too soon after the previous given one (§4.1)."""
        return tuple(i.number for i in self.infusions if i.interval_breach)

    @property
    def adherent(self) -> bool:
        """No missed, out-of-window or too-close infusion."""
        return not (self.missed or self.out_of_window or self.interval_breaches)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "patient_id": self.patient_id,
            "infusions": [i.to_dict() for i in self.infusions],
            "missed": list(self.missed),
            "out_of_window": list(self.out_of_window),
            "interval_breaches": list(self.interval_breaches),
            "adherent": self.adherent,
        }


def check_adherence(
    plan: InfusionPlan,
    actual: Mapping[int, date | None] | None = None,
    on: date | None = None,
    *,
    protocol: Protocol = NCT04822922,
) -> AdherenceReport:
    """Adherence of actual infusion dates to the plan (§4.4).

    Args:
        plan: The plan; its recorded ``given_date`` values are used where *actual* is silent.
        actual: Infusion number -> date given (``None``: not given). Overrides the plan.
        on: The date of the check. An infusion not given is MISSED once its window has
            closed before *on*, else PENDING. Without *on* the schedule is taken as over,
            so every infusion not given is MISSED.

    >>> from aclf_protocol.patient import Patient, Sex
    >>> p = Patient(patient_id="P", birth_date=date(1970, 1, 1), sex=Sex.MALE, weight_kg=70)
    >>> plan = plan_infusions(p, "low", date(2021, 9, 30))
    >>> r = check_adherence(plan, {1: date(2021, 9, 30), 2: date(2021, 10, 5), 3: None,
    ...                            4: date(2021, 10, 6)})
    >>> [(i.number, i.status.value, i.deviation_days) for i in r.infusions]
    [(1, 'in_window', 0), (2, 'out_of_window', 2), (3, 'missed', None), (4, 'out_of_window', -3)]
    >>> r.interval_breaches
    (4,)
    """
    require_instance(plan, InfusionPlan, "plan", _PLAN_RULE)
    if on is not None:
        require_date(on, "on")
    if actual is not None and not isinstance(actual, Mapping):
        raise InvalidValueError("actual", actual, "must map infusion numbers to dates (§4.4)")
    given = {i.number: i.given_date for i in plan.infusions}
    for number, when in (actual or {}).items():
        if number not in given:
            raise InvalidValueError("actual", number, f"no infusion {number} in the plan")
        if when is not None:
            a_date.require(when, "given_date")
        given[number] = when
    rows: list[InfusionAdherence] = []
    previous: date | None = None
    for infusion in plan.infusions:
        when = given[infusion.number]
        interval = None if when is None or previous is None else (when - previous).days
        breach = interval is not None and interval < protocol.min_interval_days
        if when is not None:
            inside = infusion.window_start <= when <= infusion.window_end
            status = InfusionStatus.IN_WINDOW if inside else InfusionStatus.OUT_OF_WINDOW
            previous = when
        elif infusion.cancelled:
            status = InfusionStatus.CANCELLED
        elif on is None or infusion.window_end < on:
            status = InfusionStatus.MISSED
        else:
            status = InfusionStatus.PENDING
        rows.append(
            InfusionAdherence(
                number=infusion.number,
                planned_date=infusion.date,
                window_start=infusion.window_start,
                window_end=infusion.window_end,
                actual_date=when,
                status=status,
                deviation_days=None if when is None else (when - infusion.date).days,
                interval_days=interval,
                interval_breach=breach,
            )
        )
    return AdherenceReport(patient_id=plan.patient_id, infusions=tuple(rows))
