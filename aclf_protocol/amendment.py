"""A protocol in words, and what an amendment changes (SPEC §1 *v2*).

:func:`describe_protocol` writes a :class:`~aclf_protocol.protocol.Protocol` out for a site
training or an ethics committee submission: every field, with a readable label.
:func:`protocol_changes` compares two versions field by field; arms, infusion days, follow-up
visits and criteria are matched by id or name, so one widened window is one change.

>>> import attrs
>>> from aclf_protocol.protocol import NCT04822922
>>> amended = attrs.evolve(NCT04822922, max_age_years=75)
>>> [c.reason for c in protocol_changes(NCT04822922, amended)]
['maximum age (years, §5 I1): 70 → 75']
>>> protocol_changes(NCT04822922, NCT04822922)
()
"""

from __future__ import annotations

import enum
from collections.abc import Callable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from aclf_protocol.errors import InvalidValueError
from aclf_protocol.interchange import decimal_to_json
from aclf_protocol.protocol import Arm, Criterion, DayWindow, Protocol

__all__ = [
    "FIELD_LABELS",
    "Change",
    "ChangeKind",
    "describe_protocol",
    "protocol_changes",
]

#: The readable label of every field of :class:`Protocol`, with its SPEC section. A field
#: without one is shown by its name (and a test says so).
FIELD_LABELS: dict[str, str] = {
    "nct_id": "trial registry id (§1)",
    "version": "protocol version (§1)",
    "effective_date": "effective date (§1)",
    "study_id": "study id (SDTM STUDYID, §9)",
    "title": "title (§1)",
    "treatment": "treatment (SDTM EXTRT, §9)",
    "route": "route of administration (SDTM EXROUTE, §9)",
    "country": "country (ISO 3166-1 alpha-3, SDTM COUNTRY, §9)",
    "site_id": "site id (SDTM SITEID, §9)",
    "arms": "arms (§2)",
    "max_weight_kg": "largest plausible weight (kg, §3.2)",
    "max_dosing_weight_kg": "dose cap weight (kg, §3.2)",
    "dose_tolerance_percent": "dose tolerance (%, §3.5)",
    "min_viability_percent": "minimum cell viability (%, §3.5)",
    "infusion_days": "infusion days (§4.1)",
    "min_interval_days": "minimum days between infusions (§4.1)",
    "safety_window_months": "safety window after the last infusion (months, §4.2)",
    "follow_up_visits": "follow-up visits (§4.3)",
    "criteria": "eligibility criteria (§5)",
    "min_age_years": "minimum age (years, §5 I1)",
    "max_age_years": "maximum age (years, §5 I1)",
    "eligible_aclf_grades": "eligible ACLF grades (§5 I2)",
    "drug_trial_lookback_months": "look-back for another drug trial (months, §5 E4)",
    "presume_patient_capacity": "presume a signing patient's capacity (§5 I3)",
    "bleeding_infection_lookback_months": "look-back for GI bleeding or serious infection "
    "(months, §5 E5)",
    "treatment_period_last_day": "last study day of the treatment period (§6.4)",
    "sae_to_sponsor_days": "SAE report to the sponsor (calendar days, §6.3)",
    "fatal_susar_days": "fatal or life-threatening SUSAR report (calendar days, §6.3)",
    "fatal_susar_follow_up_days": "its follow-up report (further calendar days, §6.3)",
    "other_susar_days": "other SUSAR report (calendar days, §6.3)",
    "stage1_per_arm": "stage 1 patients per arm (§8)",
    "expansion_size": "expansion patients (§8)",
    "max_screening_age_days": "oldest screening accepted at Day 1 (days, §8)",
}

#: Labels of the fields of the items listed in a protocol.
_ITEM_LABELS: dict[str, str] = {
    "arm_id": "id",
    "label": "label",
    "dose_per_kg": "cells per kg per infusion",
    "name": "name",
    "study_day": "study day",
    "days_before": "window, days before",
    "days_after": "window, days after",
    "criterion_id": "id",
    "kind": "kind",
    "text": "text",
}

#: The fields listing items, and how an item is known across versions (its id or name).
_KEYS: dict[str, Callable[[Any], str]] = {
    "arms": lambda a: a.arm_id,
    "infusion_days": lambda d: d.name,
    "follow_up_visits": lambda d: d.name,
    "criteria": lambda c: c.criterion_id,
}

#: What the header line of :func:`describe_protocol` already says.
_HEADER = ("nct_id", "version", "effective_date", "title")


def _label(name: str) -> str:
    return FIELD_LABELS.get(name, name.replace("_", " "))


def _text(value: object) -> str:
    """A value as a person reads it: ``400,000``, ``2021-09-30``, ``yes``, ``1, 2``, ``none``."""
    if value is None:
        return "none"
    for kind, show in _SHOW:
        if isinstance(value, kind):
            return show(value)
    return str(value)


def _many(values: Any) -> str:
    return ", ".join(_text(v) for v in values) or "none"


def _window_text(d: DayWindow) -> str:
    if d.days_before == d.days_after == 0:
        return f"Day {d.study_day} exactly"
    if d.days_before == d.days_after:
        window = f"±{d.days_before}"
    else:
        window = f"-{d.days_before}/+{d.days_after}"
    unit = "day" if d.days_before == d.days_after == 1 else "days"
    first, last = d.study_day - d.days_before, d.study_day + d.days_after
    return f"Day {d.study_day} {window} {unit} (Day {first} to Day {last})"


def _item_text(item: Arm | DayWindow | Criterion) -> str:
    if isinstance(item, Arm):
        return f"{item.arm_id}: {item.label}, {item.dose_per_kg:,} cells per kg per infusion"
    if isinstance(item, DayWindow):
        return f"{item.name}: {_window_text(item)}"
    return f"{item.criterion_id} ({item.kind.value}): {item.text}"


#: How :func:`_text` shows each type (``bool`` before ``int``: ``True`` is an ``int``).
_SHOW: tuple[tuple[type | tuple[type, ...], Callable[[Any], str]], ...] = (
    (bool, lambda v: "yes" if v else "no"),
    (int, lambda v: f"{v:,}"),
    (date, lambda v: v.isoformat()),
    (enum.Enum, lambda v: str(v.value)),
    (frozenset, lambda v: _many(sorted(v))),
    (tuple, _many),
    ((Arm, DayWindow, Criterion), _item_text),
)


def _plain(value: object) -> object:
    """A JSON-compatible form of a field's value (exact decimals, ISO dates, sorted sets)."""
    for kind, plain in _PLAIN:
        if isinstance(value, kind):
            return plain(value)
    if attrs.has(type(value)):
        return {f.name: _plain(getattr(value, f.name)) for f in attrs.fields(type(value))}  # type: ignore[arg-type]
    return value


_PLAIN: tuple[tuple[type | tuple[type, ...], Callable[[Any], object]], ...] = (
    (Decimal, decimal_to_json),
    (date, lambda v: v.isoformat()),
    (enum.Enum, lambda v: v.value),
    (frozenset, sorted),
    ((tuple, list), lambda v: [_plain(item) for item in v]),
)


def _require_protocol(value: object, name: str) -> Protocol:
    if not isinstance(value, Protocol):
        raise InvalidValueError(name, value, "must be a Protocol (§1)")
    return value


def describe_protocol(p: Protocol) -> list[str]:
    """The protocol in words, one line each: every field of :class:`Protocol` (§1 *v2*).

    For a site training or an ethics committee submission: the header names the trial, its
    version and effective date; then arms and doses, infusion days and windows, follow-up
    visits, criteria with their text, and every other parameter with its value.

    >>> from aclf_protocol.protocol import NCT04822922
    >>> lines = describe_protocol(NCT04822922)
    >>> lines[0]
    'NCT04822922 version 1.0, effective 2021-09-30'
    >>> [line for line in lines if "Infusion 2" in line or "maximum age" in line]
    ['  Infusion 2: Day 4 ±1 day (Day 3 to Day 5)', 'maximum age (years, §5 I1): 70']
    """
    p = _require_protocol(p, "protocol")
    lines = [f"{p.nct_id} version {p.version}, effective {p.effective_date.isoformat()}", p.title]
    for field in attrs.fields(Protocol):
        if field.name in _HEADER:
            continue
        value = getattr(p, field.name)
        if field.name in _KEYS:
            lines.append(f"{_label(field.name)}:")
            lines.extend([f"  {_item_text(item)}" for item in value] or ["  none"])
        else:
            lines.append(f"{_label(field.name)}: {_field_value_text(p, field.name, value)}")
    lines.append(
        f"derived: {p.infusion_count} infusions; treatment period ends Day "
        f"{p.treatment_period_end_day}; stage 1 {p.stage1_size} patients; enrolment target "
        f"{p.enrolment_target}"
    )
    return lines


def _field_value_text(p: Protocol, name: str, value: object) -> str:
    """A parameter's value; an optional one left out says what applies instead."""
    if value is None and name == "max_dosing_weight_kg":
        return "none (the dose is on the baseline weight)"
    if value is None and name == "treatment_period_last_day":
        return f"none (the last infusion day, Day {p.infusion_days[-1].study_day})"
    return _text(value)


class ChangeKind(enum.Enum):
    """What happened to a field or a listed item between two versions."""

    CHANGED = "changed"
    ADDED = "added"
    REMOVED = "removed"
    REORDERED = "reordered"


@attrs.frozen(kw_only=True)
class Change:
    """One difference between two protocol versions (§1 *v2*).

    ``path`` names the field (``max_age_years``) or the item's field
    (``infusion_days[1].days_before``, indexed as in the new version; a removed item as in
    the old one); ``old`` / ``new`` are the values (``None`` for an item added or removed).

    >>> from aclf_protocol.protocol import NCT04822922
    >>> import attrs
    >>> [change] = protocol_changes(NCT04822922, attrs.evolve(NCT04822922, version="2.0"))
    >>> record = change.to_dict()
    >>> record["path"], record["kind"], record["old"], record["new"]
    ('version', 'changed', '1.0', '2.0')
    >>> record["reason"]
    'protocol version (§1): 1.0 → 2.0'
    """

    path: str
    kind: ChangeKind
    old: object
    new: object
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """The change as a JSON-compatible record."""
        return {
            "path": self.path,
            "kind": self.kind.value,
            "old": _plain(self.old),
            "new": _plain(self.new),
            "reason": self.reason,
        }


def protocol_changes(old: Protocol, new: Protocol) -> tuple[Change, ...]:
    """What the amendment *new* changes in *old*, field by field, in field order (§1 *v2*).

    Arms are matched by ``arm_id``, infusion days and follow-up visits by ``name``,
    criteria by ``criterion_id``: a reordering is one ``reordered`` change, an item added or
    removed one change, and each changed field of a matched item one change. Empty exactly
    when the two protocols are equal.

    >>> import attrs
    >>> from aclf_protocol.protocol import NCT04822922
    >>> days = list(NCT04822922.infusion_days)
    >>> days[1] = attrs.evolve(days[1], days_before=2, days_after=2)
    >>> for c in protocol_changes(NCT04822922, attrs.evolve(NCT04822922, infusion_days=days)):
    ...     print(f"{c.path}: {c.reason}")
    infusion_days[1].days_before: Infusion 2 (Day 4) window, days before: 1 → 2
    infusion_days[1].days_after: Infusion 2 (Day 4) window, days after: 1 → 2
    """
    old = _require_protocol(old, "old")
    new = _require_protocol(new, "new")
    changes: list[Change] = []
    for field in attrs.fields(Protocol):
        before, after = getattr(old, field.name), getattr(new, field.name)
        if before == after:
            continue
        key = _KEYS.get(field.name)
        if key is not None:
            changes.extend(_list_changes(field.name, before, after, key))
        else:
            changes.append(
                Change(
                    path=field.name,
                    kind=ChangeKind.CHANGED,
                    old=before,
                    new=after,
                    reason=f"{_label(field.name)}: {_text(before)} → {_text(after)}",
                )
            )
    return tuple(changes)


def _list_changes(
    name: str, before: Sequence[Any], after: Sequence[Any], key: Callable[[Any], str]
) -> list[Change]:
    """The changes of one listed field: items matched by key (by position if keys repeat)."""
    old_keys, new_keys = [key(i) for i in before], [key(i) for i in after]
    if len(set(old_keys)) != len(old_keys) or len(set(new_keys)) != len(new_keys):
        old_keys = [str(i) for i in range(len(before))]
        new_keys = [str(i) for i in range(len(after))]
    old_at = {k: i for i, k in enumerate(old_keys)}
    new_at = {k: i for i, k in enumerate(new_keys)}
    changes: list[Change] = []
    kept_old = [k for k in old_keys if k in new_at]
    kept_new = [k for k in new_keys if k in old_at]
    if kept_old != kept_new:
        changes.append(
            Change(
                path=name,
                kind=ChangeKind.REORDERED,
                old=tuple(kept_old),
                new=tuple(kept_new),
                reason=f"{_label(name)} reordered: {', '.join(kept_old)} → {', '.join(kept_new)}",
            )
        )
    for k, i in old_at.items():
        if k not in new_at:
            changes.append(
                Change(
                    path=f"{name}[{i}]",
                    kind=ChangeKind.REMOVED,
                    old=before[i],
                    new=None,
                    reason=f"{_label(name)}: removed {_item_text(before[i])}",
                )
            )
    for k, i in new_at.items():
        if k not in old_at:
            changes.append(
                Change(
                    path=f"{name}[{i}]",
                    kind=ChangeKind.ADDED,
                    old=None,
                    new=after[i],
                    reason=f"{_label(name)}: added {_item_text(after[i])}",
                )
            )
            continue
        was, now = before[old_at[k]], after[i]
        for item_field in attrs.fields(type(now)):
            a, b = getattr(was, item_field.name), getattr(now, item_field.name)
            if a != b:
                label = _ITEM_LABELS.get(item_field.name, item_field.name.replace("_", " "))
                changes.append(
                    Change(
                        path=f"{name}[{i}].{item_field.name}",
                        kind=ChangeKind.CHANGED,
                        old=a,
                        new=b,
                        reason=f"{_item_name(was)} {label}: {_text(a)} → {_text(b)}",
                    )
                )
    return changes


def _item_name(item: Arm | DayWindow | Criterion) -> str:
    """How a reason names an item: ``arm high``, ``Infusion 2 (Day 4)``, ``criterion I1``."""
    if isinstance(item, Arm):
        return f"arm {item.arm_id}"
    if isinstance(item, DayWindow):
        return f"{item.name} (Day {item.study_day})"
    return f"criterion {item.criterion_id}"
