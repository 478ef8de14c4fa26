"""The trial as data: ``Protocol``, ``Arm`` and ``NCT04822922`` (SPEC §1, §2).

Every number the trial fixes is written here once; functions read it from their
``protocol=`` argument. A variant is ``attrs.evolve(NCT04822922, ...)``, which re-runs every
validator.

>>> NCT04822922.arm("high").dose_per_kg
1200000
>>> [d.study_day for d in NCT04822922.infusion_days]
[1, 4, 7, 10]
>>> NCT04822922.enrolment_target
16
"""

from __future__ import annotations

import enum
import itertools
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from aclf_protocol._validators import (
    a_date,
    boolean,
    decimal_between,
    identifier,
    int_between,
    non_empty_str,
    optional,
)
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError
from aclf_protocol.interchange import (
    RecordReader,
    decimal_to_json,
    parse_int,
    parse_str,
)

__all__ = [
    "MAX_WEIGHT_KG",
    "NCT04822922",
    "Arm",
    "Criterion",
    "CriterionKind",
    "DayWindow",
    "Protocol",
    "protocol_label",
    "protocol_name",
]

#: §3.2: a weight above this is a data-entry error, whatever the protocol variant.
MAX_WEIGHT_KG = Decimal(350)

_BIG = 10**6  # generous upper bound for day counts and day offsets in a variant protocol


@attrs.frozen(kw_only=True)
class Arm:
    """One dose group (§2): cells per kg of baseline weight per infusion, an exact ``int``.

    >>> Arm(arm_id="low", label="low dose", dose_per_kg=400_000).to_dict()
    {'arm_id': 'low', 'label': 'low dose', 'dose_per_kg': 400000}
    """

    arm_id: str = attrs.field(validator=non_empty_str)
    label: str = attrs.field(validator=non_empty_str)
    dose_per_kg: int = attrs.field(
        validator=int_between(1, 10**12, "cells per kg must be a whole number > 0 (§2)")
    )

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of this arm (§9)."""
        return {"arm_id": self.arm_id, "label": self.label, "dose_per_kg": self.dose_per_kg}

    @classmethod
    def from_dict(cls, record: object) -> Arm:
        """Read an arm record; every problem is reported with its key (§9)."""
        r = RecordReader(record, what="arm")
        arm_id = r.get("arm_id", parse_str, required=True)
        label = r.get("label", parse_str, required=True)
        dose = r.get("dose_per_kg", parse_int, required=True)
        return r.build(lambda: cls(arm_id=arm_id, label=label, dose_per_kg=dose))  # type: ignore[arg-type]


@attrs.frozen(kw_only=True)
class DayWindow:
    """A nominal study day and its window: ``days_before`` / ``days_after`` (§4.1, §4.3)."""

    name: str = attrs.field(validator=non_empty_str)
    study_day: int = attrs.field(
        validator=int_between(1, _BIG, "study days count from Day 1; there is no Day 0 (§0)")
    )
    days_before: int = attrs.field(
        default=0, validator=int_between(0, _BIG, "a window is a whole number of days >= 0")
    )
    days_after: int = attrs.field(
        default=0, validator=int_between(0, _BIG, "a window is a whole number of days >= 0")
    )


class CriterionKind(enum.Enum):
    """Inclusion criteria are MET or NOT_MET; exclusions PRESENT or ABSENT (§5)."""

    INCLUSION = "inclusion"
    EXCLUSION = "exclusion"


@attrs.frozen(kw_only=True)
class Criterion:
    """One eligibility criterion as data: its SPEC id, kind and the record's words (§5).

    The evaluator is found by id in :mod:`aclf_protocol.eligibility`; its numbers (age
    limits, look-back months, allowed grades) are fields of :class:`Protocol`.
    """

    criterion_id: str = attrs.field(validator=non_empty_str)
    kind: CriterionKind
    text: str = attrs.field(validator=non_empty_str)


def _as_tuple(value: object) -> Any:
    """A list becomes a tuple, so the protocol stays hashable; anything else is checked later."""
    return tuple(value) if isinstance(value, list) else value


_I, _E = CriterionKind.INCLUSION, CriterionKind.EXCLUSION

#: §5: the record's own words for each criterion.
_CRITERIA = (
    Criterion(criterion_id="I1", kind=_I, text="Age 18-70 years old"),
    Criterion(
        criterion_id="I2",
        kind=_I,
        text="A history of chronic liver disease, ACLF, 1-2 organ failure (EASL diagnostic "
        "criteria; organ failure by CLIF-OF)",
    ),
    Criterion(
        criterion_id="I3",
        kind=_I,
        text="The patient or adult family members agree to participate and sign an informed "
        "consent form",
    ),
    Criterion(criterion_id="E1", kind=_E, text="Intends to undergo artificial liver treatment"),
    Criterion(
        criterion_id="E2",
        kind=_E,
        text="Has received liver transplantation or any form of stem cell therapy",
    ),
    Criterion(
        criterion_id="E3",
        kind=_E,
        text="Malignant tumours in or outside the liver; or imaging suggests a malignant mass "
        "in the liver, or tuberculosis",
    ),
    Criterion(
        criterion_id="E4",
        kind=_E,
        text="Severe autoimmune disease; severe cardiopulmonary insufficiency; renal "
        "replacement therapy; immunosuppressive therapy; HIV/tuberculosis infection; "
        "alcohol/drug addiction; drug trial in the past 3 months",
    ),
    Criterion(
        criterion_id="E5",
        kind=_E,
        text="Gastrointestinal bleeding or serious infection in the past one month",
    ),
    Criterion(criterion_id="E6", kind=_E, text="Pregnant and lactating women"),
    Criterion(
        criterion_id="E7",
        kind=_E,
        text="Unable to make independent judgements and no direct adult family member to sign "
        "the informed consent form",
    ),
)


@attrs.frozen(kw_only=True, repr=False)
class Protocol:
    """Everything the trial fixes, in one immutable value (§1).

    Fields marked *default* in SPEC are parameters here; change them with
    ``attrs.evolve(NCT04822922, ...)``.
    """

    # --- identity -------------------------------------------------------------------------
    nct_id: str = attrs.field(validator=non_empty_str)
    #: §1 *v2*: the protocol document's version (``"1.0"``, ``"2.0"`` for an amendment) and the
    #: date it takes effect; results name ``nct_id`` and ``version``.
    version: str = attrs.field(default="1.0", validator=identifier)
    effective_date: date = attrs.field(default=date(2021, 9, 30), validator=a_date)
    study_id: str = attrs.field(validator=non_empty_str)
    title: str = attrs.field(validator=non_empty_str)
    treatment: str = attrs.field(validator=non_empty_str)
    route: str = attrs.field(validator=non_empty_str)
    #: SDTM DM COUNTRY (ISO 3166-1 alpha-3) and SITEID of the trial's one site, Ren Ji Hospital,
    #: Shanghai (record: "Locations"); the record numbers no site (§9, D-SDTM-SITE).
    country: str = attrs.field(default="CHN", validator=non_empty_str)
    site_id: str = attrs.field(default="RJ", validator=non_empty_str)
    # --- §2, §3: arms and dosing ----------------------------------------------------------
    arms: tuple[Arm, ...] = attrs.field(converter=_as_tuple)
    max_weight_kg: Decimal = attrs.field(
        default=MAX_WEIGHT_KG,
        validator=decimal_between(Decimal(0), MAX_WEIGHT_KG, "must be > 0 and <= 350 kg (§3.2)"),
    )
    max_dosing_weight_kg: Decimal | None = attrs.field(
        default=None,
        validator=optional(
            decimal_between(Decimal(0), MAX_WEIGHT_KG, "a dose cap weight is > 0 kg (§3.2)")
        ),
    )
    dose_tolerance_percent: Decimal = attrs.field(
        default=Decimal(10),
        validator=decimal_between(
            Decimal(0), Decimal(100), "must be in [0, 100] % (§3.5)", low_inclusive=True
        ),
    )
    min_viability_percent: Decimal = attrs.field(
        default=Decimal(70),
        validator=decimal_between(
            Decimal(0), Decimal(100), "must be in [0, 100] % (§3.5)", low_inclusive=True
        ),
    )
    # --- §4: schedule ---------------------------------------------------------------------
    infusion_days: tuple[DayWindow, ...] = attrs.field(converter=_as_tuple)
    min_interval_days: int = attrs.field(
        default=2, validator=int_between(0, _BIG, "must be a whole number of days >= 0 (§4.1)")
    )
    safety_window_months: int = attrs.field(
        default=1, validator=int_between(1, 1200, "must be a whole number of months >= 1 (§4.2)")
    )
    follow_up_visits: tuple[DayWindow, ...] = attrs.field(default=(), converter=_as_tuple)
    # --- §5: eligibility ------------------------------------------------------------------
    criteria: tuple[Criterion, ...] = attrs.field(default=_CRITERIA, converter=_as_tuple)
    min_age_years: int = attrs.field(default=18, validator=int_between(0, 150, "age in years"))
    max_age_years: int = attrs.field(default=70, validator=int_between(0, 150, "age in years"))
    eligible_aclf_grades: frozenset[int] = frozenset({1, 2})
    drug_trial_lookback_months: int = attrs.field(
        default=3, validator=int_between(0, 1200, "months >= 0 (§5 E4)")
    )
    #: §5 I3 *v2*: a patient's own signature with ``has_capacity`` unknown leaves I3 UNKNOWN
    #: (missing consent.has_capacity) by default; a site whose practice presumes capacity sets
    #: this true, and the signature then counts (D-I3-CAPACITY).
    presume_patient_capacity: bool = attrs.field(
        default=False, validator=boolean("must be true or false (§5 I3)")
    )
    bleeding_infection_lookback_months: int = attrs.field(
        default=1, validator=int_between(0, 1200, "months >= 0 (§5 E5)")
    )
    # --- §6: safety -----------------------------------------------------------------------
    #: §6.4: last study day of the treatment period; None = the last scheduled infusion day.
    treatment_period_last_day: int | None = attrs.field(
        default=None, validator=optional(int_between(1, _BIG, "a study day >= 1 (§6.4)"))
    )
    sae_to_sponsor_days: int = attrs.field(
        default=1, validator=int_between(0, 365, "calendar days >= 0 (§6.3)")
    )
    fatal_susar_days: int = attrs.field(
        default=7, validator=int_between(0, 365, "calendar days >= 0 (§6.3)")
    )
    fatal_susar_follow_up_days: int = attrs.field(
        default=8, validator=int_between(0, 365, "calendar days >= 0 (§6.3)")
    )
    other_susar_days: int = attrs.field(
        default=15, validator=int_between(0, 365, "calendar days >= 0 (§6.3)")
    )
    # --- §8: enrolment --------------------------------------------------------------------
    stage1_per_arm: int = attrs.field(
        default=4, validator=int_between(1, 10_000, "patients per arm >= 1 (§8)")
    )
    expansion_size: int = attrs.field(
        default=4, validator=int_between(0, 10_000, "patients >= 0 (§8)")
    )
    #: §8 *v2*: an enrolled patient's ELIGIBLE screening is at most this many days before Day 1.
    max_screening_age_days: int = attrs.field(
        default=14, validator=int_between(0, _BIG, "calendar days >= 0 (§8)")
    )

    def __attrs_post_init__(self) -> None:
        _check_protocol(self)

    # --- derived values -------------------------------------------------------------------
    @property
    def arm_ids(self) -> tuple[str, ...]:
        """Arm ids in protocol order (lowest dose first in NCT04822922)."""
        return tuple(a.arm_id for a in self.arms)

    @property
    def infusion_count(self) -> int:
        """Number of infusions per patient (§2: four)."""
        return len(self.infusion_days)

    @property
    def treatment_period_end_day(self) -> int:
        """Last study day of the treatment period (§6.4; default: last infusion day)."""
        if self.treatment_period_last_day is not None:
            return self.treatment_period_last_day
        return self.infusion_days[-1].study_day

    @property
    def stage1_size(self) -> int:
        """Patients in stage 1: ``stage1_per_arm`` in each arm (§8: 12)."""
        return self.stage1_per_arm * len(self.arms)

    @property
    def enrolment_target(self) -> int:
        """Planned enrolment: stage 1 plus the expansion (§8: 16)."""
        return self.stage1_size + self.expansion_size

    def __repr__(self) -> str:
        """``<Protocol NCT04822922>``; a variant says so (its fields differ from the built-in).

        The full field list is :meth:`to_dict`; a repr that short keeps ``help()`` of every
        function taking ``protocol=`` readable.

        >>> NCT04822922
        <Protocol NCT04822922>
        >>> attrs.evolve(NCT04822922, max_age_years=75)
        <Protocol NCT04822922 (variant)>
        """
        variant = "" if self == NCT04822922 else " (variant)"
        return f"<Protocol {self.nct_id}{variant}>"

    def arm(self, arm: Arm | str) -> Arm:
        """The arm of this protocol with that id (or that ``Arm``, checked to belong here).

        >>> NCT04822922.arm("medium").label
        'middle dose'
        >>> NCT04822922.arm("huge")
        Traceback (most recent call last):
            ...
        aclf_protocol.errors.InvalidValueError: arm: must be one of 'low', 'medium', ... got 'huge'
        """
        wanted = arm.arm_id if isinstance(arm, Arm) else arm
        for candidate in self.arms:
            if candidate.arm_id == wanted and (not isinstance(arm, Arm) or candidate == arm):
                return candidate
        allowed = ", ".join(repr(a) for a in self.arm_ids)
        raise InvalidValueError("arm", arm, f"must be one of {allowed} (§2)")

    def criterion(self, criterion_id: str) -> Criterion:
        """The criterion with that id (``"I1"`` … ``"E7"``)."""
        for candidate in self.criteria:
            if candidate.criterion_id == criterion_id:
                return candidate
        raise InvalidValueError("criterion", criterion_id, "is not a criterion of the protocol")

    def to_dict(self) -> dict[str, Any]:
        """The protocol's parameters as a JSON-compatible dict (for reports; §9)."""
        return {
            "nct_id": self.nct_id,
            "version": self.version,
            "effective_date": self.effective_date.isoformat(),
            "study_id": self.study_id,
            "arms": [a.to_dict() for a in self.arms],
            "infusion_days": [
                {
                    "name": d.name,
                    "study_day": d.study_day,
                    "days_before": d.days_before,
                    "days_after": d.days_after,
                }
                for d in self.infusion_days
            ],
            "min_interval_days": self.min_interval_days,
            "safety_window_months": self.safety_window_months,
            "follow_up_visits": [
                {
                    "name": d.name,
                    "study_day": d.study_day,
                    "days_before": d.days_before,
                    "days_after": d.days_after,
                }
                for d in self.follow_up_visits
            ],
            "max_weight_kg": str(self.max_weight_kg),
            "max_dosing_weight_kg": (
                None if self.max_dosing_weight_kg is None else str(self.max_dosing_weight_kg)
            ),
            "dose_tolerance_percent": decimal_to_json(self.dose_tolerance_percent),
            "min_viability_percent": decimal_to_json(self.min_viability_percent),
            "criteria": [
                {"id": c.criterion_id, "kind": c.kind.value, "text": c.text} for c in self.criteria
            ],
            "enrolment_target": self.enrolment_target,
        }


def _sequence_of(value: object, kind: type) -> bool:
    """A tuple or list of *kind* items: a number here would raise TypeError when iterated."""
    return isinstance(value, tuple | list) and all(isinstance(item, kind) for item in value)


def _check_days(p: Protocol) -> None:
    """The infusion days and follow-up visits of a protocol (§0, §4.1, §4.3)."""
    days = p.infusion_days
    if not days or not _sequence_of(days, DayWindow):
        raise InvalidValueError("infusion_days", days, "must be a non-empty tuple of DayWindow")
    if not _sequence_of(p.follow_up_visits, DayWindow):
        raise InvalidValueError(
            "follow_up_visits", p.follow_up_visits, "must be a tuple of DayWindow (§4.3)"
        )
    if any(a.study_day >= b.study_day for a, b in itertools.pairwise(days)):
        raise InconsistentRecordError(
            "infusion_days", days, "study days must be strictly increasing (§4.1)"
        )
    if days[0].study_day != 1 or days[0].days_before or days[0].days_after:
        raise InconsistentRecordError(
            "infusion_days", days[0], "the first infusion is Day 1 exactly (§0, §4.1)"
        )


def _check_protocol(p: Protocol) -> None:
    """Rules that span several fields of a protocol (§1)."""
    if not p.arms or not _sequence_of(p.arms, Arm):
        raise InvalidValueError("arms", p.arms, "must be a non-empty tuple of Arm (§2)")
    if len(set(p.arm_ids)) != len(p.arms):
        raise InconsistentRecordError("arms", p.arm_ids, "arm ids must be unique (§2)")
    _check_days(p)
    if not _sequence_of(p.criteria, Criterion):
        raise InvalidValueError("criteria", p.criteria, "must be a tuple of Criterion (§5)")
    ids = [c.criterion_id for c in p.criteria]
    if len(set(ids)) != len(ids):
        raise InconsistentRecordError("criteria", ids, "criterion ids must be unique (§5)")
    if p.min_age_years > p.max_age_years:
        raise InconsistentRecordError(
            "min_age_years", p.min_age_years, "must not exceed max_age_years (§5 I1)"
        )
    if not p.eligible_aclf_grades <= {0, 1, 2, 3}:
        raise InvalidValueError(
            "eligible_aclf_grades", p.eligible_aclf_grades, "grades are 0-3 (§7.4)"
        )


#: NCT04822922 as SPEC reads it (§1-§8).
NCT04822922 = Protocol(
    nct_id="NCT04822922",
    study_id="MSC-ACLF-1",
    title="Safety of Human Umbilical Cord-derived Mesenchymal Stem Cell (UC-MSC) Transfusion "
    "for Acute-on-chronic Liver Failure Patients",
    treatment="HUC-MSC",
    route="INTRAVENOUS",
    arms=(
        Arm(arm_id="low", label="low dose", dose_per_kg=400_000),
        Arm(arm_id="medium", label="middle dose", dose_per_kg=800_000),
        Arm(arm_id="high", label="high dose", dose_per_kg=1_200_000),
    ),
    infusion_days=(
        DayWindow(name="Infusion 1", study_day=1),
        DayWindow(name="Infusion 2", study_day=4, days_before=1, days_after=1),
        DayWindow(name="Infusion 3", study_day=7, days_before=1, days_after=1),
        DayWindow(name="Infusion 4", study_day=10, days_before=1, days_after=1),
    ),
    follow_up_visits=(
        DayWindow(name="Day 14", study_day=14, days_before=2, days_after=2),
        DayWindow(name="Day 28", study_day=28, days_before=3, days_after=3),
        DayWindow(name="Day 60", study_day=60, days_before=7, days_after=7),
        DayWindow(name="Day 90", study_day=90, days_before=7, days_after=7),
    ),
)


# --- §1 *v2*: what names a protocol in a result ------------------------------------------------


def _require_protocol(p: object) -> Protocol:
    if not isinstance(p, Protocol):
        raise InvalidValueError("protocol", p, "must be a Protocol (§1)")
    return p


def protocol_label(p: Protocol) -> dict[str, str]:
    """What a result's ``to_dict()`` writes under ``"protocol"``: the id and version (§1 *v2*).

    >>> protocol_label(NCT04822922)
    {'nct_id': 'NCT04822922', 'version': '1.0'}
    """
    checked = _require_protocol(p)
    return {"nct_id": checked.nct_id, "version": checked.version}


def protocol_name(p: Protocol) -> str:
    """The protocol in words, as text reports and messages name it (§1 *v2*).

    >>> protocol_name(attrs.evolve(NCT04822922, version="2.0"))
    'NCT04822922 version 2.0'
    """
    checked = _require_protocol(p)
    return f"{checked.nct_id} version {checked.version}"
