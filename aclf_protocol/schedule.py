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

from aclf_protocol._exact import exact
from aclf_protocol._validators import (
    a_bool,
    a_date,
    an_optional_date,
    bounded_decimal,
    bounded_int,
    identifier,
    non_empty_str,
    optional,
    require_date,
    require_instance,
)
from aclf_protocol.dosing import (
    cells_per_infusion,
    dose_deviation_percent,
    is_dose_within_tolerance,
    is_viability_acceptable,
)
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError, MissingFactError
from aclf_protocol.interchange import (
    RecordReader,
    as_given,
    date_to_json,
    decimal_to_json,
    lenient_decimal,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    parse_str,
)
from aclf_protocol.patient import (
    WEIGHT_METADATA,
    Patient,
    to_weight_kg,
)
from aclf_protocol.protocol import NCT04822922, Arm, DayWindow, Protocol, protocol_label

__all__ = [
    "AdherenceReport",
    "AdministrationDeviation",
    "AdministrationReport",
    "DeviationKind",
    "Infusion",
    "InfusionAdherence",
    "InfusionAdministration",
    "InfusionPlan",
    "InfusionStatus",
    "Visit",
    "build_plan",
    "cancel_remaining",
    "check_adherence",
    "check_administration",
    "date_of_study_day",
    "follow_up_visits",
    "plan_infusions",
    "record_infusion",
    "safety_window_end",
    "study_day",
]

_PLAN_RULE = "must be an InfusionPlan (§4)"
_CALENDAR_RULE = "gives a date outside the calendar (years 1-9999) (§0)"

_GIVEN_ONLY = "only a given infusion records what was given (§4.6)"
_MAX_CELLS = 10**15

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
    stop rule cancels it (§4.5). An infusion is never both. A given infusion may also record
    what was actually given (§4.6), each unknown (``None``) until the pharmacy reports it.

    Attributes:
        cells: The planned cells (§3.1).
        cells_given: The cells actually infused, an exact ``int`` > 0 (§4.6).
        lot: The product lot (§4.6).
        viability_percent: The product's viability at release, 0-100 % (§3.5, §4.6).
    """

    number: int = bounded_int(1, 1000, "infusions are numbered from 1")
    study_day: int = bounded_int(1, 10**6, "no Day 0 (§0)")
    date: Date = attrs.field(validator=a_date)
    window_start: Date = attrs.field(validator=a_date)
    window_end: Date = attrs.field(validator=a_date)
    cells: int = bounded_int(1, _MAX_CELLS, "whole cells > 0 (§3.1)")
    given_date: Date | None = attrs.field(default=None, validator=an_optional_date)
    cells_given: int | None = bounded_int(
        1, _MAX_CELLS, "whole cells > 0, never a fraction (§0, §4.6)", default=None
    )
    lot: str | None = attrs.field(default=None, validator=optional(identifier))
    viability_percent: Decimal | None = bounded_decimal(
        Decimal(0),
        Decimal(100),
        "a percentage in [0, 100] (§3.5, §4.6)",
        low_inclusive=True,
        default=None,
        converter=lenient_decimal,
    )
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
        if self.given_date is None:
            for name in ("cells_given", "lot", "viability_percent"):
                value = getattr(self, name)
                if value is not None:
                    raise InconsistentRecordError(name, value, _GIVEN_ONLY)

    @property
    def is_given(self) -> bool:
        """Whether the infusion has been given."""
        return self.given_date is not None

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of the infusion (§9): cells as integers, viability as a number."""
        viability = self.viability_percent
        return {
            "number": self.number,
            "study_day": self.study_day,
            "date": date_to_json(self.date),
            "window_start": date_to_json(self.window_start),
            "window_end": date_to_json(self.window_end),
            "cells": self.cells,
            "given_date": None if self.given_date is None else date_to_json(self.given_date),
            "cells_given": self.cells_given,
            "lot": self.lot,
            "viability_percent": None if viability is None else decimal_to_json(viability),
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
            "cells_given": r.get("cells_given", parse_int),
            "lot": r.get("lot", parse_str),
            "viability_percent": r.get("viability_percent", parse_decimal),
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

    patient_id: str = attrs.field(validator=identifier)
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
            "patient_id": r.get("patient_id", identifier.require, required=True),
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


@exact
def plan_infusions(
    patient: Patient, arm: Arm | str, start: date, *, protocol: Protocol = NCT04822922
) -> InfusionPlan:
    """The infusion plan of *patient* on *arm* with Day 1 = *start* (§3.1, §4.1).

    Args:
        patient: The enrolled patient; its ``weight_kg`` is the baseline weight (§3.1).
        arm: An ``Arm`` of *protocol* or its id.
        start: Enrolment date = Day 1 = first infusion (§0).

    Raises:
        MissingFactError: The patient's weight is unknown (§9 *v2*: screening does without
            it, a dose does not); code ``missing_fact``.

    >>> from aclf_protocol.patient import Patient, Sex
    >>> p = Patient(patient_id="P", birth_date=date(1970, 1, 1), sex=Sex.FEMALE, weight_kg=50)
    >>> [(i.study_day, str(i.window_start), str(i.window_end)) for i in
    ...  plan_infusions(p, "low", date(2021, 9, 30)).infusions][1]
    (4, '2021-10-02', '2021-10-04')
    >>> plan_infusions(attrs.evolve(p, weight_kg=None), "low", date(2021, 9, 30))
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.MissingFactError: weight_kg: is unknown; a dose needs ...
    """
    require_instance(patient, Patient, "patient", "must be a Patient (§10)")
    if patient.weight_kg is None:
        raise MissingFactError(
            "weight_kg", None, "is unknown; a dose needs the baseline weight (§3.1, §9)"
        )
    return build_plan(
        patient_id=patient.patient_id,
        weight_kg=patient.weight_kg,
        arm=arm,
        start=start,
        protocol=protocol,
    )


@exact
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


def record_infusion(
    plan: InfusionPlan,
    number: int,
    given_on: date,
    *,
    cells: int | None = None,
    lot: str | None = None,
    viability_percent: Decimal | float | None = None,
) -> InfusionPlan:
    """The plan with infusion *number* given on *given_on* (any date: adherence judges it).

    What was actually given is recorded too, when known (§4.6); a dose outside tolerance or a
    failed release is recorded as it happened, never refused: :func:`check_administration`
    reports it.

    Args:
        cells: The cells actually infused, an exact ``int`` (§0, §4.6).
        lot: The product lot, printable text (§4.6).
        viability_percent: The product's viability at release, 0-100 % (§3.5).

    Raises:
        InvalidValueError: No such infusion, it is cancelled, or it is already recorded; or
            cells, lot or viability are not what they claim (named ``cells``, ``lot``,
            ``viability_percent``).

    >>> from aclf_protocol.patient import Patient, Sex
    >>> p = Patient(patient_id="P", birth_date=date(1970, 1, 1), sex=Sex.MALE, weight_kg=70)
    >>> plan = record_infusion(plan_infusions(p, "low", date(2021, 9, 30)), 1, date(2021, 9, 30))
    >>> plan.last_given_date
    datetime.date(2021, 9, 30)
    >>> plan = record_infusion(plan, 2, date(2021, 10, 3), cells=27_500_000, lot="UC-0921",
    ...                        viability_percent=Decimal("91.5"))
    >>> second = plan.infusions[1]
    >>> second.cells, second.cells_given, second.lot, second.viability_percent
    (28000000, 27500000, 'UC-0921', Decimal('91.5'))
    >>> record_infusion(plan, 3, date(2021, 10, 6), cells=2.8e7)
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: cells: whole cells > 0, ... (§0, §4.6); got 28000000.0
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
    viability: Any = viability_percent  # the field's converter reads a float by its repr (§0)
    try:
        updated = attrs.evolve(
            target, given_date=given_on, cells_given=cells, lot=lot, viability_percent=viability
        )
    except InvalidValueError as err:  # name the argument: ``cells``, not the field
        if err.field != "cells_given":
            raise
        raise InvalidValueError("cells", err.value, err.rule) from None
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
    """Adherence of a plan's infusions (§4.4), under ``protocol`` (its minimum interval,
    §4.1; ``to_dict()`` names it, §1 *v2*)."""

    patient_id: str
    infusions: tuple[InfusionAdherence, ...]
    protocol: Protocol = attrs.field(repr=False)

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
            "protocol": protocol_label(self.protocol),
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
    return AdherenceReport(patient_id=plan.patient_id, infusions=tuple(rows), protocol=protocol)


class DeviationKind(enum.Enum):
    """How a given infusion departed from its plan or its release limits (§3.5, §4.6)."""

    DOSE_OUTSIDE_TOLERANCE = "dose_outside_tolerance"
    VIABILITY_BELOW_RELEASE = "viability_below_release"


@attrs.frozen(kw_only=True)
class AdministrationDeviation:
    """One deviation of a given infusion, reported, never refused: it happened (§4.6)."""

    number: int
    kind: DeviationKind
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {"number": self.number, "kind": self.kind.value, "reason": self.reason}


def _optional_number(value: Decimal | None) -> int | float | str | None:
    return None if value is None else decimal_to_json(value)


@attrs.frozen(kw_only=True)
class InfusionAdministration:
    """What was given at one infusion against its plan and the release limits (§3.5, §4.6).

    Each judgement is ``None`` while the fact it needs is unknown: ``within_tolerance``
    without ``cells_given``, ``viability_acceptable`` without ``viability_percent``;
    ``release_passed`` is false once either fails, true once both pass.
    """

    number: int
    given_date: date
    planned_cells: int
    cells_given: int | None
    deviation_percent: Decimal | None
    within_tolerance: bool | None
    lot: str | None
    viability_percent: Decimal | None
    viability_acceptable: bool | None
    release_passed: bool | None
    deviations: tuple[AdministrationDeviation, ...]
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record: cells as integers, percentages as numbers."""
        return {
            "number": self.number,
            "given_date": date_to_json(self.given_date),
            "planned_cells": self.planned_cells,
            "cells_given": self.cells_given,
            "deviation_percent": _optional_number(self.deviation_percent),
            "within_tolerance": self.within_tolerance,
            "lot": self.lot,
            "viability_percent": _optional_number(self.viability_percent),
            "viability_acceptable": self.viability_acceptable,
            "release_passed": self.release_passed,
            "deviations": [d.to_dict() for d in self.deviations],
            "reason": self.reason,
        }


@attrs.frozen(kw_only=True)
class AdministrationReport:
    """What was actually given at each given infusion of a plan, in plan order (§4.6), judged
    under ``protocol`` (its dose tolerance and viability floor, §3.5; ``to_dict()`` names it,
    §1 *v2*)."""

    patient_id: str
    infusions: tuple[InfusionAdministration, ...]
    protocol: Protocol = attrs.field(repr=False)

    @property
    def deviations(self) -> tuple[AdministrationDeviation, ...]:
        """Every deviation, by infusion number: doses outside tolerance, failed releases."""
        return tuple(d for i in self.infusions for d in i.deviations)

    @property
    def missing(self) -> tuple[str, ...]:
        """Plan record paths of the facts that would let a judgement be made (§4.6)."""
        paths = []
        for i in self.infusions:
            where = f"infusions[{i.number - 1}]"
            if i.cells_given is None:
                paths.append(f"{where}.cells_given")
            if i.viability_percent is None:
                paths.append(f"{where}.viability_percent")
        return tuple(paths)

    @property
    def reason(self) -> str:
        """One line: the infusions given, their deviations and what is not yet recorded."""
        given, found = len(self.infusions), len(self.deviations)
        if not given:
            return f"{self.patient_id}: no infusion given yet (§4.6)"
        unknown = [
            f"{what} of infusion {i.number}"
            for i in self.infusions
            for what, value in (("cells given", i.cells_given), ("viability", i.viability_percent))
            if value is None
        ]
        open_facts = f"; not recorded: {', '.join(unknown)}" if unknown else ""
        return (
            f"{self.patient_id}: {given} infusion(s) given, {found} deviation(s){open_facts} (§4.6)"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "patient_id": self.patient_id,
            "protocol": protocol_label(self.protocol),
            "infusions": [i.to_dict() for i in self.infusions],
            "deviations": [d.to_dict() for d in self.deviations],
            "missing": list(self.missing),
            "reason": self.reason,
        }


def _administration(
    infusion: Infusion, given_on: date, protocol: Protocol
) -> InfusionAdministration:
    """The judgement of one given infusion; the sentences name every figure used (§4.6)."""
    planned, given, viability = infusion.cells, infusion.cells_given, infusion.viability_percent
    opening = f"infusion {infusion.number} given {given_on}"
    tolerance = f"±{protocol.dose_tolerance_percent} %"
    floor = f"{protocol.min_viability_percent} %"
    deviations: list[AdministrationDeviation] = []
    deviation = within = acceptable = None
    if given is None:
        dose = f"cells given not recorded ({planned} planned)"
    else:
        deviation = dose_deviation_percent(given, planned)
        within = is_dose_within_tolerance(given, planned, protocol=protocol)
        band = "within" if within else "outside"
        dose = f"{given} cells given for {planned} planned ({deviation:+} %, {band} {tolerance})"
        if not within:
            deviations.append(
                AdministrationDeviation(
                    number=infusion.number,
                    kind=DeviationKind.DOSE_OUTSIDE_TOLERANCE,
                    reason=f"{opening}: {given} cells for {planned} planned is {deviation:+} %, "
                    f"outside {tolerance} (§3.5, §4.6)",
                )
            )
    if viability is None:
        viable = "viability not recorded"
    else:
        acceptable = is_viability_acceptable(viability, protocol=protocol)
        viable = f"viability {viability} % ({'at least' if acceptable else 'below'} {floor})"
        if not acceptable:
            deviations.append(
                AdministrationDeviation(
                    number=infusion.number,
                    kind=DeviationKind.VIABILITY_BELOW_RELEASE,
                    reason=f"{opening}: viability {viability} % at release is below {floor} "
                    "(§3.5, §4.6)",
                )
            )
    if within is False or acceptable is False:
        passed: bool | None = False
    elif within is None or acceptable is None:
        passed = None
    else:
        passed = True
    release = {True: "release passed", False: "release failed", None: "release not judged"}
    lot = "lot not recorded" if infusion.lot is None else f"lot {infusion.lot}"
    return InfusionAdministration(
        number=infusion.number,
        given_date=given_on,
        planned_cells=planned,
        cells_given=given,
        deviation_percent=deviation,
        within_tolerance=within,
        lot=infusion.lot,
        viability_percent=viability,
        viability_acceptable=acceptable,
        release_passed=passed,
        deviations=tuple(deviations),
        reason=f"{opening}: {dose}; {lot}; {viable}; {release[passed]} (§3.5, §4.6)",
    )


@exact
def check_administration(
    plan: InfusionPlan, *, protocol: Protocol = NCT04822922
) -> AdministrationReport:
    """What was given at each given infusion: dose deviation and release check (§3.5, §4.6).

    The cells given are compared with the infusion's planned cells (within
    ``± dose_tolerance_percent``, edge included, judged on exact integers) and the viability
    with ``min_viability_percent``. A dose outside tolerance or a failed release is listed in
    ``.deviations``: it happened, and the record says so. An unknown fact leaves its
    judgement open (``None``) and is listed in ``.missing``; it is never taken as a pass.

    >>> plan = build_plan(patient_id="RJ-001", weight_kg="62.5", arm="high",
    ...                   start=date(2021, 9, 30))
    >>> plan = record_infusion(plan, 1, date(2021, 9, 30), cells=73_000_000, lot="UC-01",
    ...                        viability_percent=91)
    >>> plan = record_infusion(plan, 2, date(2021, 10, 3), cells=90_000_000,
    ...                        viability_percent=65)
    >>> report = check_administration(plan)
    >>> [(i.number, i.deviation_percent, i.within_tolerance, i.release_passed)
    ...  for i in report.infusions]
    [(1, Decimal('-2.67'), True, True), (2, Decimal('20.00'), False, False)]
    >>> [d.kind.value for d in report.deviations]
    ['dose_outside_tolerance', 'viability_below_release']
    >>> print(report.deviations[0].reason)
    infusion 2 given 2021-10-03: 90000000 cells for 75000000 planned is +20.00 %,
    outside ±10 % (§3.5, §4.6)
    """
    require_instance(plan, InfusionPlan, "plan", _PLAN_RULE)
    rows = tuple(
        _administration(i, i.given_date, protocol)
        for i in plan.infusions
        if i.given_date is not None
    )
    return AdministrationReport(patient_id=plan.patient_id, infusions=rows, protocol=protocol)
