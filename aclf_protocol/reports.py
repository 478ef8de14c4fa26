"""Readable and machine reports shared by the demo and the command line (SPEC §10).

Pure: these build dicts and lines of text; only ``cli.py`` prints them.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from aclf_protocol._exact import exact
from aclf_protocol.dosing import containers_needed, volume_to_draw_ml
from aclf_protocol.eligibility import EligibilityResult, ScreeningSummary
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError
from aclf_protocol.interchange import parse_decimal, parse_int, raise_problems
from aclf_protocol.protocol import NCT04822922, Protocol, protocol_label, protocol_name
from aclf_protocol.schedule import InfusionPlan, follow_up_visits, safety_window_end
from aclf_protocol.stop_rules import StopRuleEvaluation

__all__ = [
    "header_line",
    "plan_from_record",
    "plan_lines",
    "plan_record",
    "safety_lines",
    "screening_lines",
    "screening_summary_line",
    "stop_lines",
]

#: What :func:`plan_record` adds to a plan's record: figures derived from it, for the pharmacy.
_DERIVED_PLAN_KEYS = ("safety_window_end", "follow_up_visits")
#: What :func:`plan_record` adds to a plan's record besides: the protocol it was planned under.
_LABEL_KEY = "protocol"


def header_line(protocol: Protocol) -> str:
    """The line that opens a text report: the protocol applied, by id, version and effective
    date (§1 *v2*), e.g. ``"protocol NCT04822922 version 1.0 (effective 2021-09-30)"``.

    >>> header_line(NCT04822922)
    'protocol NCT04822922 version 1.0 (effective 2021-09-30)'
    """
    return f"protocol {protocol_name(protocol)} (effective {protocol.effective_date})"


@exact
def plan_record(
    plan: InfusionPlan,
    *,
    concentration_cells_per_ml: Decimal | int | None = None,
    cells_per_container: int | None = None,
    protocol: Protocol = NCT04822922,
) -> dict[str, Any]:
    """The plan's record with volumes, containers, safety window end and visits (§3.4, §4),
    and the protocol it was planned under: ``"protocol": {"nct_id": ..., "version": ...}``
    (§1 *v2*).

    >>> from datetime import date
    >>> from aclf_protocol.schedule import build_plan
    >>> plan = build_plan(patient_id="P", weight_kg=50, arm="low", start=date(2021, 9, 30))
    >>> record = plan_record(plan, concentration_cells_per_ml=2_000_000, cells_per_container=10**7)
    >>> record["infusions"][0]["volume_ml"], record["infusions"][0]["containers"]
    ('10.0', 2)
    >>> record["safety_window_end"], record["protocol"]
    ('2021-10-30', {'nct_id': 'NCT04822922', 'version': '1.0'})
    """
    core = plan.to_dict()
    record = {"patient_id": core.pop("patient_id"), "protocol": protocol_label(protocol), **core}
    for row in record["infusions"]:
        if concentration_cells_per_ml is not None:
            row["volume_ml"] = str(volume_to_draw_ml(row["cells"], concentration_cells_per_ml))
        if cells_per_container is not None:
            row["containers"] = containers_needed(row["cells"], cells_per_container)
    record["safety_window_end"] = safety_window_end(plan.start, protocol=protocol).isoformat()
    record["follow_up_visits"] = [
        v.to_dict() for v in follow_up_visits(plan.start, protocol=protocol)
    ]
    return record


def _derived_infusion_problems(row: Mapping[str, Any], where: str) -> list[InvalidValueError]:
    """Problems of the volume and bag count of one infusion row, which :func:`plan_record`
    computed from a concentration and a bag size the record does not carry (§3.4)."""
    problems: list[InvalidValueError] = []
    figures = (
        ("volume_ml", parse_decimal, "must be a volume > 0 mL (§3.4)"),
        ("containers", parse_int, "must be a whole number of bags >= 1 (§3.4)"),
    )
    for key, parse, rule in figures:
        if key not in row:
            continue
        path = f"{where}.{key}"
        try:
            figure: Any = parse(row[key], path)
        except InvalidValueError as err:
            problems.append(err)
            continue
        if figure <= 0:
            problems.append(InvalidValueError(path, row[key], rule))
    return problems


def plan_from_record(record: object, *, protocol: Protocol = NCT04822922) -> InfusionPlan:
    """The plan of a record as :func:`plan_record` writes it (``plan --json``), or as
    ``InfusionPlan.to_dict`` does: what one command prints, the next reads (§10).

    The derived figures are checked, then left out: the safety window end and the follow-up
    visits must be those of the plan's start under *protocol* (§4.2, §4.3); a volume or a bag
    count must be a positive figure (§3.4). A ``"protocol"`` label, when present, must name
    *protocol* itself: a plan made under another protocol or version is refused, never read
    under rules it was not made with (§1 *v2*, D-LABEL-PLAN); a record without one
    (``InfusionPlan.to_dict``) is read as it stands. Everything else is read by
    ``InfusionPlan.from_dict``, what was given included (§4.6).

    >>> from datetime import date
    >>> from aclf_protocol.schedule import build_plan
    >>> plan = build_plan(patient_id="P", weight_kg=50, arm="low", start=date(2021, 9, 30))
    >>> plan_from_record(plan_record(plan, concentration_cells_per_ml=2_000_000)) == plan
    True
    >>> plan_from_record({**plan_record(plan), "safety_window_end": "2021-10-31"})
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InconsistentRecordError: safety_window_end: must be ... got '2021-10-31'
    >>> plan_from_record({**plan_record(plan), "protocol": {"nct_id": "NCT04822922",
    ...                                                     "version": "2.0"}})
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InconsistentRecordError: protocol: was planned under ... version 2.0, ...
    """
    if not isinstance(record, Mapping) or not isinstance(record.get("infusions"), list):
        return InfusionPlan.from_dict(record)  # refused there, with its own words
    core = {k: v for k, v in record.items() if k not in (*_DERIVED_PLAN_KEYS, _LABEL_KEY)}
    problems: list[InvalidValueError] = []
    if _LABEL_KEY in record:
        problems += _label_problems(record[_LABEL_KEY], protocol)
    rows: list[object] = []
    for index, row in enumerate(record["infusions"]):
        if isinstance(row, Mapping):
            problems += _derived_infusion_problems(row, f"infusions[{index}]")
            row = {k: v for k, v in row.items() if k not in {"volume_ml", "containers"}}  # noqa: PLW2901
        rows.append(row)
    raise_problems(problems)
    plan = InfusionPlan.from_dict({**core, "infusions": rows})
    derived = plan_record(plan, protocol=protocol)
    for key in _DERIVED_PLAN_KEYS:
        if key in record and record[key] != derived[key]:
            raise InconsistentRecordError(
                key, record[key], f"must be what Day 1 {plan.start} gives: {derived[key]!r} (§4)"
            )
    return plan


def _label_problems(label: object, protocol: Protocol) -> list[InvalidValueError]:
    """The problem of a record's protocol label: not a label, or not *protocol*'s (§1 *v2*)."""
    wanted = protocol_label(protocol)
    if not isinstance(label, Mapping) or set(label) != set(wanted):
        rule = "must be a protocol label {'nct_id': ..., 'version': ...} (§1)"
        return [InvalidValueError(_LABEL_KEY, label, rule)]
    if dict(label) == wanted:
        return []
    if not all(isinstance(label[key], str) for key in wanted):
        rule = "nct_id and version must be text (§1)"
        return [InvalidValueError(_LABEL_KEY, label, rule)]
    rule = (
        f"was planned under {label['nct_id']} version {label['version']}, not "
        f"{protocol_name(protocol)}: plan again under it (§1)"
    )
    return [InconsistentRecordError(_LABEL_KEY, dict(label), rule)]


@exact
def plan_lines(record: dict[str, Any]) -> list[str]:
    """A plan record (from :func:`plan_record`) as a calendar for the pharmacy."""
    lines = [
        (
            f"{record['patient_id']}: arm {record['arm_id']}, baseline weight "
            f"{record['weight_kg']} kg, Day 1 = {record['start']}, "
            f"{record['total_cells']:,} cells in all"
        ),
    ]
    for row in record["infusions"]:
        line = (
            f"  #{row['number']} day {row['study_day']:>2} {row['date']} "
            f"(window {row['window_start']}..{row['window_end']}) {row['cells']:>13,} cells"
        )
        if "volume_ml" in row:
            line += f" {row['volume_ml']:>7} mL"
        if "containers" in row:
            line += f" {row['containers']} bag(s)"
        if row["given_date"]:
            line += f" given {row['given_date']}"
        given = [
            f"{row['cells_given']:,} cells" if row.get("cells_given") is not None else None,
            f"lot {row['lot']}" if row.get("lot") is not None else None,
            f"viability {row['viability_percent']} %"
            if row.get("viability_percent") is not None
            else None,
        ]
        if any(given):  # §4.6: what was actually given, as far as it is known
            line += f" ({', '.join(g for g in given if g)})"
        if row["cancelled"]:
            line += " CANCELLED"
        lines.append(line)
    lines.append(f"  safety window (primary endpoint) ends {record['safety_window_end']}")
    visits = ", ".join(
        f"{v['name']} {v['date']} ({v['window_start']}..{v['window_end']})"
        for v in record["follow_up_visits"]
    )
    lines.append(f"  follow-up visits: {visits}")
    return lines


@exact
def screening_lines(result: EligibilityResult, *, every_criterion: bool = True) -> list[str]:
    """A screening result: status (and "consent pending", §5 I3 *v2*), then each criterion's
    reason (or only the deciding ones)."""
    pending = ", consent pending" if result.consent_pending else ""
    lines = [f"{result.patient_id}: {result.status.value.upper()}{pending} (screened {result.on})"]
    shown = ("not_met", "present", "unknown")
    lines.extend(
        f"  {criterion.reason}"
        for criterion in result.criteria.values()
        if every_criterion or criterion.outcome.value in shown
    )
    if result.missing:
        lines.append(f"  still needed: {', '.join(result.missing)}")
    return lines


def screening_summary_line(summary: ScreeningSummary) -> str:
    """The screening log's counts in one line; consent pending is counted apart from the
    screen failures, inside the incomplete (§5 I3 *v2*).

    >>> from datetime import date
    >>> from aclf_protocol.eligibility import screen, summarise_screening
    >>> from aclf_protocol.examples import patient_records
    >>> from aclf_protocol.patient import Patient
    >>> cohort = [Patient.from_dict(r) for r in patient_records()]
    >>> screening_summary_line(summarise_screening(screen(cohort, date(2021, 10, 1))))
    'screened 7: 3 eligible, 2 ineligible (screen failures), 2 incomplete (1 consent pending)'
    """
    pending = f" ({summary.consent_pending} consent pending)" if summary.consent_pending else ""
    return (
        f"screened {summary.screened}: {summary.eligible} eligible, {summary.ineligible} "
        f"ineligible (screen failures), {summary.incomplete} incomplete{pending}"
    )


@exact
def safety_lines(result: StopRuleEvaluation) -> list[str]:
    """Deaths, re-assessments, conflicts, cancelled, held and deviating infusions, and the
    reporting obligations, one line each (§6.3, §6.5, §6.7)."""
    lines = [f"died: {patient_id}" for patient_id in result.died]
    lines += [
        f"re-assessed after the termination: {r.event_id} ({r.patient_id}) "
        f"causality {r.fired.causality.value} -> {r.current.causality.value}, "
        f"aware {r.current.awareness_date}; the termination stands"
        for r in result.reassessed
    ]
    lines += [
        f"conflict: {c.event_id} has two versions aware {c.awareness_date}; counted causality "
        f"{c.counted.causality.value} grade {c.counted.grade}, not causality "
        f"{c.other.causality.value} grade {c.other.grade}"
        for c in result.conflicts
    ]
    lines += [
        f"pre-treatment: {e.event_id} ({e.patient_id}) onset {e.onset_date}"
        for e in result.pre_treatment
    ]
    lines += [
        f"cancelled: {ref.patient_id} infusion {ref.number} on {ref.date}"
        for ref in result.cancelled
    ]
    lines += [
        f"on hold: {ref.patient_id} infusion {ref.number} on {ref.date}" for ref in result.on_hold
    ]
    lines += [
        f"DEVIATION: {v.patient_id} infusion {v.number} given {v.given_date}, on or after "
        f"the stop date {v.stopped_on} ({v.cause})"
        for v in result.deviations
    ]
    lines += [
        f"report {o.kind.value} for {o.event_id} due {o.due}"
        + (" - OVERDUE" if o.overdue else "")
        + (" - done" if o.done else "")
        for o in result.obligations
    ]
    return lines


@exact
def stop_lines(result: StopRuleEvaluation, *, patients: bool = True) -> list[str]:
    """A stop-rule evaluation: decision, triggers, patients, cancellations, obligations."""
    lines = [f"study decision as of {result.on}: {result.decision.value.upper()}"]
    for trigger in result.triggers:
        event = trigger.event
        lines.append(
            f"  {trigger.rule}: {event.event_id} ({event.patient_id}) {event.term}, "
            f"onset {event.onset_date}, aware {event.awareness_date}, "
            f"causality {event.causality.value}"
        )
    if patients:
        lines.extend(
            f"  patient {p.patient_id} (arm {p.arm_id}): {p.status.value}" for p in result.patients
        )
    lines.extend(f"  {line}" for line in safety_lines(result))
    return lines
