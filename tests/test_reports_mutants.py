"""Report behaviours that mutation testing showed unpinned (issue #6, docs/mutation.md).

Each test states what the pharmacy calendar, the screening summary and the stop-rule report
print (SPEC §3.4, §4, §5, §6.3, §6.5, §10), line by line, worked by hand, so that a surviving
mutant of ``aclf_protocol/reports.py`` changing a word, a width or a condition is caught.
"""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import attrs

from aclf_protocol import (
    NCT04822922,
    Causality,
    Patient,
    SafetyEvent,
    Seriousness,
    build_plan,
    cancel_remaining,
    check_eligibility,
    evaluate_stop_rules,
    record_infusion,
)
from aclf_protocol.reports import plan_lines, plan_record, screening_lines, stop_lines
from tests.fixtures import SPEC_RECORD

SCREENING = date(2021, 10, 1)


def pharmacy_plan() -> Any:
    """P, low arm, 50 kg (2 x 10^7 cells per infusion), Day 1 2021-09-30; #1 given, then stop."""
    plan = build_plan(patient_id="P", weight_kg=50, arm="low", start=date(2021, 9, 30))
    return cancel_remaining(record_infusion(plan, 1, date(2021, 9, 30)), date(2021, 10, 1))


class TestPlanReport:
    """§3.4, §4: the pharmacy calendar."""

    def test_calendar_lines(self) -> None:
        """§3.4, §4.1-§4.5: 10.0 mL and 2 bags per infusion at 2 x 10^6 cells/mL, 10^7 a bag."""
        record = plan_record(
            pharmacy_plan(), concentration_cells_per_ml=2_000_000, cells_per_container=10**7
        )
        tail = "   20,000,000 cells    10.0 mL 2 bag(s)"
        assert plan_lines(record) == [
            "P: arm low, baseline weight 50 kg, Day 1 = 2021-09-30, 20,000,000 cells in all",
            f"  #1 day  1 2021-09-30 (window 2021-09-30..2021-09-30) {tail} given 2021-09-30",
            f"  #2 day  4 2021-10-03 (window 2021-10-02..2021-10-04) {tail} CANCELLED",
            f"  #3 day  7 2021-10-06 (window 2021-10-05..2021-10-07) {tail} CANCELLED",
            f"  #4 day 10 2021-10-09 (window 2021-10-08..2021-10-10) {tail} CANCELLED",
            "  safety window (primary endpoint) ends 2021-10-30",
            (
                "  follow-up visits: Day 14 2021-10-13 (2021-10-11..2021-10-15), "
                "Day 28 2021-10-27 (2021-10-24..2021-10-30), "
                "Day 60 2021-11-28 (2021-11-21..2021-12-05), "
                "Day 90 2021-12-28 (2021-12-21..2022-01-04)"
            ),
        ]

    def test_without_volumes_or_containers(self) -> None:
        """§3.4: without a concentration or a bag size the rows show cells only."""
        plan = build_plan(patient_id="P", weight_kg=50, arm="low", start=date(2021, 9, 30))
        record = plan_record(plan)
        assert "volume_ml" not in record["infusions"][0]
        assert "containers" not in record["infusions"][0]
        assert plan_lines(record)[1] == (
            "  #1 day  1 2021-09-30 (window 2021-09-30..2021-09-30)    20,000,000 cells"
        )

    def test_variant_protocol(self) -> None:
        """§1, §4.2, §4.3: a two-month window and one Day-30 visit come from ``protocol=``."""
        day30 = attrs.evolve(NCT04822922.follow_up_visits[0], name="Day 30", study_day=30)
        variant = attrs.evolve(NCT04822922, safety_window_months=2, follow_up_visits=(day30,))
        record = plan_record(pharmacy_plan(), protocol=variant)
        assert record["safety_window_end"] == "2021-11-30"
        assert record["follow_up_visits"] == [
            {
                "name": "Day 30",
                "study_day": 30,
                "date": "2021-10-29",
                "window_start": "2021-10-27",
                "window_end": "2021-10-31",
            }
        ]
        assert json.loads(json.dumps(record)) == record


class TestScreeningReport:
    """§5: the screening summary."""

    def test_incomplete_shows_the_open_criterion_and_what_is_needed(self) -> None:
        """§5: unknown bilirubin and INR leave I2 open; the summary names both facts."""
        record: dict[str, Any] = json.loads(json.dumps(SPEC_RECORD))
        record["labs"]["inr"] = record["labs"]["bilirubin_mg_dl"] = None
        result = check_eligibility(Patient.from_dict(record), on=SCREENING)
        short = screening_lines(result, every_criterion=False)
        assert short == [
            "RJ-001: INCOMPLETE (screened 2021-10-01)",
            f"  {result.criteria['I2'].reason}",
            "  still needed: labs.bilirubin_mg_dl, labs.inr",
        ]
        full = screening_lines(result)
        assert len(full) == 12
        assert full[1] == f"  {result.criteria['I1'].reason}"

    def test_ineligible_shows_not_met_and_present(self) -> None:
        """§5: age 80 (I1 not met) and HIV (E4 present) are the lines shown."""
        record: dict[str, Any] = json.loads(json.dumps(SPEC_RECORD))
        record["birth_date"] = "1941-01-01"
        record["history"]["hiv"] = True
        result = check_eligibility(Patient.from_dict(record), on=SCREENING)
        assert screening_lines(result, every_criterion=False) == [
            "RJ-001: INELIGIBLE (screened 2021-10-01)",
            f"  {result.criteria['I1'].reason}",
            f"  {result.criteria['E4'].reason}",
        ]


def anaphylaxis(causality: Causality = Causality.PROBABLE) -> SafetyEvent:
    """A life-threatening reaction of RJ-001 on 10-04, known that day."""
    return SafetyEvent(
        event_id="SAE-1",
        patient_id="RJ-001",
        term="Anaphylaxis",
        grade=4,
        onset_date=date(2021, 10, 4),
        awareness_date=date(2021, 10, 4),
        seriousness={Seriousness.LIFE_THREATENING},
        causality=causality,
    )


PLAN = build_plan(patient_id="RJ-001", arm="low", start=date(2021, 10, 1), weight_kg=60)


class TestStopReport:
    """§6.3, §6.5: the stop-rule report."""

    def test_termination(self) -> None:
        """R1: terminate on 10-05, #3 and #4 cancelled, sponsor report done, 7 + 8 days."""
        result = evaluate_stop_rules(
            [PLAN], [anaphylaxis()], on=date(2021, 10, 5), done=[("SAE-1", "sae_to_sponsor")]
        )
        assert stop_lines(result) == [
            "study decision as of 2021-10-05: TERMINATE",
            (
                "  R1: SAE-1 (RJ-001) Anaphylaxis, onset 2021-10-04, aware 2021-10-04, "
                "causality probable"
            ),
            "  patient RJ-001 (arm low): stopped",
            "  cancelled: RJ-001 infusion 3 on 2021-10-07",
            "  cancelled: RJ-001 infusion 4 on 2021-10-10",
            "  report sae_to_sponsor for SAE-1 due 2021-10-05 - done",
            "  report susar_to_regulator for SAE-1 due 2021-10-11",
            "  report susar_follow_up for SAE-1 due 2021-10-19",
        ]

    def test_suspension_overdue_and_no_patients(self) -> None:
        """R2: suspended on 10-12 with nothing left to hold; two reports overdue."""
        result = evaluate_stop_rules(
            [PLAN], [anaphylaxis(Causality.NOT_ASSESSED)], on=date(2021, 10, 12)
        )
        assert stop_lines(result, patients=False) == [
            "study decision as of 2021-10-12: SUSPEND",
            (
                "  R2: SAE-1 (RJ-001) Anaphylaxis, onset 2021-10-04, aware 2021-10-04, "
                "causality not_assessed"
            ),
            "  report sae_to_sponsor for SAE-1 due 2021-10-05 - OVERDUE",
            "  report susar_to_regulator for SAE-1 due 2021-10-11 - OVERDUE",
            "  report susar_follow_up for SAE-1 due 2021-10-19",
        ]

    def test_on_hold(self) -> None:
        """R2: suspended on 10-06, infusions 3 and 4 are on hold."""
        result = evaluate_stop_rules(
            [PLAN], [anaphylaxis(Causality.NOT_ASSESSED)], on=date(2021, 10, 6)
        )
        assert stop_lines(result)[3:5] == [
            "  on hold: RJ-001 infusion 3 on 2021-10-07",
            "  on hold: RJ-001 infusion 4 on 2021-10-10",
        ]
