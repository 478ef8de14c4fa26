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
import json
import os
from datetime import date
from decimal import Decimal
from typing import Any

import attrs

from aclf_protocol._exact import EXACT
from aclf_protocol._validators import (
    a_date,
    boolean,
    bounded_decimal,
    bounded_int,
    identifier,
    member_of,
    non_empty_str,
    require_instance,
    require_on,
)
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError
from aclf_protocol.interchange import (
    Readings,
    RecordReader,
    date_to_json,
    decimal_to_json,
    iter_records,
    loads,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_int,
    parse_str,
)

__all__ = [
    "ACLF_GRADES",
    "MAX_WEIGHT_KG",
    "NCT04822922",
    "Arm",
    "Criterion",
    "CriterionKind",
    "DayWindow",
    "Protocol",
    "protocol_in_force",
    "protocol_label",
    "protocol_name",
    "protocol_toml",
]

#: §7.4: the ACLF grades there are; a protocol's ``eligible_aclf_grades`` is a subset.
ACLF_GRADES = frozenset({0, 1, 2, 3})
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
    dose_per_kg: int = bounded_int(1, 10**12, "cells per kg must be a whole number > 0 (§2)")

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
    study_day: int = bounded_int(1, _BIG, "study days count from Day 1; there is no Day 0 (§0)")
    days_before: int = bounded_int(0, _BIG, "a window is a whole number of days >= 0", default=0)
    days_after: int = bounded_int(0, _BIG, "a window is a whole number of days >= 0", default=0)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of this day and its window (§4.1, §9).

        >>> DayWindow(name="Day 14", study_day=14, days_before=2, days_after=2).to_dict()
        {'name': 'Day 14', 'study_day': 14, 'days_before': 2, 'days_after': 2}
        """
        return {
            "name": self.name,
            "study_day": self.study_day,
            "days_before": self.days_before,
            "days_after": self.days_after,
        }

    @classmethod
    def from_dict(cls, record: object) -> DayWindow:
        """Read a day record; a window left out is 0 days; every problem named (§9).

        >>> DayWindow.from_dict({"name": "Infusion 2", "study_day": 4, "days_after": -1})
        Traceback (most recent call last):
            ...
        aclf_protocol.errors.InvalidValueError: days_after: a window is ... >= 0; got -1
        """
        r = RecordReader(record, what="day")
        values = r.take(_DAY_READINGS, frozenset({"name", "study_day"}))
        return r.build_model(cls, values)


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
    kind: CriterionKind = attrs.field(validator=member_of(CriterionKind, "§5"))
    text: str = attrs.field(validator=non_empty_str)

    def to_dict(self) -> dict[str, Any]:
        """The JSON record of this criterion (§5, §9).

        >>> NCT04822922.criterion("E6").to_dict()
        {'criterion_id': 'E6', 'kind': 'exclusion', 'text': 'Pregnant and lactating women'}
        """
        return {"criterion_id": self.criterion_id, "kind": self.kind.value, "text": self.text}

    @classmethod
    def from_dict(cls, record: object) -> Criterion:
        """Read a criterion record; every key is required (§5, §9)."""
        r = RecordReader(record, what="criterion")
        values = r.take(_CRITERION_READINGS, frozenset(_CRITERION_READINGS))
        return r.build_model(cls, values)


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
    max_weight_kg: Decimal = bounded_decimal(
        Decimal(0), MAX_WEIGHT_KG, "must be > 0 and <= 350 kg (§3.2)", default=MAX_WEIGHT_KG
    )
    max_dosing_weight_kg: Decimal | None = bounded_decimal(
        Decimal(0), MAX_WEIGHT_KG, "a dose cap weight is > 0 kg (§3.2)", default=None
    )
    dose_tolerance_percent: Decimal = bounded_decimal(
        Decimal(0),
        Decimal(100),
        "must be in [0, 100] % (§3.5)",
        low_inclusive=True,
        default=Decimal(10),
    )
    min_viability_percent: Decimal = bounded_decimal(
        Decimal(0),
        Decimal(100),
        "must be in [0, 100] % (§3.5)",
        low_inclusive=True,
        default=Decimal(70),
    )
    # --- §4: schedule ---------------------------------------------------------------------
    infusion_days: tuple[DayWindow, ...] = attrs.field(converter=_as_tuple)
    min_interval_days: int = bounded_int(
        0, _BIG, "must be a whole number of days >= 0 (§4.1)", default=2
    )
    safety_window_months: int = bounded_int(
        1, 1200, "must be a whole number of months >= 1 (§4.2)", default=1
    )
    follow_up_visits: tuple[DayWindow, ...] = attrs.field(default=(), converter=_as_tuple)
    # --- §5: eligibility ------------------------------------------------------------------
    criteria: tuple[Criterion, ...] = attrs.field(default=_CRITERIA, converter=_as_tuple)
    min_age_years: int = bounded_int(0, 150, "age in years", default=18)
    max_age_years: int = bounded_int(0, 150, "age in years", default=70)
    eligible_aclf_grades: frozenset[int] = frozenset({1, 2})
    drug_trial_lookback_months: int = bounded_int(0, 1200, "months >= 0 (§5 E4)", default=3)
    #: §5 I3 *v2*: a patient's own signature with ``has_capacity`` unknown leaves I3 UNKNOWN
    #: (missing consent.has_capacity) by default; a site whose practice presumes capacity sets
    #: this true, and the signature then counts (D-I3-CAPACITY).
    presume_patient_capacity: bool = attrs.field(
        default=False, validator=boolean("must be true or false (§5 I3)")
    )
    bleeding_infection_lookback_months: int = bounded_int(0, 1200, "months >= 0 (§5 E5)", default=1)
    # --- §6: safety -----------------------------------------------------------------------
    #: §6.4: last study day of the treatment period; None = the last scheduled infusion day.
    treatment_period_last_day: int | None = bounded_int(
        1, _BIG, "a study day >= 1 (§6.4)", default=None
    )
    sae_to_sponsor_days: int = bounded_int(0, 365, "calendar days >= 0 (§6.3)", default=1)
    fatal_susar_days: int = bounded_int(0, 365, "calendar days >= 0 (§6.3)", default=7)
    fatal_susar_follow_up_days: int = bounded_int(0, 365, "calendar days >= 0 (§6.3)", default=8)
    other_susar_days: int = bounded_int(0, 365, "calendar days >= 0 (§6.3)", default=15)
    # --- §8: enrolment --------------------------------------------------------------------
    stage1_per_arm: int = bounded_int(1, 10_000, "patients per arm >= 1 (§8)", default=4)
    expansion_size: int = bounded_int(0, 10_000, "patients >= 0 (§8)", default=4)
    #: §8 *v2*: an enrolled patient's ELIGIBLE screening is at most this many days before Day 1.
    max_screening_age_days: int = bounded_int(0, _BIG, "calendar days >= 0 (§8)", default=14)

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
        """The protocol document: **every** field, JSON-compatible, lossless (§1 *v2*, §9).

        Keys are the field names in field order; dates ISO 8601, weights decimal strings,
        percentages numbers, the ACLF grades a sorted list, an unset option ``null``. Derived
        values (``enrolment_target``, ``stage1_size``) are not written: a document holds
        what a person decides, and :meth:`from_dict` refuses any other key (D-PROTOCOL-DOC).

        >>> record = NCT04822922.to_dict()
        >>> record["version"], record["effective_date"], record["eligible_aclf_grades"]
        ('1.0', '2021-09-30', [1, 2])
        >>> Protocol.from_dict(record) == NCT04822922
        True
        """
        return {field.name: _to_json(field.name, getattr(self, field.name)) for field in _FIELDS}

    @classmethod
    def from_dict(cls, record: object) -> Protocol:
        """Read a protocol document (a mapping or JSON text): every problem with its path.

        A key left out (or ``null``) takes the field's default; an unknown key is refused;
        a criterion id without an evaluator in :mod:`aclf_protocol.eligibility` is a
        ``ProtocolError`` (§1 *v2*), as is a criterion whose kind is not its id's kind
        (D-CRITERION-KIND). Several problems come together as one ``InvalidRecordError``.

        >>> record = NCT04822922.to_dict()
        >>> record["infusion_days"][2]["days_after"] = -1
        >>> record["arms"][1]["dose_per_kg"] = 0
        >>> Protocol.from_dict(record)
        Traceback (most recent call last):
            ...
        aclf_protocol.errors.InvalidRecordError: 2 problems: arms[1].dose_per_kg: ...
        >>> Protocol.from_dict({**NCT04822922.to_dict(), "criteria": [
        ...     {"criterion_id": "E8", "kind": "exclusion", "text": "Smoker"}]})
        Traceback (most recent call last):
            ...
        aclf_protocol.errors.InvalidValueError: criteria[0].criterion_id: has no evaluator; ...
        """
        r = RecordReader(record, what="protocol")
        values = r.take(_PROTOCOL_READINGS, _REQUIRED)
        for key, item_from_dict in _LISTS.items():
            present = r.record.get(key) is not None
            if not present and key in _REQUIRED_LISTS:
                r.add(InvalidValueError(key, None, "is required (§9)"))
            items = r.each(key, item_from_dict)
            if present:
                values[key] = tuple(items)
        return r.build_model(cls, values)

    @classmethod
    def from_file(cls, path: str | os.PathLike[str]) -> Protocol:
        """Read a protocol document from a ``.json`` or ``.toml`` file (§1 *v2*).

        JSON is read by :func:`~aclf_protocol.interchange.loads` (a repeated key is refused);
        TOML by ``tomllib`` with exact decimals. TOML has no null: an optional field left out
        means none (``max_dosing_weight_kg``). A file that cannot be read, or is not valid
        JSON or TOML, is a ``ProtocolError`` naming the file; a problem inside it is named by
        its path in the document (``infusion_days[1].days_after``).

        >>> Protocol.from_file("docs/protocols/nct04822922-1.0.toml") == NCT04822922
        True
        >>> Protocol.from_file("no-such-protocol.toml")
        Traceback (most recent call last):
            ...
        aclf_protocol.errors.InvalidValueError: no-such-protocol.toml: cannot be read...
        """
        if not isinstance(path, str | os.PathLike):
            raise InvalidValueError("path", path, "must be the path of a protocol file (§1)")
        # Imported here, not at the top: only reading a file needs them, and together they cost
        # about a twentieth of `import aclf_protocol` (D-IMPORT).
        import tomllib  # noqa: PLC0415
        from pathlib import Path  # noqa: PLC0415

        file = Path(path)
        name = str(path)
        suffix = file.suffix.lower()
        if suffix not in {".json", ".toml"}:
            raise InvalidValueError(name, name, "must be a .json or .toml protocol file (§1)")
        try:
            data = file.read_bytes()
        except OSError as err:
            raise InvalidValueError(name, name, f"cannot be read: {err.strerror} (§1)") from None
        except ValueError:  # a path holding a NUL character
            raise InvalidValueError(name, name, "is not a path a file can have (§1)") from None
        if suffix == ".json":
            return cls.from_dict(loads(data, what=name))
        try:
            document = tomllib.loads(data.decode("utf-8"), parse_float=Decimal)
        except UnicodeDecodeError as err:
            raise InvalidValueError(name, name, f"not valid TOML: {err.reason} (§1)") from None
        except tomllib.TOMLDecodeError as err:
            raise InvalidValueError(name, name, f"not valid TOML: {err} (§1)") from None
        return cls.from_dict(document)


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
    for index, (a, b) in enumerate(itertools.pairwise(days), start=1):
        if a.study_day >= b.study_day:  # named by its path, as a protocol document reads
            raise InconsistentRecordError(
                f"infusion_days[{index}].study_day",
                b.study_day,
                f"must come after Day {a.study_day}: study days strictly increase (§4.1)",
            )
    first = days[0]
    for name, value, exact in (
        ("study_day", first.study_day, 1),
        ("days_before", first.days_before, 0),
        ("days_after", first.days_after, 0),
    ):
        if value != exact:
            raise InconsistentRecordError(
                f"infusion_days[0].{name}", value, "the first infusion is Day 1 exactly (§0, §4.1)"
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
    if not p.eligible_aclf_grades <= ACLF_GRADES:
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


# --- the protocol document (§1 v2, §9) ----------------------------------------------------

_FIELDS = attrs.fields(Protocol)

_DAY_READINGS = Readings(
    {
        "name": parse_str,
        "study_day": parse_int,
        "days_before": parse_int,
        "days_after": parse_int,
    }
)


def _parse_kind(value: object, field: str) -> CriterionKind:
    return parse_enum(CriterionKind, value, field)


_CRITERION_READINGS = Readings({"criterion_id": parse_str, "kind": _parse_kind, "text": parse_str})


def _parse_grades(value: object, field: str) -> frozenset[int]:
    """ACLF grades as a JSON array of whole numbers (a set: order and repeats do not count)."""
    if not isinstance(value, list | tuple):
        raise InvalidValueError(field, value, "must be a JSON array of ACLF grades 0-3 (§7.4)")
    grades = []
    for index, item in enumerate(value):
        grades.append(parse_int(item, f"{field}[{index}]"))
    return frozenset(grades)


#: How each scalar key of a protocol document is read; the lists are read by their models.
_PROTOCOL_READINGS = Readings(
    {
        "nct_id": parse_str,
        "version": parse_str,
        "effective_date": parse_date,
        "study_id": parse_str,
        "title": parse_str,
        "treatment": parse_str,
        "route": parse_str,
        "country": parse_str,
        "site_id": parse_str,
        "max_weight_kg": parse_decimal,
        "max_dosing_weight_kg": parse_decimal,
        "dose_tolerance_percent": parse_decimal,
        "min_viability_percent": parse_decimal,
        "min_interval_days": parse_int,
        "safety_window_months": parse_int,
        "min_age_years": parse_int,
        "max_age_years": parse_int,
        "eligible_aclf_grades": _parse_grades,
        "drug_trial_lookback_months": parse_int,
        "presume_patient_capacity": parse_bool,
        "bleeding_infection_lookback_months": parse_int,
        "treatment_period_last_day": parse_int,
        "sae_to_sponsor_days": parse_int,
        "fatal_susar_days": parse_int,
        "fatal_susar_follow_up_days": parse_int,
        "other_susar_days": parse_int,
        "stage1_per_arm": parse_int,
        "expansion_size": parse_int,
        "max_screening_age_days": parse_int,
    }
)
#: Fields without a default: a document must give them.
_REQUIRED = frozenset(f.name for f in _FIELDS if f.default is attrs.NOTHING) - {
    "arms",
    "infusion_days",
}
_REQUIRED_LISTS = frozenset({"arms", "infusion_days"})
#: The kind each criterion id has in the record (§5): ``I`` inclusions, ``E`` exclusions.
_KINDS = {c.criterion_id: c.kind for c in _CRITERIA}


def _criterion_of_document(record: object) -> Criterion:
    """A criterion of a protocol document: its id has an evaluator, its kind is its id's."""
    from aclf_protocol.eligibility import EVALUATORS  # noqa: PLC0415 - eligibility imports us

    criterion = Criterion.from_dict(record)
    if criterion.criterion_id not in EVALUATORS:
        known = ", ".join(EVALUATORS)
        raise InvalidValueError(
            "criterion_id",
            criterion.criterion_id,
            f"has no evaluator; known criteria are {known} (§1, §5)",
        )
    expected = _KINDS.get(criterion.criterion_id, criterion.kind)
    if criterion.kind is not expected:
        raise InconsistentRecordError(
            "kind", criterion.kind.value, f"{criterion.criterion_id} is an {expected.value} (§5)"
        )
    return criterion


#: The list fields of a protocol document and how each item is read.
_LISTS: dict[str, Any] = {
    "arms": Arm.from_dict,
    "infusion_days": DayWindow.from_dict,
    "follow_up_visits": DayWindow.from_dict,
    "criteria": _criterion_of_document,
}
#: Every scalar and list key of the document is read: the document is lossless (§1 v2).
assert {*_PROTOCOL_READINGS, *_LISTS} == {f.name for f in _FIELDS}  # noqa: S101


def _to_json(name: str, value: object) -> object:
    """Field *name* of the protocol document as JSON (§9): weights as strings, sets sorted."""
    if isinstance(value, tuple):
        return [item.to_dict() for item in value]
    if isinstance(value, frozenset):
        return sorted(value)
    if isinstance(value, date):
        return date_to_json(value)
    if isinstance(value, Decimal):
        return str(value) if name.endswith("_kg") else decimal_to_json(value)
    return value


def protocol_toml(p: Protocol) -> str:
    """Protocol *p* as a TOML document that :meth:`Protocol.from_file` reads back equal (§1 *v2*).

    The scalars first (an option that is none is left out, with a comment saying so), then
    one ``[[table]]`` per arm, day, visit and criterion, in protocol order.

    >>> print(protocol_toml(NCT04822922).splitlines()[1])
    nct_id = "NCT04822922"
    """
    p = require_instance(p, Protocol, "p", "must be a Protocol (§1)")
    lines = [f"# Protocol {p.nct_id} version {p.version} (aclf_protocol, SPEC §1)"]
    tables: list[str] = []
    for field in _FIELDS:
        value = getattr(p, field.name)
        if value is None:
            lines.append(f"# {field.name} is left out: none")
        elif isinstance(value, tuple) and value:
            for item in value:
                tables.extend(["", f"[[{field.name}]]"])
                tables.extend(f"{key} = {_toml_value(v)}" for key, v in item.to_dict().items())
        elif isinstance(value, date):
            lines.append(f"{field.name} = {value.isoformat()}")
        elif isinstance(value, Decimal):  # a TOML number, read back exactly (parse_float)
            lines.append(f"{field.name} = {_toml_decimal(value)}")
        else:
            lines.append(f"{field.name} = {_toml_value(_to_json(field.name, value))}")
    return "\n".join([*lines, *tables]) + "\n"


def _toml_decimal(value: Decimal) -> str:
    """A decimal as a TOML integer or float in plain notation, digit for digit."""
    if value == value.to_integral_value(context=EXACT):
        return str(int(value))
    return format(value, "f")


def _toml_value(value: object) -> str:
    """A TOML scalar or inline array of scalars (the shapes a protocol document holds)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a TOML basic string, once DEL (which TOML must escape) is escaped.
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    raise AssertionError(f"no TOML for {value!r}")  # pragma: no cover - every field has one


def protocol_in_force(protocols: object, on: date) -> Protocol:
    """The version of the protocol in force *on* a date: the latest ``effective_date`` ≤ *on*.

    A version takes effect on its effective date (that day counts). Refused, as a
    ``ProtocolError``: no protocol in force yet (naming ``on``); protocols of different
    trials; two different protocols with the same effective date, or the same version (a
    result names ``nct_id`` and ``version``, which must then tell them apart) (§1 *v2*,
    D-IN-FORCE).

    >>> amendment = attrs.evolve(NCT04822922, version="2.0", effective_date=date(2022, 3, 1))
    >>> protocol_in_force([NCT04822922, amendment], date(2022, 2, 28)).version
    '1.0'
    >>> protocol_in_force([NCT04822922, amendment], date(2022, 3, 1)).version
    '2.0'
    >>> protocol_in_force([amendment], date(2022, 2, 28))
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: on: no protocol is in force yet; ... got ...
    """
    candidates: list[Protocol] = []
    for index, item in enumerate(iter_records(protocols, "protocols")):
        candidates.append(
            require_instance(item, Protocol, f"protocols[{index}]", "must be a Protocol (§1)")
        )
    on = require_on(on)
    if not candidates:
        raise InvalidValueError("protocols", [], "must hold at least one protocol (§1)")
    trials = sorted({p.nct_id for p in candidates})
    if len(trials) > 1:
        raise InconsistentRecordError(
            "protocols", trials, "must all be versions of one trial (one nct_id) (§1)"
        )
    for key, what in ((_effective, "effective date"), (_version, "version")):
        seen: dict[object, Protocol] = {}
        for p in candidates:
            other = seen.setdefault(key(p), p)
            if other != p:
                raise InconsistentRecordError(
                    "protocols",
                    key(p),
                    f"two different protocols of {p.nct_id} have the same {what} (§1)",
                )
    in_force = [p for p in candidates if p.effective_date <= on]
    if not in_force:
        earliest = min(p.effective_date for p in candidates)
        raise InvalidValueError(
            "on", on, f"no protocol is in force yet; the earliest takes effect {earliest} (§1)"
        )
    return max(in_force, key=_effective)


def _effective(p: Protocol) -> date:
    return p.effective_date


def _version(p: Protocol) -> str:
    return p.version


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
