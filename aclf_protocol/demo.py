"""The demo behind ``aclf-protocol demo``: the library run end to end on the example cohort.

It screens the built-in patients (§5), plans and doses the eligible ones (§3, §4), and plays a
safety scenario through the stop rules (§6). Pure: it builds a report; ``cli.py`` prints it.

>>> report = run_demo()
>>> [(s["patient_id"], s["status"]) for s in report.to_dict()["screening"]][:3]
[('RJ-001', 'eligible'), ('RJ-002', 'eligible'), ('RJ-003', 'incomplete')]
>>> [s["consent_pending"] for s in report.to_dict()["screening"]][-1]  # RJ-007, pre-screened
True
>>> [(s["as_of"], s["decision"]) for s in report.to_dict()["safety"]]
[('2021-10-06', 'continue'), ('2021-10-08', 'suspend'), ('2021-10-11', 'terminate')]
"""

from __future__ import annotations

from datetime import date
from typing import Any

import attrs

from aclf_protocol.eligibility import EligibilityStatus, check_eligibility, summarise_screening
from aclf_protocol.examples import (
    DEMO_ARMS,
    DEMO_CONCENTRATION_CELLS_PER_ML,
    DEMO_SCREENING_DATE,
    DEMO_START,
    patient_records,
)
from aclf_protocol.patient import Patient
from aclf_protocol.protocol import NCT04822922, Protocol, protocol_label, protocol_name
from aclf_protocol.reports import (
    plan_lines,
    plan_record,
    screening_lines,
    screening_summary_line,
    stop_lines,
)
from aclf_protocol.safety import SafetyEvent
from aclf_protocol.schedule import InfusionPlan, plan_infusions, record_infusion
from aclf_protocol.stop_rules import StopRuleEvaluation, evaluate_stop_rules

__all__ = ["DemoReport", "demo_events", "run_demo"]

#: Cells per bag of the demo product.
_CELLS_PER_BAG = 50_000_000


def demo_events() -> list[dict[str, Any]]:
    """The demo's safety reports, as the site sends them (§9), in the order they arrive.

    A fever after the second infusion (not serious); then a serious event, first reported
    without a causality assessment (R2), then re-submitted assessed as possible (R1).
    """
    return [
        {
            "event_id": "AE-001",
            "patient_id": "RJ-001",
            "term": "Pyrexia",
            "onset_date": "2021-10-05",
            "awareness_date": "2021-10-05",
            "seriousness": [],
            "grade": 1,
            "causality": "possible",
            "expectedness": "expected",
            "outcome": "recovered",
        },
        {
            "event_id": "SAE-001",
            "patient_id": "RJ-002",
            "term": "Acute kidney injury",
            "onset_date": "2021-10-07",
            "awareness_date": "2021-10-08",
            "seriousness": ["hospitalisation"],
            "grade": 3,
            "causality": "not_assessed",
            "expectedness": "not_assessed",
            "outcome": "not_recovered",
        },
        {
            "event_id": "SAE-001",
            "patient_id": "RJ-002",
            "term": "Acute kidney injury",
            "onset_date": "2021-10-07",
            "awareness_date": "2021-10-10",
            "seriousness": ["hospitalisation"],
            "grade": 3,
            "causality": "possible",
            "expectedness": "unexpected",
            "outcome": "recovering",
        },
    ]


#: The dates at which the demo evaluates the stop rules.
_AS_OF = (date(2021, 10, 6), date(2021, 10, 8), date(2021, 10, 11))


@attrs.frozen(kw_only=True)
class DemoReport:
    """What the demo found: screening, plans and the safety scenario."""

    protocol: Protocol
    screened_on: date
    screening: tuple[tuple[Patient, Any], ...] = attrs.field(repr=False)
    plans: tuple[InfusionPlan, ...] = attrs.field(repr=False)
    safety: tuple[tuple[date, StopRuleEvaluation], ...] = attrs.field(repr=False)

    def to_dict(self) -> dict[str, Any]:
        """The report as JSON-compatible data."""
        return {
            "protocol": {**protocol_label(self.protocol), "study_id": self.protocol.study_id},
            "screened_on": self.screened_on.isoformat(),
            "screening": [result.to_dict() for _patient, result in self.screening],
            "plans": [_plan_record(plan, self.protocol) for plan in self.plans],
            "safety": [{"as_of": on.isoformat(), **result.to_dict()} for on, result in self.safety],
        }

    def text(self) -> str:
        """The report for people at a terminal."""
        return "\n".join(_text_lines(self))


def _plan_record(plan: InfusionPlan, protocol: Protocol) -> dict[str, Any]:
    return plan_record(
        plan,
        concentration_cells_per_ml=DEMO_CONCENTRATION_CELLS_PER_ML,
        cells_per_container=_CELLS_PER_BAG,
        protocol=protocol,
    )


def _text_lines(report: DemoReport) -> list[str]:
    p = report.protocol
    days = ", ".join(str(d.study_day) for d in p.infusion_days)
    arms = ", ".join(f"{a.arm_id} {a.dose_per_kg:,} cells/kg" for a in p.arms)
    lines = [
        f"{protocol_name(p)} ({p.study_id}, effective {p.effective_date}) - {p.title}",
        f"Arms: {arms}; infusions on study days {days}",
        "",
        f"1. Screening on {report.screened_on} (SPEC §5)",
    ]
    for _patient, result in report.screening:
        lines.extend(f"  {line}" for line in screening_lines(result, every_criterion=False))
    summary = summarise_screening(result for _patient, result in report.screening)
    lines.append(f"  {screening_summary_line(summary)}")
    lines += [
        "",
        (
            f"2. Plans and doses (SPEC §3, §4): product at {DEMO_CONCENTRATION_CELLS_PER_ML:,} "
            f"cells/mL, bags of {_CELLS_PER_BAG:,} cells"
        ),
    ]
    for plan in report.plans:
        lines.extend(f"  {line}" for line in plan_lines(_plan_record(plan, report.protocol)))
    lines += ["", "3. Safety scenario (SPEC §6): the stop rules as of each date"]
    for _on, result in report.safety:
        lines.extend(f"  {line}" for line in stop_lines(result, patients=False))
    return lines


def run_demo(*, protocol: Protocol = NCT04822922) -> DemoReport:
    """Screen, plan, dose and run the safety scenario on the built-in cohort."""
    patients = [Patient.from_dict(record) for record in patient_records()]
    screening = tuple(
        (p, check_eligibility(p, DEMO_SCREENING_DATE, protocol=protocol)) for p in patients
    )
    plans = []
    for patient, result in screening:
        arm = DEMO_ARMS.get(patient.patient_id)
        # A variant protocol may make more patients eligible; the demo enrols only those it
        # has an arm for.
        if result.status is EligibilityStatus.ELIGIBLE and arm is not None:
            plan = plan_infusions(patient, arm, DEMO_START, protocol=protocol)
            # The first two infusions were given on their nominal days.
            for infusion in plan.infusions[:2]:
                plan = record_infusion(plan, infusion.number, infusion.date)
            plans.append(plan)
    events = [SafetyEvent.from_dict(record) for record in demo_events()]
    safety = tuple(
        (on, evaluate_stop_rules(plans, events, on=on, protocol=protocol)) for on in _AS_OF
    )
    return DemoReport(
        protocol=protocol,
        screened_on=DEMO_SCREENING_DATE,
        screening=screening,
        plans=tuple(plans),
        safety=safety,
    )
