"""The reports shared by the demo and the command line (SPEC §3.4, §4, §5, §6.3, §6.5, §10).

The lines are the product: each test's cases are collected in one golden file under
``tests/golden/reports/`` (``UPDATE_GOLDEN=1`` rewrites them), worked by hand when first
written; the other assertions state structure (which lines, how many, which fields).
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import attrs
import pytest

from aclf_protocol import (
    NCT04822922,
    Causality,
    Patient,
    SafetyEvent,
    Seriousness,
    check_eligibility,
    evaluate_stop_rules,
)
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError
from aclf_protocol.reports import (
    header_line,
    plan_from_record,
    plan_lines,
    plan_record,
    screening_lines,
    stop_lines,
)
from aclf_protocol.schedule import build_plan, cancel_remaining, record_infusion
from tests.fixtures import ON, SPEC_RECORD, assert_golden, refusal


def cases(lines_by_case: Mapping[str, Sequence[str]]) -> str:
    """Each case's title, then its lines, one blank line between cases (a golden file)."""
    return "\n".join(
        f"## {title}\n" + "".join(f"{line}\n" for line in lines)
        for title, lines in lines_by_case.items()
    )


def pharmacy_plan() -> Any:
    """P, low arm, 50 kg (2 x 10^7 cells per infusion), Day 1 2021-09-30; #1 given, then stop."""
    plan = build_plan(patient_id="P", weight_kg=50, arm="low", start=date(2021, 9, 30))
    return cancel_remaining(record_infusion(plan, 1, date(2021, 9, 30)), date(2021, 10, 1))


def spec_record(**changes: Any) -> dict[str, Any]:
    """A fresh copy of SPEC §9's record with top-level *changes*."""
    record: dict[str, Any] = json.loads(json.dumps(SPEC_RECORD))
    record.update(changes)
    return record


def administered_plan() -> Any:
    """P, low arm, 50 kg: #1 given with 1.9 x 10^7 cells, lot UC-1 and 93.5 % viability (§4.6)."""
    plan = build_plan(patient_id="P", weight_kg=50, arm="low", start=date(2021, 9, 30))
    return record_infusion(
        plan, 1, date(2021, 9, 30), cells=19_000_000, lot="UC-1", viability_percent=93.5
    )


class TestPlanRecordsReadBack:
    """§10: what ``plan --json`` prints (plan_record) is read back as the plan it came from."""

    @pytest.mark.parametrize(
        "options",
        [{}, {"concentration_cells_per_ml": 2_000_000, "cells_per_container": 10**7}],
        ids=["cells only", "volumes and bags"],
    )
    def test_round_trip(self, options: dict[str, Any]) -> None:
        """§4.6, §10: the plan, what was given included, comes back through JSON text."""
        for plan in (pharmacy_plan(), administered_plan()):
            text = json.dumps(plan_record(plan, **options))
            assert plan_from_record(json.loads(text)) == plan

    def test_a_plain_plan_record_is_read_too(self) -> None:
        """§9: InfusionPlan.to_dict() output is a plan record as well."""
        plan = administered_plan()
        assert plan_from_record(plan.to_dict()) == plan

    @pytest.mark.parametrize(
        ("key", "value"),
        [("safety_window_end", "2021-10-31"), ("follow_up_visits", [])],
    )
    def test_derived_dates_must_agree_with_the_start(self, key: str, value: object) -> None:
        """§4.2, §4.3: a safety window end or visits that Day 1 does not give are refused."""
        record = {**plan_record(pharmacy_plan()), key: value}
        with pytest.raises(InconsistentRecordError) as caught:
            plan_from_record(record)
        assert (caught.value.field, caught.value.value) == (key, value)

    @pytest.mark.parametrize(
        ("key", "value"), [("volume_ml", "0"), ("volume_ml", "x"), ("containers", 0)]
    )
    def test_derived_figures_must_be_positive(self, key: str, value: object) -> None:
        """§3.4: a volume or bag count that is not a positive figure names its path."""
        record = plan_record(pharmacy_plan())
        record["infusions"][1][key] = value
        with pytest.raises(InvalidValueError) as caught:
            plan_from_record(record)
        assert (caught.value.field, caught.value.value) == (f"infusions[1].{key}", value)

    def test_anything_else_is_the_plan_reader_s(self) -> None:
        """§9: an unknown key or a record that is no object is refused by InfusionPlan."""
        record = {**plan_record(pharmacy_plan()), "colour": "red"}
        with pytest.raises(InvalidValueError) as caught:
            plan_from_record(record)
        assert caught.value.field == "colour"
        with pytest.raises(InvalidValueError) as caught:
            plan_from_record([])
        assert caught.value.value == []


class TestPlanRecordsNameTheirProtocol:
    """§1 v2: ``plan --json`` names the protocol planned under; reading it back checks that
    it is the protocol reading it (D-LABEL-PLAN)."""

    def test_the_record_names_the_protocol(self) -> None:
        record = plan_record(pharmacy_plan())
        assert record["protocol"] == {"nct_id": "NCT04822922", "version": "1.0"}
        assert list(record)[:3] == ["patient_id", "protocol", "arm_id"]
        amended = attrs.evolve(NCT04822922, version="2.0")
        assert plan_record(pharmacy_plan(), protocol=amended)["protocol"]["version"] == "2.0"

    def test_read_back_under_its_own_version(self) -> None:
        amended = attrs.evolve(NCT04822922, version="2.0")
        record = plan_record(pharmacy_plan(), protocol=amended)
        assert plan_from_record(record, protocol=amended) == pharmacy_plan()

    @pytest.mark.parametrize(
        "label",
        [
            {"nct_id": "NCT04822922", "version": "2.0"},
            {"nct_id": "NCT00000000", "version": "1.0"},
        ],
        ids=["another version", "another trial"],
    )
    def test_a_plan_made_under_another_protocol_is_refused(self, label: dict[str, str]) -> None:
        """Patient-safe: never read a plan under rules it was not made with."""
        record = {**plan_record(pharmacy_plan()), "protocol": label}
        with pytest.raises(InconsistentRecordError) as caught:
            plan_from_record(record)
        assert (caught.value.field, caught.value.value) == ("protocol", label)
        assert caught.value.to_dict()["code"] == "inconsistent_record"
        assert f"{label['nct_id']} version {label['version']}" in caught.value.rule

    @pytest.mark.parametrize(
        "label",
        ["NCT04822922", None, {"nct_id": "NCT04822922"}, {"nct_id": "NCT04822922", "version": 1}],
    )
    def test_a_label_that_is_no_label_is_refused(self, label: object) -> None:
        record = {**plan_record(pharmacy_plan()), "protocol": label}
        with pytest.raises(InvalidValueError) as caught:
            plan_from_record(record)
        assert (caught.value.field, caught.value.value) == ("protocol", label)
        assert type(caught.value) is InvalidValueError

    def test_every_problem_at_once(self) -> None:
        """A wrong label and a bad volume are both reported (§9)."""
        record = plan_record(pharmacy_plan(), concentration_cells_per_ml=2_000_000)
        record["protocol"] = {"nct_id": "NCT04822922", "version": "2.0"}
        record["infusions"][0]["volume_ml"] = "0"
        err = refusal(lambda: plan_from_record(record))
        assert sorted(p.field for p in err.problems) == ["infusions[0].volume_ml", "protocol"]


class TestHeaderLine:
    """§1 v2: the line a text report opens with names the protocol, version and date."""

    def test_the_built_in_and_an_amendment(self) -> None:
        amended = attrs.evolve(NCT04822922, version="2.0", effective_date=date(2022, 3, 1))
        assert [header_line(p) for p in (NCT04822922, amended)] == [
            "protocol NCT04822922 version 1.0 (effective 2021-09-30)",
            "protocol NCT04822922 version 2.0 (effective 2022-03-01)",
        ]


class TestPharmacyReport:
    """§3.4, §4: the plan record and the pharmacy calendar."""

    def test_calendar_lines(self) -> None:
        """§3.4, §4.1-§4.5: a head line, four infusions, the safety window, the visits."""
        full = plan_record(
            pharmacy_plan(), concentration_cells_per_ml=2_000_000, cells_per_container=10**7
        )
        bare = build_plan(patient_id="P", weight_kg=50, arm="low", start=date(2021, 9, 30))
        assert_golden(
            "reports/plan_lines.txt",
            cases(
                {
                    "10.0 mL and 2 bags per infusion at 2 x 10^6 cells/mL, 10^7 a bag; #1 given, "
                    "then cancelled": plan_lines(full),
                    "no concentration, no bag size: cells only": plan_lines(plan_record(bare)),
                    "#1 given with what was given (§4.6)": plan_lines(
                        plan_record(administered_plan())
                    ),
                }
            ),
        )

    def test_volumes_and_containers(self) -> None:
        """§3.4: 2 x 10^7 cells at 2 x 10^6 cells/mL is 10.0 mL, 2 bags of 10^7."""
        record = plan_record(
            pharmacy_plan(), concentration_cells_per_ml=2_000_000, cells_per_container=10**7
        )
        assert {(r["volume_ml"], r["containers"]) for r in record["infusions"]} == {("10.0", 2)}
        lines = plan_lines(record)
        assert len(lines) == 7
        assert [line.split()[-1] for line in lines[1:5]] == ["2021-09-30", *["CANCELLED"] * 3]

    def test_without_volumes_or_containers(self) -> None:
        """§3.4: without a concentration or a bag size the rows show cells only."""
        plan = build_plan(patient_id="P", weight_kg=50, arm="low", start=date(2021, 9, 30))
        record = plan_record(plan)
        assert "volume_ml" not in record["infusions"][0]
        assert "containers" not in record["infusions"][0]
        assert plan_lines(record)[1].split()[-1] == "cells"

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

    @staticmethod
    def incomplete() -> Any:
        """Unknown bilirubin and INR leave I2 open."""
        record = spec_record()
        record["labs"]["inr"] = record["labs"]["bilirubin_mg_dl"] = None
        return check_eligibility(Patient.from_dict(record), on=ON)

    @staticmethod
    def ineligible() -> Any:
        """Age 80 (I1 not met) and HIV (E4 present)."""
        record = spec_record(birth_date="1941-01-01")
        record["history"]["hiv"] = True
        return check_eligibility(Patient.from_dict(record), on=ON)

    def test_summary_lines(self) -> None:
        """§5: the status line, the deciding criteria's reasons, what is still needed."""
        incomplete, ineligible = self.incomplete(), self.ineligible()
        assert_golden(
            "reports/screening_lines.txt",
            cases(
                {
                    "incomplete (bilirubin and INR unknown), deciding criteria only": (
                        screening_lines(incomplete, every_criterion=False)
                    ),
                    "ineligible (age 80, HIV), deciding criteria only": (
                        screening_lines(ineligible, every_criterion=False)
                    ),
                    "incomplete, every criterion": screening_lines(incomplete),
                }
            ),
        )

    def test_incomplete_shows_the_open_criterion_and_what_is_needed(self) -> None:
        """§5: I2 is the one open criterion; the last line names both facts."""
        result = self.incomplete()
        short = screening_lines(result, every_criterion=False)
        assert short[1:] == [
            f"  {result.criteria['I2'].reason}",
            "  still needed: labs.bilirubin_mg_dl, labs.inr",
        ]
        full = screening_lines(result)
        assert len(full) == 12
        assert full[1:11] == [f"  {c.reason}" for c in result.criteria.values()]

    def test_consent_pending_is_named(self) -> None:
        """§5 I3 v2: a pre-screened patient's head line says consent pending; the open
        consent criteria follow."""
        record = {k: v for k, v in SPEC_RECORD.items() if k != "consent"}
        result = check_eligibility(Patient.from_dict(record), ON)
        lines = screening_lines(result, every_criterion=False)
        assert lines[0] == "RJ-001: INCOMPLETE, consent pending (screened 2021-10-01)"
        assert [line.split()[0] for line in lines[1:3]] == ["I3", "E7"]

    def test_ineligible_shows_not_met_and_present(self) -> None:
        """§5: I1 (not met) and E4 (present) are the lines shown; nothing is needed."""
        result = self.ineligible()
        assert screening_lines(result, every_criterion=False)[1:] == [
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

    @staticmethod
    def termination() -> Any:
        """R1 on 10-05: #3 and #4 cancelled, the sponsor report done."""
        return evaluate_stop_rules(
            [PLAN], [anaphylaxis()], on=date(2021, 10, 5), done=[("SAE-1", "sae_to_sponsor")]
        )

    @staticmethod
    def suspension(on: date) -> Any:
        """R2: the event not yet assessed."""
        return evaluate_stop_rules([PLAN], [anaphylaxis(Causality.NOT_ASSESSED)], on=on)

    def test_report_lines(self) -> None:
        """§6.3, §6.5: decision, trigger, patients, cancellations or holds, reports (7 + 8 days)."""
        assert_golden(
            "reports/stop_lines.txt",
            cases(
                {
                    "R1: terminated on 10-05, sponsor report done": stop_lines(self.termination()),
                    "R2: suspended on 10-12, nothing left to hold, two reports overdue; "
                    "no patient lines": stop_lines(
                        self.suspension(date(2021, 10, 12)), patients=False
                    ),
                    "R2: suspended on 10-06, infusions 3 and 4 on hold": stop_lines(
                        self.suspension(date(2021, 10, 6))
                    ),
                }
            ),
        )

    def test_termination_lines(self) -> None:
        """R1: one trigger, one patient, three cancellations (§6.7: infusion 2, its window open
        on the stop date, too), three reports (the first done)."""
        lines = stop_lines(self.termination())
        assert [line.split()[0] for line in lines[1:]] == [
            "R1:",
            "patient",
            "cancelled:",
            "cancelled:",
            "cancelled:",
            "report",
            "report",
            "report",
        ]
        assert lines[6].endswith(" - done")
        assert not any(" - " in line for line in lines[7:])

    def test_suspension_without_patient_lines(self) -> None:
        """R2 on 10-12: no patient line, nothing on hold, the first two reports overdue."""
        lines = stop_lines(self.suspension(date(2021, 10, 12)), patients=False)
        assert len(lines) == 5
        assert [line.endswith(" - OVERDUE") for line in lines[2:]] == [True, True, False]

    def test_on_hold(self) -> None:
        """R2 on 10-06: infusions 3 and 4 are on hold, after the one patient line."""
        lines = stop_lines(self.suspension(date(2021, 10, 6)))
        assert [line.split()[:4] for line in lines[3:5]] == [
            ["on", "hold:", "RJ-001", "infusion"],
        ] * 2
