"""Infusion schedules, windows, follow-up and adherence (SPEC §0, §4).

The wording of every refusal (field, rule, value) is kept in ``tests/golden/errors/schedule.txt``.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from functools import partial
from typing import Any

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    InconsistentRecordError,
    Infusion,
    InfusionPlan,
    InvalidRecordError,
    Patient,
    Sex,
    plan_infusions,
)
from aclf_protocol.protocol import DayWindow
from aclf_protocol.schedule import (
    InfusionStatus,
    build_plan,
    cancel_remaining,
    check_adherence,
    date_of_study_day,
    follow_up_visits,
    record_infusion,
    safety_window_end,
    study_day,
)
from tests.fixtures import assert_golden, d, error_table, invalid, refusal
from tests.strategies import arm_ids, patients, plans, study_dates

#: RJ-001 of SPEC §9 (62.5 kg) and a plain 70 kg patient, both starting 2021-09-30.
RJ = Patient(
    patient_id="RJ-001", birth_date=date(1968, 5, 1), sex=Sex.MALE, weight_kg=Decimal("62.5")
)
START = date(2021, 9, 30)
PATIENT = Patient(patient_id="P", birth_date=date(1970, 1, 1), sex=Sex.MALE, weight_kg=70)
PLAN = plan_infusions(PATIENT, "low", START)
FIRST = PLAN.infusions[0]

INFUSION_KEYS = ("number", "study_day", "date", "window_start", "window_end", "cells")
PLAN_KEYS = ("patient_id", "arm_id", "start", "weight_kg")
TEXT_DATE: Any = "2021-09-30"
NOT_A_PLAN: Any = {"patient_id": "P"}


def junk(value: object) -> Any:
    """*value* typed as anything: the argument a caller should not have passed."""
    return value


def tampered(change: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    """RJ-001's high-arm plan record after *change* (applied to a deep copy)."""
    record = json.loads(json.dumps(plan_infusions(RJ, "high", START).to_dict()))
    change(record)
    return record  # type: ignore[no-any-return]


def infusion_outside_window(start: date, first: date, last: date) -> Infusion:
    """Infusion 1 dated *start* with the window *first*..*last*."""
    return Infusion(number=1, study_day=1, date=start, window_start=first, window_end=last, cells=1)


#: Calls whose dates would fall past year 9999 or before year 1 (label, call, field, value), §0.
CALENDAR_ENDS: list[tuple[str, Callable[[], object], str, object]] = [
    (
        "date_of_study_day(10**8, 2021-01-01)",
        lambda: date_of_study_day(10**8, date(2021, 1, 1)),
        "study_day",
        10**8,
    ),
    ("date_of_study_day(-5, 0001-01-01)", lambda: date_of_study_day(-5, date.min), "study_day", -5),
    ("follow_up_visits(date.max)", lambda: follow_up_visits(date.max), "study_day", 14),
    (
        "follow_up_visits(9999-12-18)",  # Day 14 is date.max, its window ends past it
        lambda: follow_up_visits(date(9999, 12, 18)),
        "start",
        date(9999, 12, 18),
    ),
    ("safety_window_end(date.max)", lambda: safety_window_end(date.max), "start", date.max),
    ("safety_window_end(text)", lambda: safety_window_end(TEXT_DATE), "start", TEXT_DATE),
]

#: Arguments that are not what they claim (label, call): each refused naming the argument.
JUNK_ARGUMENTS: list[tuple[str, Callable[[], object]]] = [
    ("date_of_study_day(4, text)", lambda: date_of_study_day(4, junk("2021-09-30"))),
    ("study_day(text, START)", lambda: study_day(junk("2021-10-03"), START)),
    ("study_day(START, text)", lambda: study_day(START, junk("2021-09-30"))),
    ("follow_up_visits(text)", lambda: follow_up_visits(junk("2021-09-30"))),
    ("record_infusion(dict, 1, START)", lambda: record_infusion(NOT_A_PLAN, 1, START)),
    ("cancel_remaining(dict, START)", lambda: cancel_remaining(NOT_A_PLAN, START)),
    ("check_adherence(dict)", lambda: check_adherence(NOT_A_PLAN)),
    ("check_adherence(PLAN, on=text)", lambda: check_adherence(PLAN, on=junk("2021-10-05"))),
    ("check_adherence(PLAN, [START])", lambda: check_adherence(PLAN, junk([START]))),
    ("record_infusion(PLAN, 1, text)", lambda: record_infusion(PLAN, 1, TEXT_DATE)),
    ("check_adherence(PLAN, {1: text})", lambda: check_adherence(PLAN, {1: TEXT_DATE})),
    ("cancel_remaining(PLAN, text)", lambda: cancel_remaining(PLAN, junk("2021-10-01"))),
    ("plan_infusions(dict, 'low', START)", lambda: plan_infusions(NOT_A_PLAN, "low", START)),
    (
        "plan_infusions(record, 'low', START)",
        lambda: plan_infusions(junk(RJ.to_dict()), "low", START),
    ),
    ("plan_infusions(RJ, 'low', text)", lambda: plan_infusions(RJ, "low", TEXT_DATE)),
]


def shift_second_infusion(record: dict[str, Any]) -> None:
    """Infusion 2 of a plan record moved from 10-03 to 10-04."""
    record["infusions"][1]["date"] = "2021-10-04"


def renumber_first_infusion(record: dict[str, Any]) -> None:
    """Infusion 1 of a plan record numbered 2."""
    record["infusions"][0]["number"] = 2


#: Infusion days a variant may not have: days 1, 1 (not rising) and 2 alone (no exact Day 1).
VARIANT_DAYS = [
    (DayWindow(name="a", study_day=1), DayWindow(name="b", study_day=1)),
    (DayWindow(name="a", study_day=2),),
]


class TestInfusionCalendar:
    """§0, §4.1: infusions on days 1, 4, 7, 10 by plain day arithmetic."""

    def test_issue_example_calendar(self) -> None:
        """§4.1: start 2021-09-30 gives infusions 09-30, 10-03, 10-06, 10-09."""
        plan = plan_infusions(RJ, "high", START)
        assert [i.date for i in plan.infusions] == [
            d("2021-09-30"),
            d("2021-10-03"),
            d("2021-10-06"),
            d("2021-10-09"),
        ]
        assert [i.study_day for i in plan.infusions] == [1, 4, 7, 10]
        assert [i.cells for i in plan.infusions] == [75_000_000] * 4
        assert plan.total_cells == 300_000_000

    def test_across_a_month_and_year_end(self) -> None:
        """§0: plain day arithmetic over 31 Dec and 28/29 Feb."""
        plan = plan_infusions(RJ, "low", d("2023-12-29"))
        assert [i.date for i in plan.infusions][-1] == d("2024-01-07")
        leap = plan_infusions(RJ, "low", d("2024-02-27"))
        assert [i.date for i in leap.infusions][1] == d("2024-03-01")


class TestStudyDays:
    """§0: study days count from Day 1 with no Day 0."""

    def test_study_day_has_no_day_zero(self) -> None:
        """§0 / Rsdtm make_dy: 2022-01-02, 03, 04 with reference 01-03 are -1, 1, 2."""
        ref = d("2022-01-03")
        assert [study_day(d(f"2022-01-0{n}"), ref) for n in (2, 3, 4)] == [-1, 1, 2]
        assert date_of_study_day(-1, ref) == d("2022-01-02")
        err = invalid(lambda: date_of_study_day(0, ref))
        assert (err.field, err.value) == ("study_day", 0)


class TestCalendarEnds:
    """§0: a study day or window past the calendar's ends is refused by name (no OverflowError)."""

    @pytest.mark.parametrize(
        ("call", "field", "value"),
        [(call, field, value) for _, call, field, value in CALENDAR_ENDS],
        ids=[label for label, *_ in CALENDAR_ENDS],
    )
    def test_refused_by_name(self, call: Callable[[], object], field: str, value: object) -> None:
        """The refusal names the argument and the value given."""
        err = invalid(call)
        assert (err.field, err.value) == (field, value)


class TestWindows:
    """§4.1-§4.3: infusion windows, the safety window and the follow-up visits."""

    def test_windows(self) -> None:
        """§4.1: Day 1 exact; days 4, 7, 10 are ±1 day."""
        plan = plan_infusions(RJ, "low", START)
        windows = [(i.window_start, i.window_end) for i in plan.infusions]
        assert windows == [
            (d("2021-09-30"), d("2021-09-30")),
            (d("2021-10-02"), d("2021-10-04")),
            (d("2021-10-05"), d("2021-10-07")),
            (d("2021-10-08"), d("2021-10-10")),
        ]

    def test_wider_windows(self) -> None:
        """A ±2-day variant widens the windows of days 4, 7, 10."""
        days = tuple(
            attrs.evolve(w, days_before=2, days_after=2) if w.study_day > 1 else w
            for w in NCT04822922.infusion_days
        )
        variant = attrs.evolve(NCT04822922, infusion_days=days)
        plan = plan_infusions(RJ, "low", START, protocol=variant)
        assert plan.infusions[1].window_start == d("2021-10-01")

    def test_safety_window_is_a_calendar_month(self) -> None:
        """§4.2: Day 1 + 1 calendar month; 31 Jan -> 28 Feb (29 in a leap year)."""
        assert safety_window_end(START) == d("2021-10-30")
        assert safety_window_end(d("2021-01-31")) == d("2021-02-28")
        assert safety_window_end(d("2024-01-31")) == d("2024-02-29")

    def test_follow_up_visits(self) -> None:
        """§4.3: days 14 (±2), 28 (±3), 60 (±7), 90 (±7) from Day 1."""
        visits = follow_up_visits(START)
        assert [(v.study_day, v.date) for v in visits] == [
            (14, d("2021-10-13")),
            (28, d("2021-10-27")),
            (60, d("2021-11-28")),
            (90, d("2021-12-28")),
        ]
        assert (visits[0].window_start, visits[0].window_end) == (d("2021-10-11"), d("2021-10-15"))
        assert (visits[3].window_start, visits[3].window_end) == (d("2021-12-21"), d("2022-01-04"))

    def test_visit_record(self) -> None:
        """§4.3: Day 14 of Day 1 = 2021-09-30 is 2021-10-13, window ±2 days."""
        assert follow_up_visits(START)[0].to_dict() == {
            "name": "Day 14",
            "study_day": 14,
            "date": "2021-10-13",
            "window_start": "2021-10-11",
            "window_end": "2021-10-15",
        }


class TestAdherence:
    """§4.4: in window, out of window, missed, pending; the 2-day interval."""

    def test_adherence_report(self) -> None:
        """§4.4: in window, deviation, missed (never renumbered) and interval breach."""
        plan = plan_infusions(RJ, "low", START)
        report = check_adherence(
            plan,
            {1: d("2021-09-30"), 2: d("2021-10-04"), 3: None, 4: d("2021-10-05")},
        )
        statuses = [row.status for row in report.infusions]
        assert statuses == [
            InfusionStatus.IN_WINDOW,
            InfusionStatus.IN_WINDOW,
            InfusionStatus.MISSED,
            InfusionStatus.OUT_OF_WINDOW,
        ]
        assert [row.deviation_days for row in report.infusions] == [0, 1, None, -4]
        assert report.missed == (3,)
        assert report.interval_breaches == (4,)  # 10-04 -> 10-05 is 1 day < 2 (§4.1)
        assert not report.adherent

    def test_adherence_record(self) -> None:
        """§4.4: windows Day 1 exact, Days 4/7/10 ±1; a 1-day gap breaches the 2-day minimum."""
        report = check_adherence(PLAN, {1: START, 2: d("2021-10-05"), 3: None, 4: d("2021-10-06")})
        assert report.to_dict() == {
            "patient_id": "P",
            "infusions": [
                {
                    "number": 1,
                    "planned_date": "2021-09-30",
                    "window_start": "2021-09-30",
                    "window_end": "2021-09-30",
                    "actual_date": "2021-09-30",
                    "status": "in_window",
                    "deviation_days": 0,
                    "interval_days": None,
                    "interval_breach": False,
                },
                {
                    "number": 2,
                    "planned_date": "2021-10-03",
                    "window_start": "2021-10-02",
                    "window_end": "2021-10-04",
                    "actual_date": "2021-10-05",
                    "status": "out_of_window",
                    "deviation_days": 2,
                    "interval_days": 5,
                    "interval_breach": False,
                },
                {
                    "number": 3,
                    "planned_date": "2021-10-06",
                    "window_start": "2021-10-05",
                    "window_end": "2021-10-07",
                    "actual_date": None,
                    "status": "missed",
                    "deviation_days": None,
                    "interval_days": None,
                    "interval_breach": False,
                },
                {
                    "number": 4,
                    "planned_date": "2021-10-09",
                    "window_start": "2021-10-08",
                    "window_end": "2021-10-10",
                    "actual_date": "2021-10-06",
                    "status": "out_of_window",
                    "deviation_days": -3,
                    "interval_days": 1,
                    "interval_breach": True,
                },
            ],
            "missed": [3],
            "out_of_window": [2, 4],
            "interval_breaches": [4],
            "adherent": False,
        }

    def test_pending_before_window_closes(self) -> None:
        """§4.4: with on= inside the schedule, an infusion still to come is pending, not missed."""
        plan = record_infusion(plan_infusions(RJ, "low", START), 1, START)
        report = check_adherence(plan, on=d("2021-10-03"))
        assert [r.status.value for r in report.infusions] == [
            "in_window",
            "pending",
            "pending",
            "pending",
        ]
        later = check_adherence(plan, on=d("2021-10-05"))
        assert later.missed == (2,)

    def test_window_still_open_on_its_last_day(self) -> None:
        """§4.4: checked on 2021-10-04, the last day of Day 4's window, infusion 2 is pending."""
        report = check_adherence(PLAN, {1: START}, on=d("2021-10-04"))
        assert report.infusions[1].status is InfusionStatus.PENDING
        later = check_adherence(PLAN, {1: START}, on=d("2021-10-05"))
        assert later.infusions[1].status is InfusionStatus.MISSED

    def test_interval_of_exactly_two_days_is_fine(self) -> None:
        """§4.1: 'at least 2 days apart' admits exactly 2."""
        plan = plan_infusions(RJ, "low", START)
        report = check_adherence(plan, {1: START, 2: d("2021-10-02")}, on=d("2021-10-02"))
        assert report.interval_breaches == ()
        assert report.infusions[1].interval_days == 2

    def test_adherence_report_record(self) -> None:
        """The adherence report is plain JSON with every infusion and the summary lists."""
        plan = plan_infusions(RJ, "low", START)
        report = check_adherence(plan, {1: START, 2: d("2021-10-06")}, on=d("2021-10-07"))
        record = json.loads(json.dumps(report.to_dict()))
        assert record["out_of_window"] == [2]
        assert record["missed"] == []
        assert record["adherent"] is False
        assert record["infusions"][1] == {
            "number": 2,
            "planned_date": "2021-10-03",
            "window_start": "2021-10-02",
            "window_end": "2021-10-04",
            "actual_date": "2021-10-06",
            "status": "out_of_window",
            "deviation_days": 3,
            "interval_days": 6,
            "interval_breach": False,
        }
        assert [v.to_dict()["name"] for v in follow_up_visits(START)] == [
            "Day 14",
            "Day 28",
            "Day 60",
            "Day 90",
        ]

    @pytest.mark.parametrize("number", [5, 7])
    def test_unknown_infusion_in_actual_dates(self, number: int) -> None:
        """§4.4: an actual date for infusion 5 (or 7) of a four-infusion plan names it."""
        err = invalid(lambda: check_adherence(PLAN, {number: START}))
        assert (err.field, err.value) == ("actual", number)


class TestRecordingInfusions:
    """§4.4, §4.5: an infusion is given once, never after it is cancelled."""

    def test_last_infusion_can_be_recorded(self) -> None:
        """§4.4: numbers run 1..4 inclusive: infusion 4 is recorded on its day."""
        plan = record_infusion(PLAN, 4, d("2021-10-09"))
        assert plan.infusions[3].given_date == d("2021-10-09")

    def test_recording_refusals(self) -> None:
        """§4.4, §4.5: a bad number, an already given or a cancelled infusion say which."""
        err = invalid(lambda: record_infusion(PLAN, 5, START))
        assert (err.field, err.value) == ("number", 5)
        given = record_infusion(PLAN, 1, START)
        err = invalid(lambda: record_infusion(given, 1, START))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("number", 1)
        stopped = cancel_remaining(given, START)
        err = invalid(lambda: record_infusion(stopped, 2, d("2021-10-03")))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("number", 2)


class TestCancellation:
    """§4.5: cancel_remaining cancels what is still open on the stop; the earlier stop wins."""

    def test_cancel_remaining_keeps_given_and_visits(self) -> None:
        """§4.5: infusions after the stop date are cancelled; given ones and visits stay."""
        plan = record_infusion(plan_infusions(RJ, "high", START), 1, START)
        plan = record_infusion(plan, 2, d("2021-10-03"))
        stopped = cancel_remaining(plan, d("2021-10-04"))
        assert [i.cancelled for i in stopped.infusions] == [False, False, True, True]
        assert stopped.total_cells == 150_000_000
        assert stopped.stopped_on == d("2021-10-04")
        assert follow_up_visits(stopped.start) == follow_up_visits(plan.start)
        report = check_adherence(stopped)
        assert [r.status.value for r in report.infusions][2:] == ["cancelled", "cancelled"]
        err = invalid(lambda: record_infusion(stopped, 3, d("2021-10-06")))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("number", 3)

    def test_cancelling_twice_keeps_the_earlier_stop(self) -> None:
        """§4.5: stopped on 10-04 then again on 10-08, the plan stays stopped on 10-04."""
        first = cancel_remaining(PLAN, d("2021-10-05"))
        again = cancel_remaining(first, d("2021-10-08"))
        assert again.stopped_on == d("2021-10-05")
        assert [i.cancelled for i in again.infusions] == [False, False, True, True]
        earlier = cancel_remaining(first, d("2021-10-01"))
        assert earlier.stopped_on == d("2021-10-01")
        assert [i.cancelled for i in earlier.infusions] == [False, True, True, True]

    def test_window_open_on_the_stop_date_is_cancelled(self) -> None:
        """§6.7 v2: infusion 2 (10-03, window 10-02..10-04) not given, stop 10-04: cancelled;
        one dated on the stop date is cancelled too; a closed window stays (missed)."""
        assert [i.cancelled for i in cancel_remaining(PLAN, d("2021-10-04")).infusions] == [
            False,
            True,
            True,
            True,
        ]
        assert [i.cancelled for i in cancel_remaining(PLAN, d("2021-10-06")).infusions] == [
            False,
            False,
            True,
            True,
        ]


class TestPlanRecords:
    """§9: plans as JSON records, and every contradiction refused by path."""

    def test_plan_record_shape(self) -> None:
        """Dates as ISO strings, weight as a decimal string, cells as integers."""
        record = plan_infusions(RJ, "high", START).to_dict()
        assert record["weight_kg"] == "62.5"
        assert record["infusions"][1] == {
            "number": 2,
            "study_day": 4,
            "date": "2021-10-03",
            "window_start": "2021-10-02",
            "window_end": "2021-10-04",
            "cells": 75_000_000,
            "given_date": None,
            "cancelled": False,
        }
        assert record["total_cells"] == 300_000_000

    def test_tampered_plans_are_refused(self) -> None:
        """§9: a record whose dates, numbers or totals contradict each other is refused."""
        err = invalid(lambda: InfusionPlan.from_dict(tampered(lambda r: r.update(total_cells=1))))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("total_cells", 1)
        refusal(lambda: InfusionPlan.from_dict(tampered(shift_second_infusion)))
        err = invalid(lambda: InfusionPlan.from_dict(tampered(renumber_first_infusion)))
        assert isinstance(err, InconsistentRecordError)
        assert err.field == "infusions[0].number"

    def test_given_and_stopped_plan_round_trips(self) -> None:
        """§9: a plan with a given infusion and a stop date writes and reads them back."""
        stopped = cancel_remaining(record_infusion(PLAN, 1, START), d("2021-10-01"))
        record = stopped.to_dict()
        assert record["stopped_on"] == "2021-10-01"
        assert record["infusions"][0]["given_date"] == "2021-09-30"
        assert [i["cancelled"] for i in record["infusions"]] == [False, True, True, True]
        assert InfusionPlan.from_dict(json.loads(json.dumps(record))) == stopped

    def test_total_cells_must_match(self) -> None:
        """§3.3, §9: a total of 5 cells contradicts four infusions of 2.8 x 10^7."""
        record = {**PLAN.to_dict(), "total_cells": 5}
        err = invalid(lambda: InfusionPlan.from_dict(record))
        assert (err.field, err.value) == ("total_cells", 5)

    @pytest.mark.parametrize(
        ("read", "keys"), [(Infusion.from_dict, INFUSION_KEYS), (InfusionPlan.from_dict, PLAN_KEYS)]
    )
    def test_required_keys(self, read: Callable[[object], object], keys: tuple[str, ...]) -> None:
        """§9: an empty record lacks every required key, each named; a list is not a record."""
        err = refusal(lambda: read({}))
        assert isinstance(err, InvalidRecordError)
        assert [(p.field, p.value) for p in err.problems] == [(k, None) for k in keys]
        assert invalid(lambda: read([])).value == []

    def test_infusions_given_as_a_list(self) -> None:
        """§9: a list of infusions is stored as a tuple; a number or nothing is refused."""
        assert attrs.evolve(PLAN, infusions=list(PLAN.infusions)).infusions == PLAN.infusions
        for bad in (5, ()):
            err = invalid(partial(attrs.evolve, PLAN, infusions=bad))
            assert (err.field, err.value) == ("infusions", bad)

    def test_numbering(self) -> None:
        """§4.4: the first infusion numbered 2 is named with the number expected."""
        err = invalid(lambda: attrs.evolve(PLAN, infusions=(attrs.evolve(FIRST, number=2),)))
        assert (err.field, err.value) == ("infusions[0].number", 2)

    def test_date_must_be_its_study_day(self) -> None:
        """§0: infusion 2 dated Day 4 but labelled Day 5 is named with its date."""
        second = attrs.evolve(PLAN.infusions[1], study_day=5)
        err = invalid(lambda: attrs.evolve(PLAN, infusions=(FIRST, second)))
        assert (err.field, err.value) == ("infusions[1].date", d("2021-10-03"))

    def test_given_before_day_1(self) -> None:
        """§0: infusion 1 given the day before Day 1 is refused with that date."""
        early = attrs.evolve(FIRST, given_date=d("2021-09-29"))
        err = invalid(lambda: attrs.evolve(PLAN, infusions=(early, *PLAN.infusions[1:])))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("infusions[0].given_date", d("2021-09-29"))

    def test_two_infusions_on_one_day(self) -> None:
        """§4.1: two infusions on Day 1 do not strictly increase."""
        twice = (FIRST, attrs.evolve(FIRST, number=2))
        err = invalid(lambda: attrs.evolve(PLAN, infusions=twice))
        assert (err.field, err.value) == ("infusions", twice)


class TestInfusionRecords:
    """§4.1, §4.5: one infusion, inside its window, given or cancelled."""

    @pytest.mark.parametrize(
        ("start", "first", "last"),
        [
            (START, START + timedelta(days=1), START + timedelta(days=2)),
            (d("2021-10-01"), d("2021-10-02"), d("2021-10-03")),
        ],
    )
    def test_infusion_outside_its_window(self, start: date, first: date, last: date) -> None:
        """§4.1: an infusion dated before its window is refused naming its date."""
        err = invalid(lambda: infusion_outside_window(start, first, last))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("date", start)

    def test_infusion_consistency(self) -> None:
        """§4.5: an infusion is never both given and cancelled; cancelled is a real boolean."""
        err = invalid(lambda: attrs.evolve(FIRST, given_date=START, cancelled=True))
        assert isinstance(err, InconsistentRecordError)
        assert (err.field, err.value) == ("cancelled", True)
        err = invalid(lambda: attrs.evolve(FIRST, cancelled=junk("no")))
        assert (err.field, err.value) == ("cancelled", "no")
        err = invalid(lambda: attrs.evolve(FIRST, given_date=TEXT_DATE))
        assert (err.field, err.value) == ("given_date", TEXT_DATE)
        assert not FIRST.is_given
        assert attrs.evolve(FIRST, given_date=START).is_given


class TestProtocolVariants:
    """§1: a variant protocol changes the schedule without code changes."""

    def test_build_plan_doses_by_the_variant(self) -> None:
        """§3.2: a variant capping the dosing weight at 100 kg gives 150 kg 4e7 cells a dose."""
        capped = attrs.evolve(NCT04822922, max_dosing_weight_kg=Decimal(100))
        plan = build_plan(patient_id="P", arm="low", start=START, weight_kg=150, protocol=capped)
        assert [i.cells for i in plan.infusions] == [40_000_000] * 4

    def test_invalid_variants(self) -> None:
        """Days must rise strictly and start with an exact Day 1."""
        for days in VARIANT_DAYS:
            err = invalid(partial(attrs.evolve, NCT04822922, infusion_days=days))
            assert isinstance(err, InconsistentRecordError)
            assert err.field == "infusion_days"


class TestArgumentRefusals:
    """§0: junk arguments are refused naming the argument."""

    @pytest.mark.parametrize(
        ("call", "field"),
        [
            (JUNK_ARGUMENTS[0][1], "reference"),
            (JUNK_ARGUMENTS[1][1], "on"),
            (JUNK_ARGUMENTS[2][1], "reference"),
            (JUNK_ARGUMENTS[3][1], "start"),
            (JUNK_ARGUMENTS[4][1], "plan"),
            (JUNK_ARGUMENTS[5][1], "plan"),
            (JUNK_ARGUMENTS[6][1], "plan"),
            (JUNK_ARGUMENTS[7][1], "on"),
            (JUNK_ARGUMENTS[8][1], "actual"),
            (JUNK_ARGUMENTS[9][1], "given_date"),
            (JUNK_ARGUMENTS[10][1], "given_date"),
            (JUNK_ARGUMENTS[11][1], "stopped_on"),
            (JUNK_ARGUMENTS[12][1], "patient"),
            (JUNK_ARGUMENTS[13][1], "patient"),
            (JUNK_ARGUMENTS[14][1], "start"),
        ],
        ids=[label for label, _ in JUNK_ARGUMENTS],
    )
    def test_argument_is_named(self, call: Callable[[], object], field: str) -> None:
        """§0, §10: a text date, a dict for a plan or patient is refused naming the argument."""
        assert invalid(call).field == field

    def test_a_text_date_breaks_the_date_rule(self) -> None:
        """§0: every text date breaks the one rule "must be a calendar date (§0)"."""
        rules = {invalid(call).rule for _, call in JUNK_ARGUMENTS[9:12]}
        assert rules == {invalid(JUNK_ARGUMENTS[0][1]).rule}


class TestScheduleLaws:
    """§4.1: order, windows and nominal days, for any patient, arm and start."""

    @given(plan=plans())
    def test_dates_strictly_increase_and_sit_in_their_windows(self, plan: InfusionPlan) -> None:
        """Each infusion at its nominal study day, inside its window, dates strictly rising."""
        for infusion, window in zip(plan.infusions, NCT04822922.infusion_days, strict=True):
            assert infusion.study_day == window.study_day
            assert study_day(infusion.date, plan.start) == window.study_day
            assert infusion.window_start <= infusion.date <= infusion.window_end
            assert (infusion.window_end - infusion.window_start).days == (
                window.days_before + window.days_after
            )
        for a, b in itertools.pairwise(plan.infusions):
            assert a.date < b.date
            assert (b.date - a.date).days >= NCT04822922.min_interval_days

    @given(start=study_dates, day=st.integers(min_value=-400, max_value=400).filter(bool))
    def test_study_day_round_trip(self, start: date, day: int) -> None:
        """§0: study_day(date_of_study_day(n, ref), ref) == n for every n != 0."""
        assert study_day(date_of_study_day(day, start), start) == day

    @given(plan=plans(), on=study_dates)
    def test_cancellation_leaves_nothing_scheduled_after_stop(
        self, plan: InfusionPlan, on: date
    ) -> None:
        """§4.5, §6.7: after cancel_remaining no infusion whose window is open on or after the
        stop date is still planned; one whose window closed before it is left (missed)."""
        stopped = cancel_remaining(plan, on)
        for infusion in stopped.infusions:
            assert infusion.cancelled is (infusion.given_date is None and infusion.window_end >= on)
        assert stopped.total_cells <= plan.total_cells

    @given(
        plan=plans(),
        offsets=st.lists(st.none() | st.integers(-3, 15), min_size=4, max_size=4),
    )
    @example(plan=plan_infusions(RJ, "low", START), offsets=[0, 3, 6, 9])
    def test_adherence_agrees_with_windows(
        self, plan: InfusionPlan, offsets: list[int | None]
    ) -> None:
        """§4.4: status and deviation follow from the window; missed ones keep their number."""
        actual = {
            n: None if off is None else plan.start + timedelta(days=off)
            for n, off in enumerate(offsets, start=1)
        }
        report = check_adherence(plan, actual)
        assert [r.number for r in report.infusions] == [1, 2, 3, 4]
        for row, infusion in zip(report.infusions, plan.infusions, strict=True):
            when = actual[row.number]
            if when is None:
                assert row.status is InfusionStatus.MISSED
                assert row.deviation_days is None
            else:
                inside = infusion.window_start <= when <= infusion.window_end
                assert (row.status is InfusionStatus.IN_WINDOW) == inside
                assert row.deviation_days == (when - infusion.date).days

    @given(patient=patients(), arm=arm_ids, start=study_dates)
    def test_plan_round_trips_through_json(self, patient: Patient, arm: str, start: date) -> None:
        """§9: from_dict(to_dict(plan)) == plan, through a JSON string."""
        plan = plan_infusions(patient, arm, start)
        record = json.loads(json.dumps(plan.to_dict()))
        assert InfusionPlan.from_dict(record) == plan


class TestErrorWording:
    """§0: every refusal names field, rule and value; the wording is the golden file."""

    def test_error_wording(self) -> None:
        """One line per refused call, class and full message (tests/golden/errors/schedule.txt)."""
        given = record_infusion(PLAN, 1, START)
        twice = (FIRST, attrs.evolve(FIRST, number=2))
        early = attrs.evolve(FIRST, given_date=d("2021-09-29"))
        second_as_day_5 = attrs.evolve(PLAN.infusions[1], study_day=5)
        evolve = partial(attrs.evolve, PLAN)
        read_plan = InfusionPlan.from_dict
        cases: list[tuple[str, Callable[[], object]]] = [
            ("date_of_study_day(0, START)", partial(date_of_study_day, 0, START)),
            *(
                (
                    f"check_adherence(PLAN, {{{n}: START}})",
                    partial(check_adherence, PLAN, {n: START}),
                )
                for n in (5, 7)
            ),
            ("record_infusion(PLAN, 5, START)", partial(record_infusion, PLAN, 5, START)),
            ("record infusion 1 twice", partial(record_infusion, given, 1, START)),
            (
                "record a cancelled infusion",
                partial(record_infusion, cancel_remaining(given, START), 2, d("2021-10-03")),
            ),
            (
                "infusion 09-30 in window 10-01..10-02",
                partial(infusion_outside_window, START, d("2021-10-01"), d("2021-10-02")),
            ),
            (
                "infusion 10-01 in window 10-02..10-03",
                partial(infusion_outside_window, d("2021-10-01"), d("2021-10-02"), d("2021-10-03")),
            ),
            ("given and cancelled", partial(attrs.evolve, FIRST, given_date=START, cancelled=True)),
            ("cancelled 'no'", partial(attrs.evolve, FIRST, cancelled="no")),
            ("given_date text", partial(attrs.evolve, FIRST, given_date=TEXT_DATE)),
            ("Infusion.from_dict({})", partial(Infusion.from_dict, {})),
            ("Infusion.from_dict([])", partial(Infusion.from_dict, [])),
            ("InfusionPlan.from_dict({})", partial(read_plan, {})),
            ("InfusionPlan.from_dict([])", partial(read_plan, [])),
            ("plan record total 5", partial(read_plan, {**PLAN.to_dict(), "total_cells": 5})),
            (
                "plan record total 1",
                partial(read_plan, tampered(lambda r: r.update(total_cells=1))),
            ),
            ("plan record infusion 2 shifted", partial(read_plan, tampered(shift_second_infusion))),
            ("plan record renumbered", partial(read_plan, tampered(renumber_first_infusion))),
            ("infusions 5", partial(evolve, infusions=5)),
            ("infusions ()", partial(evolve, infusions=())),
            (
                "first infusion numbered 2",
                partial(evolve, infusions=(attrs.evolve(FIRST, number=2),)),
            ),
            ("infusion 2 labelled Day 5", partial(evolve, infusions=(FIRST, second_as_day_5))),
            ("given before Day 1", partial(evolve, infusions=(early,))),
            ("two infusions on Day 1", partial(evolve, infusions=twice)),
            *JUNK_ARGUMENTS,
            *((label, call) for label, call, _, _ in CALENDAR_ENDS),
            *(
                (
                    f"variant days {[w.study_day for w in days]}",
                    partial(attrs.evolve, NCT04822922, infusion_days=days),
                )
                for days in VARIANT_DAYS
            ),
        ]
        assert_golden("errors/schedule.txt", error_table(cases))
