"""Infusion schedules, windows, follow-up and adherence (SPEC §0, §4)."""

from __future__ import annotations

import itertools
import json
from datetime import date, timedelta
from decimal import Decimal

import attrs
import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from aclf_protocol import (
    NCT04822922,
    DayWindow,
    InconsistentRecordError,
    Infusion,
    InfusionPlan,
    InfusionStatus,
    InvalidValueError,
    Patient,
    ProtocolError,
    Sex,
    cancel_remaining,
    check_adherence,
    date_of_study_day,
    follow_up_visits,
    plan_infusions,
    record_infusion,
    safety_window_end,
    study_day,
)
from tests.strategies import arm_ids, patients, plans, study_dates

RJ = Patient(
    patient_id="RJ-001", birth_date=date(1968, 5, 1), sex=Sex.MALE, weight_kg=Decimal("62.5")
)
START = date(2021, 9, 30)


def d(text: str) -> date:
    """A date from ISO text."""
    return date.fromisoformat(text)


class TestWorkedExamples:
    """Hand-checked calendars."""

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

    def test_across_a_month_and_year_end(self) -> None:
        """§0: plain day arithmetic over 31 Dec and 28/29 Feb."""
        plan = plan_infusions(RJ, "low", d("2023-12-29"))
        assert [i.date for i in plan.infusions][-1] == d("2024-01-07")
        leap = plan_infusions(RJ, "low", d("2024-02-27"))
        assert [i.date for i in leap.infusions][1] == d("2024-03-01")

    def test_study_day_has_no_day_zero(self) -> None:
        """§0 / Rsdtm make_dy: 2022-01-02, 03, 04 with reference 01-03 are -1, 1, 2."""
        ref = d("2022-01-03")
        assert [study_day(d(f"2022-01-0{n}"), ref) for n in (2, 3, 4)] == [-1, 1, 2]
        assert date_of_study_day(ref, -1) == d("2022-01-02")
        with pytest.raises(InvalidValueError, match="no Day 0"):
            date_of_study_day(ref, 0)

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

    def test_interval_of_exactly_two_days_is_fine(self) -> None:
        """§4.1: 'at least 2 days apart' admits exactly 2."""
        plan = plan_infusions(RJ, "low", START)
        report = check_adherence(plan, {1: START, 2: d("2021-10-02")}, on=d("2021-10-02"))
        assert report.interval_breaches == ()
        assert report.infusions[1].interval_days == 2

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
        with pytest.raises(InconsistentRecordError, match="cancelled"):
            record_infusion(stopped, 3, d("2021-10-06"))

    def test_recording_twice_is_refused(self) -> None:
        """An infusion is given once."""
        plan = record_infusion(plan_infusions(RJ, "low", START), 1, START)
        with pytest.raises(InconsistentRecordError, match="already given"):
            record_infusion(plan, 1, START)
        with pytest.raises(InvalidValueError, match="number"):
            record_infusion(plan, 5, START)


class TestRecords:
    """§9: plans as JSON records."""

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
        """A record whose dates, numbers or totals contradict each other is refused."""
        good = plan_infusions(RJ, "high", START).to_dict()
        wrong_total = {**good, "total_cells": 1}
        with pytest.raises(InconsistentRecordError, match="total_cells"):
            InfusionPlan.from_dict(wrong_total)
        shifted = json.loads(json.dumps(good))
        shifted["infusions"][1]["date"] = "2021-10-04"
        with pytest.raises(ProtocolError):
            InfusionPlan.from_dict(shifted)
        swapped = json.loads(json.dumps(good))
        swapped["infusions"][0]["number"] = 2
        with pytest.raises(InconsistentRecordError, match=r"infusions\[0\]\.number"):
            InfusionPlan.from_dict(swapped)
        with pytest.raises(InconsistentRecordError, match="window"):
            Infusion(
                number=1,
                study_day=1,
                date=START,
                window_start=START + timedelta(days=1),
                window_end=START + timedelta(days=2),
                cells=1,
            )

    def test_bad_plan_inputs(self) -> None:
        """plan_infusions refuses a non-patient or a non-date start."""
        with pytest.raises(InvalidValueError, match="patient"):
            plan_infusions(RJ.to_dict(), "low", START)  # type: ignore[arg-type]
        with pytest.raises(InvalidValueError, match="start"):
            plan_infusions(RJ, "low", "2021-09-30")  # type: ignore[arg-type]


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
        """§0: study_day(date_of_study_day(ref, n), ref) == n for every n != 0."""
        assert study_day(date_of_study_day(start, day), start) == day

    @given(plan=plans(), on=study_dates)
    def test_cancellation_leaves_nothing_scheduled_after_stop(
        self, plan: InfusionPlan, on: date
    ) -> None:
        """§4.5: after cancel_remaining no infusion dated after the stop date is still planned."""
        stopped = cancel_remaining(plan, on)
        for infusion in stopped.infusions:
            if infusion.date > on:
                assert infusion.cancelled
            else:
                assert not infusion.cancelled
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


class TestProtocolVariants:
    """§1: a variant protocol changes the schedule without code changes."""

    def test_wider_windows(self) -> None:
        """A ±2-day variant widens the windows of days 4, 7, 10."""
        days = tuple(
            attrs.evolve(w, days_before=2, days_after=2) if w.study_day > 1 else w
            for w in NCT04822922.infusion_days
        )
        variant = attrs.evolve(NCT04822922, infusion_days=days)
        plan = plan_infusions(RJ, "low", START, protocol=variant)
        assert plan.infusions[1].window_start == d("2021-10-01")

    def test_invalid_variants(self) -> None:
        """Days must rise strictly and start with an exact Day 1."""
        with pytest.raises(InconsistentRecordError, match="strictly increasing"):
            attrs.evolve(
                NCT04822922,
                infusion_days=(DayWindow(name="a", study_day=1), DayWindow(name="b", study_day=1)),
            )
        with pytest.raises(InconsistentRecordError, match="Day 1"):
            attrs.evolve(NCT04822922, infusion_days=(DayWindow(name="a", study_day=2),))


class TestEdges:
    """Inconsistent plans and reports as records (§4, §9)."""

    def test_infusion_consistency(self) -> None:
        """An infusion is never both given and cancelled; cancelled is a real boolean."""
        base = plan_infusions(RJ, "low", START).infusions[0]
        with pytest.raises(InconsistentRecordError, match="cancelled"):
            attrs.evolve(base, given_date=START, cancelled=True)
        with pytest.raises(InvalidValueError, match="cancelled"):
            attrs.evolve(base, cancelled="no")  # type: ignore[arg-type]
        assert not base.is_given
        assert attrs.evolve(base, given_date=START).is_given

    def test_plan_consistency(self) -> None:
        """No infusion before Day 1, no plan without infusions."""
        plan = plan_infusions(RJ, "low", START)
        early = attrs.evolve(plan.infusions[0], given_date=START - timedelta(days=1))
        with pytest.raises(InconsistentRecordError, match=r"infusions\[0\]\.given_date"):
            attrs.evolve(plan, infusions=(early, *plan.infusions[1:]))
        with pytest.raises(InvalidValueError, match="infusions"):
            attrs.evolve(plan, infusions=())
        with pytest.raises(InvalidValueError, match="actual"):
            check_adherence(plan, {7: START})

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
