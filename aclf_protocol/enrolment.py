"""The enrolment plan: stage 1 in every arm, then one arm expanded (SPEC §8).

Stage 1 puts ``stage1_per_arm`` patients (4) in each arm (12). Once all of them have completed
their safety window (§4.2), the acceptable arm with the best caller-supplied efficacy gets
``expansion_size`` more (4, 16 in all). An arm is acceptable when none of its patients had a
serious adverse reaction (causality not yet assessed included, §6.2) with onset in their
safety window. A suspended or terminated study (§6.5) enrols no one and selects nothing.
*v2*: enrolling a patient needs that patient's ELIGIBLE screening, under the same protocol,
on or before Day 1 and at most ``max_screening_age_days`` (14) before it.

Everything is a pure function of the plans (the enrolment record: one plan per patient, Day
1 = enrolment date), the events and the date ``on``; :class:`EnrolmentState` wraps them in an
immutable value with checked transitions.

>>> import attrs
>>> from aclf_protocol.eligibility import check_eligibility
>>> from aclf_protocol.examples import patient_records
>>> from aclf_protocol.patient import Patient
>>> from aclf_protocol.schedule import plan_infusions
>>> rj001 = Patient.from_dict(patient_records()[0])  # §9's example: eligible
>>> state = EnrolmentState()
>>> for n, arm in enumerate(["low", "medium", "high"] * 4):
...     patient = attrs.evolve(rj001, patient_id=f"RJ-{n:03d}")
...     day1 = date(2021, 10, 1) + timedelta(days=n)
...     state = state.enrol(plan_infusions(patient, arm, day1), check_eligibility(patient, day1))
>>> status = state.status(on=date(2021, 11, 12))
>>> status.stage1_full, str(status.stage1_safety_end), status.open_arms
(True, '2021-11-12', ())
>>> state.status(on=date(2021, 11, 13), efficacy={"low": 1, "medium": 3, "high": 3}).open_arms
('medium',)
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import attrs

from aclf_protocol._exact import exact
from aclf_protocol._validators import (
    require_date,
    require_instance,
    require_on,
)
from aclf_protocol.eligibility import EligibilityResult, EligibilityStatus
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError, MissingFactError
from aclf_protocol.interchange import decimal_to_json, parse_decimal, records_of
from aclf_protocol.protocol import NCT04822922, Protocol, protocol_label, protocol_name
from aclf_protocol.safety import DoneKey, SafetyEvent
from aclf_protocol.schedule import InfusionPlan, record_infusion, safety_window_end
from aclf_protocol.stop_rules import StopRuleEvaluation, StudyDecision, evaluate_stop_rules

__all__ = [
    "ArmEnrolment",
    "ArmSafety",
    "EnrolmentState",
    "EnrolmentStatus",
    "ExpansionOutcome",
    "ExpansionSelection",
    "check_screening",
    "enrol",
    "enrolment_status",
    "select_expansion_arm",
]

_STATE = {
    StudyDecision.CONTINUE: "continuing",
    StudyDecision.SUSPEND: "suspended",
    StudyDecision.TERMINATE: "terminated",
}

#: Efficacy figures per arm id, higher is better; a float goes through its repr (§0).
Efficacy = Mapping[str, Decimal | int | float]


class ExpansionOutcome(enum.Enum):
    """Why an expansion arm was, or was not, selected (§8)."""

    SELECTED = "selected"
    NO_ACCEPTABLE_ARM = "no_acceptable_arm"
    STAGE1_INCOMPLETE = "stage1_incomplete"
    STUDY_SUSPENDED = "study_suspended"
    STUDY_TERMINATED = "study_terminated"


@attrs.frozen(kw_only=True)
class ArmSafety:
    """One arm's §8 safety verdict: the serious reactions in its patients' safety windows."""

    arm_id: str
    reactions: tuple[str, ...]
    efficacy: Decimal | None

    @property
    def acceptable(self) -> bool:
        """No serious adverse reaction in the arm within the safety windows (§8)."""
        return not self.reactions

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "arm_id": self.arm_id,
            "acceptable": self.acceptable,
            "reactions": list(self.reactions),
            "efficacy": None if self.efficacy is None else decimal_to_json(self.efficacy),
        }


@attrs.frozen(kw_only=True)
class ExpansionSelection:
    """The §8 choice of the arm that receives the expansion patients.

    ``arm_id`` is set exactly when ``outcome`` is SELECTED; it is then a protocol arm and
    acceptable. ``protocol`` is the protocol applied (§1 *v2*: ``to_dict()`` names it).
    """

    on: date
    outcome: ExpansionOutcome
    arm_id: str | None
    arms: tuple[ArmSafety, ...]
    reason: str
    protocol: Protocol = attrs.field(repr=False)

    @property
    def acceptable(self) -> tuple[str, ...]:
        """Ids of the acceptable arms, in protocol order."""
        return tuple(a.arm_id for a in self.arms if a.acceptable)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "on": self.on.isoformat(),
            "protocol": protocol_label(self.protocol),
            "outcome": self.outcome.value,
            "arm_id": self.arm_id,
            "arms": [a.to_dict() for a in self.arms],
            "reason": self.reason,
        }


@attrs.frozen(kw_only=True)
class ArmEnrolment:
    """Who is in one arm: stage-1 patients first, then expansion patients (§8)."""

    arm_id: str
    stage1: tuple[str, ...]
    expansion: tuple[str, ...]

    @property
    def count(self) -> int:
        """Patients in the arm."""
        return len(self.stage1) + len(self.expansion)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "arm_id": self.arm_id,
            "stage1": list(self.stage1),
            "expansion": list(self.expansion),
        }


@attrs.frozen(kw_only=True)
class EnrolmentStatus:
    """Where enrolment stands as of ``on`` (§8).

    Attributes:
        decision: The stop-rule decision as of ``on`` (§6.5).
        arms: Who is in each arm, in protocol order. In each arm the first
            ``stage1_per_arm`` patients by (Day 1, patient id) are stage 1.
        stage1_full: Every arm holds its stage-1 patients.
        stage1_safety_end: The last safety-window end of the stage-1 patients, once full.
        stage1_complete: Stage 1 is full and ``on`` is after ``stage1_safety_end``.
        selection: The expansion choice; ``None`` when no efficacy figures were supplied.
        open_arms: The arms a new patient may enter on ``on`` (empty: nobody may).
        reason: Why the arms are open or closed, in words.
        protocol: The protocol applied (§1 *v2*: ``to_dict()`` names it).
    """

    on: date
    decision: StudyDecision
    arms: tuple[ArmEnrolment, ...]
    stage1_full: bool
    stage1_safety_end: date | None
    stage1_complete: bool
    selection: ExpansionSelection | None
    open_arms: tuple[str, ...]
    reason: str
    protocol: Protocol = attrs.field(repr=False)

    @property
    def total(self) -> int:
        """Patients enrolled."""
        return sum(a.count for a in self.arms)

    @property
    def counts(self) -> Mapping[str, int]:
        """Arm id -> patients in it."""
        return {a.arm_id: a.count for a in self.arms}

    @property
    def may_enrol(self) -> bool:
        """Whether a new patient may be enrolled into some arm on ``on``."""
        return bool(self.open_arms)

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "on": self.on.isoformat(),
            "protocol": protocol_label(self.protocol),
            "decision": self.decision.value,
            "arms": [a.to_dict() for a in self.arms],
            "total": self.total,
            "stage1_full": self.stage1_full,
            "stage1_safety_end": (
                None if self.stage1_safety_end is None else self.stage1_safety_end.isoformat()
            ),
            "stage1_complete": self.stage1_complete,
            "selection": None if self.selection is None else self.selection.to_dict(),
            "open_arms": list(self.open_arms),
            "reason": self.reason,
        }


def _efficacy(efficacy: object, protocol: Protocol) -> dict[str, Decimal]:
    """Check the caller's efficacy figures: protocol arms only, finite numbers."""
    if not isinstance(efficacy, Mapping):
        raise InvalidValueError("efficacy", efficacy, "must map arm ids to numbers (§8)")
    figures: dict[str, Decimal] = {}
    for arm_id, value in efficacy.items():
        if not isinstance(arm_id, str) or arm_id not in protocol.arm_ids:
            allowed = ", ".join(repr(a) for a in protocol.arm_ids)
            raise InvalidValueError("efficacy", arm_id, f"keys must be arm ids: {allowed} (§8)")
        figures[arm_id] = parse_decimal(value, f"efficacy.{arm_id}")  # a float via repr (§0)
    return figures


def _by_arm(plans: Iterable[InfusionPlan], protocol: Protocol) -> dict[str, list[InfusionPlan]]:
    """The plans of each protocol arm, ordered by (Day 1, patient id)."""
    arms: dict[str, list[InfusionPlan]] = {arm_id: [] for arm_id in protocol.arm_ids}
    for plan in plans:
        arms[plan.arm_id].append(plan)
    for members in arms.values():
        members.sort(key=lambda p: (p.start, p.patient_id))
    return arms


def _check_record(arms: Mapping[str, list[InfusionPlan]], protocol: Protocol) -> None:
    """The enrolment record itself must respect §8's capacities."""
    total = sum(len(m) for m in arms.values())
    if total > protocol.enrolment_target:
        raise InconsistentRecordError(
            "plans", total, f"more patients than the enrolment target {protocol.enrolment_target}"
        )
    expanded = [a for a, m in arms.items() if len(m) > protocol.stage1_per_arm]
    if len(expanded) > 1:
        raise InconsistentRecordError(
            "plans", expanded, "only one arm may hold more than its stage-1 patients (§8)"
        )
    for arm_id in expanded:
        if len(arms[arm_id]) > protocol.stage1_per_arm + protocol.expansion_size:
            raise InconsistentRecordError(
                "plans",
                arm_id,
                f"an arm holds at most {protocol.stage1_per_arm} + {protocol.expansion_size}",
            )


def _stage1_safety_end(arms: Mapping[str, list[InfusionPlan]], protocol: Protocol) -> date | None:
    if any(len(m) < protocol.stage1_per_arm for m in arms.values()):
        return None
    return max(
        safety_window_end(p.start, protocol=protocol)
        for m in arms.values()
        for p in m[: protocol.stage1_per_arm]
    )


def _arm_safety(
    evaluation: StopRuleEvaluation,
    arms: Mapping[str, list[InfusionPlan]],
    figures: Mapping[str, Decimal],
    protocol: Protocol,
) -> tuple[ArmSafety, ...]:
    arm_of = {p.patient_id: arm_id for arm_id, m in arms.items() for p in m}
    windows = {p.patient_id: p for p in evaluation.patients}
    verdicts = []
    for arm_id in protocol.arm_ids:
        reactions = tuple(
            e.event_id
            for e in evaluation.events
            if arm_of[e.patient_id] == arm_id
            and e.is_serious_adverse_reaction
            and windows[e.patient_id].start
            <= e.onset_date
            <= windows[e.patient_id].safety_window_end
        )
        verdicts.append(ArmSafety(arm_id=arm_id, reactions=reactions, efficacy=figures.get(arm_id)))
    return tuple(verdicts)


def _select(
    evaluation: StopRuleEvaluation,
    arms: Mapping[str, list[InfusionPlan]],
    figures: Mapping[str, Decimal],
    on: date,
    protocol: Protocol,
) -> ExpansionSelection:
    verdicts = _arm_safety(evaluation, arms, figures, protocol)
    safety_end = _stage1_safety_end(arms, protocol)

    def outcome(
        kind: ExpansionOutcome, reason: str, arm_id: str | None = None
    ) -> ExpansionSelection:
        return ExpansionSelection(
            on=on, outcome=kind, arm_id=arm_id, arms=verdicts, reason=reason, protocol=protocol
        )

    if evaluation.decision is StudyDecision.TERMINATE:
        return outcome(ExpansionOutcome.STUDY_TERMINATED, "the study is terminated (R1)")
    if evaluation.decision is StudyDecision.SUSPEND:
        return outcome(ExpansionOutcome.STUDY_SUSPENDED, f"suspended since {evaluation.since} (R2)")
    if safety_end is None:
        return outcome(ExpansionOutcome.STAGE1_INCOMPLETE, "stage 1 is not yet full")
    if on <= safety_end:
        return outcome(
            ExpansionOutcome.STAGE1_INCOMPLETE,
            f"stage-1 safety windows run to {safety_end}; expansion from "
            f"{safety_end + timedelta(days=1)}",
        )
    acceptable = [v for v in verdicts if v.acceptable]
    if not acceptable:
        return outcome(ExpansionOutcome.NO_ACCEPTABLE_ARM, "every arm had a serious reaction")
    for verdict in acceptable:
        if verdict.efficacy is None:
            raise InvalidValueError(
                "efficacy",
                verdict.arm_id,
                "an acceptable arm needs an efficacy figure to be compared (§8)",
            )
    rank = {arm.arm_id: (arm.dose_per_kg, i) for i, arm in enumerate(protocol.arms)}
    # §8: best efficacy; a tie goes to the lower dose (then protocol order).
    best = min(acceptable, key=lambda v: (-(v.efficacy or Decimal(0)), rank[v.arm_id]))
    return outcome(
        ExpansionOutcome.SELECTED,
        f"arm {best.arm_id!r}: acceptable with the best efficacy {best.efficacy}",
        best.arm_id,
    )


@exact
def select_expansion_arm(
    plans: Iterable[InfusionPlan],
    events: Iterable[SafetyEvent],
    efficacy: Efficacy,
    on: date,
    *,
    protocol: Protocol = NCT04822922,
) -> ExpansionSelection:
    """The arm that receives the expansion patients, if any, as of *on* (§8).

    Nothing is selected while the study is suspended or terminated (§6.5), or before every
    stage-1 patient's safety window has ended. Then the acceptable arm with the highest
    efficacy wins; a tie goes to the lower dose. No acceptable arm: no expansion.

    Args:
        plans: The enrolment record, one plan per patient.
        events: Safety events (§6.1); those learnt of after *on* are ignored.
        efficacy: Arm id -> the caller's efficacy measure, higher is better.

    Raises:
        InvalidValueError: An acceptable arm has no efficacy figure, a figure is not a finite
            number, or a key is not an arm; and every error of :func:`evaluate_stop_rules`.
    """
    require_on(on)
    figures = _efficacy(efficacy, protocol)
    plans = tuple(records_of(plans, "plans"))  # type: ignore[arg-type]
    evaluation = evaluate_stop_rules(plans, events, on=on, protocol=protocol)
    arms = _by_arm(plans, protocol)
    _check_record(arms, protocol)
    return _select(evaluation, arms, figures, on, protocol)


@exact
def enrolment_status(
    plans: Iterable[InfusionPlan],
    events: Iterable[SafetyEvent],
    on: date,
    *,
    efficacy: Efficacy | None = None,
    protocol: Protocol = NCT04822922,
) -> EnrolmentStatus:
    """Who is in which arm, and which arms a new patient may enter on *on* (§8).

    Every plan counts as enrolled (the plans are the enrolment record). Without *efficacy*
    the expansion arm is not chosen, so once stage 1 is complete no arm is open.

    Raises:
        InconsistentRecordError: The record breaks §8's capacities (more than the target, or
            more than one arm beyond its stage-1 patients).
    """
    require_on(on)
    figures = None if efficacy is None else _efficacy(efficacy, protocol)
    plans = tuple(records_of(plans, "plans"))  # type: ignore[arg-type]
    evaluation = evaluate_stop_rules(plans, events, on=on, protocol=protocol)
    arms = _by_arm(plans, protocol)
    _check_record(arms, protocol)
    per_arm = protocol.stage1_per_arm
    safety_end = _stage1_safety_end(arms, protocol)
    selection = None if figures is None else _select(evaluation, arms, figures, on, protocol)
    open_arms, reason = _open_arms(evaluation, arms, selection, on=on, protocol=protocol)
    return EnrolmentStatus(
        on=on,
        decision=evaluation.decision,
        arms=tuple(
            ArmEnrolment(
                arm_id=arm_id,
                stage1=tuple(p.patient_id for p in members[:per_arm]),
                expansion=tuple(p.patient_id for p in members[per_arm:]),
            )
            for arm_id, members in arms.items()
        ),
        stage1_full=safety_end is not None,
        stage1_safety_end=safety_end,
        stage1_complete=safety_end is not None and on > safety_end,
        selection=selection,
        open_arms=open_arms,
        reason=reason,
        protocol=protocol,
    )


def _open_arms(
    evaluation: StopRuleEvaluation,
    arms: Mapping[str, list[InfusionPlan]],
    selection: ExpansionSelection | None,
    *,
    on: date,
    protocol: Protocol,
) -> tuple[tuple[str, ...], str]:
    """The arms open to a new patient on *on*, and why (§8)."""
    total = sum(len(m) for m in arms.values())
    if evaluation.decision is StudyDecision.TERMINATE:
        return (), "the study is terminated (R1): no enrolment"
    if evaluation.decision is StudyDecision.SUSPEND:
        return (), f"the study is suspended since {evaluation.since} (R2): no enrolment"
    if total >= protocol.enrolment_target:
        return (), f"the enrolment target of {protocol.enrolment_target} is reached"
    return _stage_arms(arms, selection, on=on, protocol=protocol)


def _stage_arms(
    arms: Mapping[str, list[InfusionPlan]],
    selection: ExpansionSelection | None,
    *,
    on: date,
    protocol: Protocol,
) -> tuple[tuple[str, ...], str]:
    """Open arms of a running study below its target: stage 1, then the expansion (§8)."""
    per_arm = protocol.stage1_per_arm
    safety_end = _stage1_safety_end(arms, protocol)
    if safety_end is None:
        open_arms = tuple(a for a, m in arms.items() if len(m) < per_arm)
        return open_arms, f"stage 1: arms with fewer than {per_arm} patients are open"
    if on <= safety_end:
        return (), f"stage 1 is full; its safety windows run to {safety_end}"
    if selection is None or selection.arm_id is None:
        why = "efficacy figures are needed" if selection is None else selection.reason
        return (), f"stage 1 is complete; no expansion arm: {why}"
    expanded = [a for a, m in arms.items() if len(m) > per_arm]
    if expanded and expanded != [selection.arm_id]:
        return (), (
            f"the expansion began in arm {expanded[0]!r}, which is no longer the selection "
            f"({selection.reason})"
        )
    return (selection.arm_id,), f"expansion: {selection.reason}"


def _protocol_name(protocol: Protocol) -> str:
    """What names a protocol where two must be the same one (§1): its registry id and, §1
    *v2*, its version, so that a screening under another version is named as such."""
    return protocol_name(protocol)


def _check_protocol_of(screening: EligibilityResult, protocol: Protocol) -> None:
    """The screening applied *protocol* itself: the same name and the same value (§1, §8)."""
    screened = screening.protocol
    if screened == protocol:
        return
    name, wanted = _protocol_name(screened), _protocol_name(protocol)
    if name != wanted:
        rule = f"was screened under {name}, not {wanted}: screen again under it (§1, §8)"
    else:
        rule = (
            f"was screened under a variant of {wanted} whose criteria or parameters differ: "
            "screen again under the enrolling protocol (§1, §8)"
        )
    raise InconsistentRecordError("screening.protocol", name, rule)


def check_screening(
    plan: InfusionPlan, screening: EligibilityResult, *, protocol: Protocol = NCT04822922
) -> EligibilityResult:
    """*screening* if it lets *plan*'s patient be enrolled on Day 1 (``plan.start``) (§8 *v2*).

    It must be that patient's ELIGIBLE result under *protocol*, screened on or before Day 1
    and at most ``protocol.max_screening_age_days`` days before it (both ends included).

    Raises:
        InvalidValueError: *screening* is not an eligibility result, is INELIGIBLE, or is
            older than ``max_screening_age_days`` (``screening.status``, ``screening.on``).
        MissingFactError: *screening* is INCOMPLETE (consent pending, a fact unknown); the
            rule lists the record paths still unknown (``screening.status``).
        InconsistentRecordError: *screening* is another patient's, was made under another
            protocol, or is dated after Day 1 (``screening.patient_id``,
            ``screening.protocol``, ``screening.on``).

    >>> import attrs
    >>> from aclf_protocol.eligibility import check_eligibility
    >>> from aclf_protocol.examples import patient_records
    >>> from aclf_protocol.patient import Patient
    >>> from aclf_protocol.schedule import plan_infusions
    >>> rj001 = Patient.from_dict(patient_records()[0])
    >>> plan = plan_infusions(rj001, "high", date(2021, 10, 15))
    >>> check_screening(plan, check_eligibility(rj001, date(2021, 10, 1))).status.value
    'eligible'
    >>> check_screening(plan, check_eligibility(rj001, date(2021, 9, 30)))
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: screening.on: must be at most 14 days before Day 1 ...
    """
    require_instance(plan, InfusionPlan, "plan", "must be an InfusionPlan (§8)")
    require_instance(protocol, Protocol, "protocol", "must be a Protocol (§1)")
    result = require_instance(
        screening, EligibilityResult, "screening", "must be an EligibilityResult (§5, §8)"
    )
    if result.patient_id != plan.patient_id:
        raise InconsistentRecordError(
            "screening.patient_id",
            result.patient_id,
            f"must be the screening of the patient being enrolled, {plan.patient_id!r} (§8)",
        )
    _check_protocol_of(result, protocol)
    if result.status is EligibilityStatus.INCOMPLETE:
        raise MissingFactError(
            "screening.status",
            result.status.value,
            f"enrolment needs an eligible screening; still unknown: {', '.join(result.missing)} "
            "(§5, §8)",
        )
    if result.status is not EligibilityStatus.ELIGIBLE:
        raise InvalidValueError(
            "screening.status",
            result.status.value,
            f"enrolment needs an eligible screening; {result.reason} (§5, §8)",
        )
    day1, most = plan.start, protocol.max_screening_age_days
    if result.on > day1:
        raise InconsistentRecordError(
            "screening.on", result.on, f"must be on or before Day 1 ({day1}) (§8)"
        )
    if (day1 - result.on).days > most:
        raise InvalidValueError(
            "screening.on", result.on, f"must be at most {most} days before Day 1 ({day1}) (§8)"
        )
    return result


@exact
def enrol(
    plans: Iterable[InfusionPlan],
    plan: InfusionPlan,
    screening: EligibilityResult,
    events: Iterable[SafetyEvent] = (),
    *,
    efficacy: Efficacy | None = None,
    protocol: Protocol = NCT04822922,
) -> tuple[InfusionPlan, ...]:
    """The enrolment record with *plan* added, if §8 allows it on its Day 1.

    Args:
        plans: The enrolment record so far, one plan per patient.
        plan: The new patient's plan; its start is Day 1, the enrolment date.
        screening: The new patient's screening (:func:`~aclf_protocol.check_eligibility`):
            ELIGIBLE under *protocol*, dated on or before Day 1 and at most
            ``max_screening_age_days`` before it (:func:`check_screening`, §8 *v2*).
        events: The safety events so far (§6.5).

    Raises:
        InconsistentRecordError: The patient is already enrolled; and see
            :func:`check_screening`.
        MissingFactError: The screening is INCOMPLETE (:func:`check_screening`).
        InvalidValueError: The screening does not allow enrolment (:func:`check_screening`), or
            the arm is not open on ``plan.start``: the study is suspended or terminated, the
            arm is full, stage 1 is still in its safety windows, or the arm is not the
            expansion arm; the message says which.
    """
    require_instance(plan, InfusionPlan, "plan", "must be an InfusionPlan (§8)")
    plans = tuple(records_of(plans, "plans"))  # type: ignore[arg-type]
    if any(p.patient_id == plan.patient_id for p in plans):
        raise InconsistentRecordError("patient_id", plan.patient_id, "is already enrolled (§8)")
    check_screening(plan, screening, protocol=protocol)
    protocol.arm(plan.arm_id)
    status = enrolment_status(plans, events, on=plan.start, efficacy=efficacy, protocol=protocol)
    if plan.arm_id not in status.open_arms:
        if status.open_arms:
            rule = f"arm is closed; open arms: {', '.join(status.open_arms)} ({status.reason}, §8)"
        else:
            rule = f"no arm is open on {plan.start}: {status.reason} (§8)"
        raise InvalidValueError("arm_id", plan.arm_id, rule)
    return (*plans, plan)


@attrs.frozen(kw_only=True)
class EnrolmentState:
    """The enrolment record and its safety events as one immutable value (§6, §8).

    Every transition returns a new state and checks the protocol: :meth:`enrol` (§8: an open
    arm and the patient's eligible screening), :meth:`report` (an event needs the patient's
    plan), :meth:`record_infusion` (no infusion while the study is suspended or terminated,
    §6.5).
    """

    plans: tuple[InfusionPlan, ...] = attrs.field(default=(), repr=False)
    events: tuple[SafetyEvent, ...] = attrs.field(default=(), repr=False)
    protocol: Protocol = NCT04822922

    def enrol(
        self,
        plan: InfusionPlan,
        screening: EligibilityResult,
        *,
        efficacy: Efficacy | None = None,
    ) -> EnrolmentState:
        """The state with *plan* enrolled on its Day 1, on the patient's *screening*
        (:func:`enrol`, §8)."""
        plans = enrol(
            self.plans, plan, screening, self.events, efficacy=efficacy, protocol=self.protocol
        )
        return attrs.evolve(self, plans=plans)

    def report(self, event: SafetyEvent) -> EnrolmentState:
        """The state with *event* (or a new version of it) reported (§6.5)."""
        events = (*self.events, event)
        evaluate_stop_rules(self.plans, events, on=event.awareness_date, protocol=self.protocol)
        return attrs.evolve(self, events=events)

    def record_infusion(
        self,
        patient_id: str,
        number: int,
        given_on: date,
        *,
        cells: int | None = None,
        lot: str | None = None,
        viability_percent: Decimal | float | None = None,
    ) -> EnrolmentState:
        """The state with infusion *number* of *patient_id* given on *given_on*.

        *cells*, *lot* and *viability_percent* record what was actually given, when known
        (§4.6, :func:`~aclf_protocol.schedule.record_infusion`).

        Raises:
            InvalidValueError: No such patient or infusion; the infusion is cancelled or
                already given; or the study is suspended or terminated on *given_on*.
        """
        require_date(given_on, "given_on")
        before = evaluate_stop_rules(self.plans, self.events, on=given_on, protocol=self.protocol)
        if not before.may_infuse:
            raise InvalidValueError(
                "given_on",
                given_on,
                f"no infusion may be given: the study is {_STATE[before.decision]} since "
                f"{before.since} (§6.5)",
            )
        updated = record_infusion(
            before.plan_of(patient_id),
            number,
            given_on,
            cells=cells,
            lot=lot,
            viability_percent=viability_percent,
        )
        plans = tuple(updated if p.patient_id == patient_id else p for p in self.plans)
        # §6.6: a late infusion extends the treatment period back over events already known;
        # if that makes one of them a stop trigger, the infusion must not be given.
        after = evaluate_stop_rules(plans, self.events, on=given_on, protocol=self.protocol)
        if not after.may_infuse:
            events = ", ".join(t.event_id for t in after.triggers)
            raise InvalidValueError(
                "given_on",
                given_on,
                f"no infusion may be given: it would extend the treatment period (§6.6) of "
                f"{patient_id} over serious event(s) {events} ({after.triggers[0].rule})",
            )
        return attrs.evolve(self, plans=plans)

    def evaluate(self, on: date, *, done: Collection[DoneKey] = ()) -> StopRuleEvaluation:
        """The stop rules as of *on* (:func:`evaluate_stop_rules`)."""
        return evaluate_stop_rules(
            self.plans, self.events, on=on, protocol=self.protocol, done=done
        )

    def status(self, on: date, *, efficacy: Efficacy | None = None) -> EnrolmentStatus:
        """Enrolment as of *on* (:func:`enrolment_status`)."""
        return enrolment_status(
            self.plans, self.events, on=on, efficacy=efficacy, protocol=self.protocol
        )
