"""The trial's stop rules R1-R3, evaluated as of a date (SPEC §6.4-§6.6).

The record's one hard rule: a serious adverse reaction during treatment stops the
intervention and terminates the study (R1). A serious event whose causality is not yet
assessed suspends the study until it is (R2). A serious event assessed unlikely or unrelated
stops nothing and is counted for the primary endpoint (R3).

:func:`evaluate_stop_rules` is a pure function of the protocol, the plans, the events (in any
order) and the date ``on``; events the site learnt of after ``on`` are ignored (§6.5).

>>> from aclf_protocol.schedule import build_plan
>>> from aclf_protocol.safety import Causality, SafetyEvent, Seriousness
>>> plan = build_plan(patient_id="RJ-001", arm="low", start=date(2021, 10, 1), weight_kg=60)
>>> sae = SafetyEvent(event_id="SAE-1", patient_id="RJ-001", term="Anaphylaxis", grade=4,
...     onset_date=date(2021, 10, 4), awareness_date=date(2021, 10, 4),
...     seriousness={Seriousness.LIFE_THREATENING}, causality=Causality.PROBABLE)
>>> result = evaluate_stop_rules([plan], [sae], on=date(2021, 10, 5))
>>> result.decision.value, [t.rule for t in result.triggers]
('terminate', ['R1'])
>>> [(c.number, str(c.date)) for c in result.cancelled]
[(3, '2021-10-07'), (4, '2021-10-10')]
>>> evaluate_stop_rules([plan], [sae], on=date(2021, 10, 3)).decision.value  # not yet known
'continue'
"""

from __future__ import annotations

import enum
from collections.abc import Collection, Iterable, Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any

import attrs

from aclf_protocol._validators import (
    require_instance,
    require_on,
)
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError
from aclf_protocol.interchange import date_to_json, records_of
from aclf_protocol.protocol import NCT04822922, Protocol
from aclf_protocol.safety import (
    Causality,
    DoneKey,
    ReportingObligation,
    SafetyEvent,
    done_keys,
    reporting_obligations,
)
from aclf_protocol.schedule import (
    Infusion,
    InfusionPlan,
    cancel_remaining,
    date_of_study_day,
    safety_window_end,
)

__all__ = [
    "InfusionRef",
    "PatientSafety",
    "PatientStatus",
    "StopRuleEvaluation",
    "StudyDecision",
    "Trigger",
    "evaluate_stop_rules",
    "treatment_period_end",
]

_UNRELATED = frozenset({Causality.UNLIKELY, Causality.UNRELATED})


class StudyDecision(enum.Enum):
    """What the study may do now (§6.5); ordered CONTINUE < SUSPEND < TERMINATE."""

    CONTINUE = "continue"
    SUSPEND = "suspend"
    TERMINATE = "terminate"

    @property
    def severity(self) -> int:
        """0 for CONTINUE, 1 for SUSPEND, 2 for TERMINATE: compare decisions with it.

        >>> StudyDecision.SUSPEND.severity < StudyDecision.TERMINATE.severity
        True
        """
        return list(StudyDecision).index(self)


class PatientStatus(enum.Enum):
    """Where a patient's intervention stands as of ``on`` (§6.5, decision D-SAF-STATUS).

    ``STOPPED``: the intervention was stopped (a termination found infusions still to give,
    or the plan carries a stop date). ``COMPLETED``: not stopped, and no infusion can still be
    given: each is given, cancelled, or its window closed before ``on``. ``ACTIVE``: otherwise
    (under SUSPEND its remaining infusions are on hold).
    """

    ACTIVE = "active"
    STOPPED = "stopped"
    COMPLETED = "completed"


@attrs.frozen(kw_only=True)
class Trigger:
    """One stop-rule firing: rule ``"R1"`` or ``"R2"`` and the event's current version.

    ``since`` is when this event began to stop infusions: the awareness date of the earliest
    version in the unbroken run of trigger versions ending with the current one (an event
    suspended under R2 and then assessed probable stops infusions from its first report).
    """

    rule: str
    event: SafetyEvent
    since: date

    @property
    def event_id(self) -> str:
        """The triggering event's id."""
        return self.event.event_id

    @property
    def patient_id(self) -> str:
        """The patient of the triggering event."""
        return self.event.patient_id

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "rule": self.rule,
            "event_id": self.event_id,
            "patient_id": self.patient_id,
            "since": date_to_json(self.since),
            "event": self.event.to_dict(),
        }


@attrs.frozen(kw_only=True)
class InfusionRef:
    """One infusion of one patient: its number and planned date (cancelled or on hold)."""

    patient_id: str
    number: int
    date: date

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "patient_id": self.patient_id,
            "number": self.number,
            "date": date_to_json(self.date),
        }


@attrs.frozen(kw_only=True)
class PatientSafety:
    """One patient's standing as of ``on``: status and the periods the rules use."""

    patient_id: str
    arm_id: str
    status: PatientStatus
    start: date
    treatment_period_end: date
    safety_window_end: date
    stopped_on: date | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record."""
        return {
            "patient_id": self.patient_id,
            "arm_id": self.arm_id,
            "status": self.status.value,
            "start": date_to_json(self.start),
            "treatment_period_end": date_to_json(self.treatment_period_end),
            "safety_window_end": date_to_json(self.safety_window_end),
            "stopped_on": None if self.stopped_on is None else date_to_json(self.stopped_on),
        }


@attrs.frozen(kw_only=True)
class StopRuleEvaluation:
    """What the stop rules say as of ``on`` (§6.5).

    Attributes:
        decision: CONTINUE, SUSPEND (an R2 stands, no R1) or TERMINATE (an R1 stands).
        triggers: Every standing R1 and R2 trigger, R1 first, then by ``since`` and id.
        since: Under SUSPEND or TERMINATE, the earliest ``since`` of the triggers: no
            infusion may be given after it; under TERMINATE infusions dated after it are
            cancelled. ``None`` under CONTINUE.
        patients: Each patient's status, by patient id.
        plans: The plans, updated: under TERMINATE every stopped patient's plan has its
            remaining infusions cancelled (:func:`~aclf_protocol.schedule.cancel_remaining`).
        cancelled: The infusions this evaluation cancelled (TERMINATE only).
        on_hold: Under SUSPEND, the infusions of active patients not given by ``on`` whose
            window is still open: none may be given while the suspension stands.
        events: The current version of every event known on ``on``.
        r3_events: Serious events assessed unlikely or unrelated: no stop (R3).
        primary_endpoint_events: Serious events with onset in the patient's safety window
            (§4.2), whatever their causality: the primary endpoint's count.
        obligations: Reports owed for the current events, with due dates and overdue flags.
        history: ``(event_id, superseded versions)`` for each event re-submitted.
        ignored: Events (versions) the site became aware of after ``on``.
    """

    on: date
    decision: StudyDecision
    triggers: tuple[Trigger, ...]
    since: date | None
    # The inputs and per-patient detail stay out of the repr: it shows the decision.
    patients: tuple[PatientSafety, ...] = attrs.field(repr=False)
    plans: tuple[InfusionPlan, ...] = attrs.field(repr=False)
    cancelled: tuple[InfusionRef, ...]
    on_hold: tuple[InfusionRef, ...]
    events: tuple[SafetyEvent, ...] = attrs.field(repr=False)
    r3_events: tuple[SafetyEvent, ...] = attrs.field(repr=False)
    primary_endpoint_events: tuple[SafetyEvent, ...] = attrs.field(repr=False)
    obligations: tuple[ReportingObligation, ...] = attrs.field(repr=False)
    history: tuple[tuple[str, tuple[SafetyEvent, ...]], ...] = attrs.field(repr=False)
    ignored: tuple[SafetyEvent, ...] = attrs.field(repr=False)

    @property
    def reason(self) -> str:
        """The decision in one line, with the triggering events (§6.4, §6.5).

        ``"continue: no stop rule applies on 2021-10-05"`` or
        ``"terminate since 2021-10-08: R1 SAE-001 (RJ-001)"``.
        """
        if not self.triggers:
            return f"{self.decision.value}: no stop rule applies on {self.on.isoformat()}"
        fired = ", ".join(f"{t.rule} {t.event_id} ({t.patient_id})" for t in self.triggers)
        since = f" since {self.since.isoformat()}" if self.since is not None else ""
        return f"{self.decision.value}{since}: {fired}"

    @property
    def may_infuse(self) -> bool:
        """Whether any infusion may be given (CONTINUE only)."""
        return self.decision is StudyDecision.CONTINUE

    @property
    def status(self) -> Mapping[str, PatientStatus]:
        """Patient id -> status."""
        return MappingProxyType({p.patient_id: p.status for p in self.patients})

    @property
    def overdue(self) -> tuple[ReportingObligation, ...]:
        """The obligations overdue on ``on``."""
        return tuple(o for o in self.obligations if o.overdue)

    @property
    def superseded(self) -> Mapping[str, tuple[SafetyEvent, ...]]:
        """Event id -> its superseded versions, oldest first."""
        return MappingProxyType(dict(self.history))

    def plan_of(self, patient_id: str) -> InfusionPlan:
        """The (updated) plan of *patient_id*."""
        for plan in self.plans:
            if plan.patient_id == patient_id:
                return plan
        raise InvalidValueError("patient_id", patient_id, "has no infusion plan (§6.5)")

    def to_dict(self) -> dict[str, Any]:
        """JSON-compatible record of the whole evaluation (§9)."""
        return {
            "on": date_to_json(self.on),
            "decision": self.decision.value,
            "since": None if self.since is None else date_to_json(self.since),
            "triggers": [t.to_dict() for t in self.triggers],
            "patients": [p.to_dict() for p in self.patients],
            "cancelled": [c.to_dict() for c in self.cancelled],
            "on_hold": [h.to_dict() for h in self.on_hold],
            "r3_events": [e.event_id for e in self.r3_events],
            "primary_endpoint_events": [e.event_id for e in self.primary_endpoint_events],
            "obligations": [o.to_dict() for o in self.obligations],
            "events": [e.to_dict() for e in self.events],
            "history": {
                event_id: [v.to_dict() for v in versions] for event_id, versions in self.history
            },
            "ignored": [e.to_dict() for e in self.ignored],
            "plans": [p.to_dict() for p in self.plans],
        }


def treatment_period_end(
    plan: InfusionPlan, on: date | None = None, *, protocol: Protocol = NCT04822922
) -> date:
    """Last day of the patient's treatment period (§6.4, §6.6).

    Study day ``protocol.treatment_period_end_day`` (Day 10), or the last infusion actually
    given if later (given on or before *on*, when *on* is given).

    >>> from aclf_protocol.schedule import build_plan, record_infusion
    >>> plan = build_plan(patient_id="P", arm="low", start=date(2021, 10, 1), weight_kg=60)
    >>> treatment_period_end(plan)
    datetime.date(2021, 10, 10)
    >>> treatment_period_end(record_infusion(plan, 4, date(2021, 10, 12)))   # late: §6.6
    datetime.date(2021, 10, 12)
    """
    require_instance(plan, InfusionPlan, "plan", "must be an InfusionPlan (§6.4)")
    if on is not None:
        require_on(on)
    end = date_of_study_day(protocol.treatment_period_end_day, plan.start)
    given = [
        i.given_date
        for i in plan.infusions
        if i.given_date is not None and (on is None or i.given_date <= on)
    ]
    return max([end, *given])


def _check_plans(plans: Iterable[object], protocol: Protocol) -> dict[str, InfusionPlan]:
    by_patient: dict[str, InfusionPlan] = {}
    for index, item in enumerate(plans):
        plan = require_instance(
            item, InfusionPlan, f"plans[{index}]", "must be an InfusionPlan (§6.5)"
        )
        if plan.patient_id in by_patient:
            raise InconsistentRecordError(
                f"plans[{index}].patient_id", plan.patient_id, "one plan per patient (§6.5)"
            )
        try:
            protocol.arm(plan.arm_id)
        except InvalidValueError as err:
            raise err.under(f"plans[{index}]") from None
        by_patient[plan.patient_id] = plan
    return dict(sorted(by_patient.items()))


def _check_events(events: Iterable[object], plans: Mapping[str, InfusionPlan]) -> list[SafetyEvent]:
    checked: list[SafetyEvent] = []
    for index, item in enumerate(events):
        where = f"events[{index}]"
        event = require_instance(item, SafetyEvent, where, "must be a SafetyEvent (§6.1)")
        plan = plans.get(event.patient_id)
        if plan is None:
            raise InvalidValueError(
                f"{where}.patient_id", event.patient_id, "has no infusion plan (§6.5)"
            )
        if event.onset_date < plan.start:
            raise InconsistentRecordError(
                f"{where}.onset_date",
                event.onset_date,
                f"must not precede Day 1 {plan.start} of patient {event.patient_id} (§6.1)",
            )
        checked.append(event)
    return checked


def _versions_by_id(known: Sequence[SafetyEvent]) -> dict[str, list[SafetyEvent]]:
    """Versions of each event id, oldest first: latest awareness wins, then input position.

    Identical consecutive re-submissions collapse into one version.
    """
    positions = sorted(range(len(known)), key=lambda i: (known[i].awareness_date, i))
    by_id: dict[str, list[SafetyEvent]] = {}
    for i in positions:
        versions = by_id.setdefault(known[i].event_id, [])
        if not versions or versions[-1] != known[i]:
            versions.append(known[i])
    return dict(sorted(by_id.items()))


@attrs.frozen
class _Periods:
    """A patient's Day 1, treatment-period end (§6.4, §6.6) and safety-window end (§4.2)."""

    start: date
    treatment_end: date
    window_end: date


def _periods(
    plans: Mapping[str, InfusionPlan], on: date, protocol: Protocol
) -> dict[str, _Periods]:
    return {
        patient_id: _Periods(
            plan.start,
            treatment_period_end(plan, on=on, protocol=protocol),
            safety_window_end(plan.start, protocol=protocol),
        )
        for patient_id, plan in plans.items()
    }


def _rule(event: SafetyEvent, periods: Mapping[str, _Periods]) -> str | None:
    """``"R1"``, ``"R2"`` or ``None`` for one event version (§6.4)."""
    if not event.is_serious or not event.is_adverse_reaction:
        return None  # R3 or not serious: no automatic stop
    period = periods[event.patient_id]
    if not period.start <= event.onset_date <= period.treatment_end:
        return None
    return "R1" if event.is_assessed else "R2"


def _event_order(event: SafetyEvent) -> tuple[date, str]:
    return (event.awareness_date, event.event_id)


def evaluate_stop_rules(
    plans: Iterable[InfusionPlan],
    events: Iterable[SafetyEvent],
    on: date,
    *,
    done: Collection[DoneKey] = (),
    protocol: Protocol = NCT04822922,
) -> StopRuleEvaluation:
    """Apply R1-R3 to the events known on *on* (§6.4-§6.6).

    An event counts once the site is aware of it (``awareness_date <= on``). A re-submitted
    event id replaces the earlier version: the latest awareness date wins, and for equal dates
    the later one in *events* (decision D-SAF-VERSIONS). R1: a serious reaction (causality
    certain, probable or possible) with onset in the patient's treatment period (Day 1 to
    Day 10, or the last infusion given if later) terminates the study; R2: the same with
    causality not yet assessed suspends it; R3: assessed unlikely or unrelated stops nothing.

    Args:
        plans: One infusion plan per patient; infusions count as given if given by *on*.
        events: Safety events and their re-submissions, in any order.
        on: The date of the evaluation.
        done: ``(event_id, kind)`` of reports already made (§6.3).

    Raises:
        InvalidValueError: An event's patient has no plan, two plans share a patient, a plan's
            arm is not in *protocol*, or an event's onset precedes the patient's Day 1.

    >>> from aclf_protocol.schedule import build_plan
    >>> from aclf_protocol.safety import Causality, SafetyEvent, Seriousness
    >>> plan = build_plan(patient_id="RJ-002", arm="high", start=date(2021, 10, 1),
    ...                   weight_kg=70)
    >>> pending = SafetyEvent(event_id="SAE-2", patient_id="RJ-002", term="Sepsis", grade=3,
    ...     onset_date=date(2021, 10, 5), awareness_date=date(2021, 10, 5),
    ...     seriousness={Seriousness.HOSPITALISATION})
    >>> r = evaluate_stop_rules([plan], [pending], on=date(2021, 10, 6))
    >>> r.decision.value, [(h.number, str(h.date)) for h in r.on_hold]
    ('suspend', [(3, '2021-10-07'), (4, '2021-10-10')])
    >>> assessed = attrs.evolve(pending, awareness_date=date(2021, 10, 8),
    ...                         causality=Causality.UNRELATED)
    >>> r = evaluate_stop_rules([plan], [pending, assessed], on=date(2021, 10, 8))
    >>> r.decision.value, [e.event_id for e in r.r3_events], len(r.superseded["SAE-2"])
    ('continue', ['SAE-2'], 1)
    >>> evaluate_stop_rules([plan], [attrs.evolve(pending, patient_id="RJ-404")], on=r.on)
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: events[0].patient_id: has no infusion plan ...
    """
    require_on(on)
    by_patient = _check_plans(records_of(plans, "plans"), protocol)
    checked = _check_events(records_of(events, "events"), by_patient)
    marked = done_keys(done)
    known = [e for e in checked if e.awareness_date <= on]
    ignored = tuple(sorted((e for e in checked if e.awareness_date > on), key=_event_order))
    versions = _versions_by_id(known)
    periods = _periods(by_patient, on, protocol)

    triggers: list[Trigger] = []
    for history in versions.values():
        rules = [_rule(v, periods) for v in history]
        if rules[-1] is None:
            continue
        first = len(rules) - 1
        while first > 0 and rules[first - 1] is not None:
            first -= 1
        triggers.append(
            Trigger(rule=rules[-1], event=history[-1], since=history[first].awareness_date)
        )
    triggers.sort(key=lambda t: (t.rule, t.since, t.event_id))
    rules_fired = {t.rule for t in triggers}
    if "R1" in rules_fired:
        decision = StudyDecision.TERMINATE
    elif "R2" in rules_fired:
        decision = StudyDecision.SUSPEND
    else:
        decision = StudyDecision.CONTINUE
    since = min((t.since for t in triggers), default=None)

    patients, updated, cancelled, on_hold = _patients(by_patient, periods, decision, since, on)
    current = sorted((h[-1] for h in versions.values()), key=_event_order)
    obligations = [
        o
        for h in versions.values()
        for o in reporting_obligations(h[-1], earlier=h[:-1], on=on, done=marked, protocol=protocol)
    ]
    obligations.sort(key=lambda o: (o.due, o.event_id, o.kind.value))
    return StopRuleEvaluation(
        on=on,
        decision=decision,
        triggers=tuple(triggers),
        since=since,
        patients=patients,
        plans=updated,
        cancelled=cancelled,
        on_hold=on_hold,
        events=tuple(current),
        r3_events=tuple(e for e in current if e.is_serious and e.causality in _UNRELATED),
        primary_endpoint_events=tuple(
            e
            for e in current
            if e.is_serious
            and periods[e.patient_id].start <= e.onset_date <= periods[e.patient_id].window_end
        ),
        obligations=tuple(obligations),
        history=tuple((i, tuple(h[:-1])) for i, h in versions.items() if len(h) > 1),
        ignored=ignored,
    )


def _patients(
    plans: Mapping[str, InfusionPlan],
    periods: Mapping[str, _Periods],
    decision: StudyDecision,
    since: date | None,
    on: date,
) -> tuple[
    tuple[PatientSafety, ...],
    tuple[InfusionPlan, ...],
    tuple[InfusionRef, ...],
    tuple[InfusionRef, ...],
]:
    """Status, updated plan, cancelled and held infusions of each patient (§4.5, §6.5)."""
    statuses: list[PatientSafety] = []
    updated: list[InfusionPlan] = []
    cancelled: list[InfusionRef] = []
    on_hold: list[InfusionRef] = []
    for plan in plans.values():
        new = plan
        if decision is StudyDecision.TERMINATE and since is not None and _pending(plan, since):
            new = cancel_remaining(plan, since)
            cancelled.extend(
                InfusionRef(patient_id=plan.patient_id, number=i.number, date=i.date)
                for old, i in zip(plan.infusions, new.infusions, strict=True)
                if i.cancelled and not old.cancelled
            )
            status = PatientStatus.STOPPED
        elif plan.stopped_on is not None and plan.stopped_on <= on:
            status = PatientStatus.STOPPED
        elif _pending(plan, on):
            status = PatientStatus.ACTIVE
            if decision is StudyDecision.SUSPEND:
                on_hold.extend(
                    InfusionRef(patient_id=plan.patient_id, number=i.number, date=i.date)
                    for i in plan.infusions
                    if _still_to_give(i, on) and i.window_end >= on
                )
        else:
            status = PatientStatus.COMPLETED
        updated.append(new)
        statuses.append(
            PatientSafety(
                patient_id=plan.patient_id,
                arm_id=plan.arm_id,
                status=status,
                start=plan.start,
                treatment_period_end=periods[plan.patient_id].treatment_end,
                safety_window_end=periods[plan.patient_id].window_end,
                stopped_on=new.stopped_on,
            )
        )
    return tuple(statuses), tuple(updated), tuple(cancelled), tuple(on_hold)


def _still_to_give(infusion: Infusion, day: date) -> bool:
    """Not cancelled and not given by *day*."""
    return not infusion.cancelled and (infusion.given_date is None or infusion.given_date > day)


def _pending(plan: InfusionPlan, day: date) -> bool:
    """Whether some infusion could still be given on or after *day*."""
    return any(_still_to_give(i, day) and i.window_end >= day for i in plan.infusions)
