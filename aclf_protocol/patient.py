"""The patient record: ``Patient`` with its ``Labs``, ``History`` and ``Consent`` (SPEC §9).

Every clinical fact may be unknown (``None``, §0), the baseline weight too (§9 *v2*). Labs
are ``Decimal``. A lab recorded under an SI key (``bilirubin_umol_l``, ``creatinine_umol_l``,
``albumin_g_l``) keeps the value as recorded, and its conventional field holds the exact
conversion that the scores read (§7.1); it is written back under the key and in the unit it was
recorded in (§9 *v2*, decision D-LAB-JSON).

>>> labs = Labs.from_dict({"creatinine_umol_l": 132.6})
>>> labs.creatinine_mg_dl
Decimal('1.5')
>>> labs.to_dict()["creatinine_umol_l"], "creatinine_mg_dl" in labs.to_dict()
(132.6, False)
>>> age_years(date(1968, 5, 1), date(2021, 10, 1))
53
"""

from __future__ import annotations

import enum
import types
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from typing import Any, TypeAlias

import attrs
from dateutil.relativedelta import relativedelta

from aclf_protocol._exact import EXACT
from aclf_protocol._validators import (
    BOUNDS,
    Bounds,
    a_date,
    an_optional_bool,
    bounded_decimal,
    bounded_int,
    check,
    decimal_between,
    identifier,
    instance_of,
    is_calendar_date,
    require_date,
)
from aclf_protocol.errors import InconsistentRecordError, InvalidValueError
from aclf_protocol.interchange import (
    NUMERAL_RULE,
    Readings,
    RecordReader,
    as_given,
    date_to_json,
    decimal_to_json,
    lenient_decimal,
    parse_date,
    parse_decimal,
    parse_enum,
    parse_int,
)
from aclf_protocol.protocol import MAX_WEIGHT_KG

__all__ = [
    "SI_FACTORS",
    "WEIGHT_METADATA",
    "Ascites",
    "Consent",
    "DatedHistory",
    "History",
    "Labs",
    "Never",
    "Patient",
    "Sex",
    "Signer",
    "VentilationReason",
    "age_years",
    "to_weight_kg",
]

_ZERO = Decimal(0)

#: §7.1: SI key -> (conventional key, SI units per conventional unit).
SI_FACTORS: dict[str, tuple[str, Decimal]] = {
    "bilirubin_umol_l": ("bilirubin_mg_dl", Decimal("17.1")),
    "creatinine_umol_l": ("creatinine_mg_dl", Decimal("88.4")),
    "albumin_g_l": ("albumin_g_dl", Decimal(10)),
}
#: §7.1: the unit of each SI key.
_SI_UNITS = {"bilirubin_umol_l": "µmol/L", "creatinine_umol_l": "µmol/L", "albumin_g_l": "g/L"}
#: Conventional key -> its SI key (§7.1).
_SI_KEY_OF = {key: si_key for si_key, (key, _) in SI_FACTORS.items()}
#: D-LAB-BOUNDS: the range, in conventional units, of each lab an SI key may give (§7.1); its
#: SI field is held to the same range once converted.
_CONVERTIBLE = {
    "bilirubin_mg_dl": ("0", "100", "mg/dL"),
    "creatinine_mg_dl": ("0", "30", "mg/dL"),
    "albumin_g_dl": ("0", "10", "g/dL"),
}


class Sex(enum.Enum):
    """Sex as recorded at screening (§9)."""

    MALE = "male"
    FEMALE = "female"


class Signer(enum.Enum):
    """The state of the informed consent (§5 I3 *v2*): signed by the patient or by an adult
    family member, or ``DECLINED`` (a known refusal). ``None`` in a record means not yet
    obtained (unknown), never "not signed"."""

    PATIENT = "patient"
    FAMILY = "family"
    DECLINED = "declined"


class Ascites(enum.Enum):
    """Ascites as Child-Pugh grades it (§7.8): ``MODERATE`` means moderate or severe."""

    NONE = "none"
    SLIGHT = "slight"
    MODERATE = "moderate"


class VentilationReason(enum.Enum):
    """Why a patient is mechanically ventilated (§7.3)."""

    RESPIRATORY = "respiratory"
    HEPATIC_ENCEPHALOPATHY = "hepatic_encephalopathy"


class Never(enum.Enum):
    """A dated history fact that is known never to have happened (§9: ``"never"``)."""

    NEVER = "never"


_NEVER = Never.NEVER.value

#: A dated history fact: when it last happened, ``Never.NEVER``, or ``None`` (unknown).
DatedHistory: TypeAlias = date | Never | None


def _lab(low: str, high: str, unit: str, *, low_inclusive: bool = False) -> Any:
    """An optional lab value in conventional units, a finite ``Decimal`` within bounds.

    The bounds and the unit are the field's metadata (``"bounds"``, ``"unit"``): the validator
    and the JSON Schema (``schema.py``) read them from there.
    """
    rule = _lab_rule(Bounds(Decimal(low), Decimal(high), low_inclusive), unit)
    return bounded_decimal(
        Decimal(low),
        Decimal(high),
        rule,
        low_inclusive=low_inclusive,
        default=None,
        converter=lenient_decimal,
        metadata={"unit": unit},
    )


def _lab_rule(bounds: Bounds, unit: str) -> str:
    """``must be > 0 and <= 100 mg/dL``: a lab's range in words."""
    sign = ">=" if bounds.low_inclusive else ">"
    return f"must be {sign} {bounds.low} and <= {bounds.high} {unit}".rstrip()


def _si_lab(si_key: str) -> Any:
    """An optional lab value as recorded under an SI key (§7.1, §9 *v2*).

    Its bounds are the conventional field's, times the factor (one range, two units); a
    value out of them is told in the conventional terms, naming the SI key.
    """
    key, factor = SI_FACTORS[si_key]
    low, high, unit = _CONVERTIBLE[key]
    rule = _lab_rule(Bounds(Decimal(low), Decimal(high)), unit)
    return bounded_decimal(
        Decimal(low) * factor,
        Decimal(high) * factor,
        f"{rule} once converted to {key} (§7.1)",
        default=None,
        converter=lenient_decimal,
        metadata={"unit": _SI_UNITS[si_key]},
    )


def _converted(si_key: str) -> Callable[[Any], Decimal | None]:
    """The conventional value of the SI value at *si_key* of a ``Labs`` being made, exactly
    (§7.1: 132.6 / 88.4 is 1.5, not 1.4999999999999998); ``None`` when there is none. A value
    that is no finite ``Decimal`` is left to the SI field's own check."""
    factor = SI_FACTORS[si_key][1]

    def convert(labs: Any) -> Decimal | None:
        value = getattr(labs, si_key)
        if isinstance(value, Decimal) and value.is_finite():
            return EXACT.divide(value, factor)
        return None

    return convert


def _convertible_lab(key: str) -> Any:
    """A conventional lab that an SI key may give instead: unless given, its value is the
    exact conversion of the SI field (declared before it, so already set)."""
    low, high, unit = _CONVERTIBLE[key]
    bounds = Bounds(Decimal(low), Decimal(high))
    return attrs.field(
        default=attrs.Factory(_converted(_SI_KEY_OF[key]), takes_self=True),
        converter=lenient_decimal,
        validator=decimal_between(bounds.low, bounds.high, _lab_rule(bounds, unit), or_none=True),
        metadata={BOUNDS: bounds, "unit": unit},
    )


_BOOL_LABS = frozenset({"vasopressors", "mechanical_ventilation", "renal_replacement"})


def _flag() -> Any:
    return attrs.field(default=None, validator=an_optional_bool)


@attrs.frozen(kw_only=True)
class Labs:
    """Labs and organ support at screening; ``None`` = unknown (§7, §9).

    Bounds reject impossible values (docs/dev/decisions.md D-LAB-BOUNDS), not unusual ones.
    Bilirubin, creatinine and albumin may be recorded in SI units (``bilirubin_umol_l=356.2``):
    the SI field keeps the value as recorded, and the conventional field, which the scores
    read, is its exact conversion (§7.1, D-LAB-JSON). Giving both for one analyte with values
    that disagree is an ``InconsistentRecordError``.

    >>> labs = Labs(bilirubin_umol_l=Decimal("356.2"))
    >>> labs.bilirubin_mg_dl == Decimal("356.2") / Decimal("17.1")
    True
    >>> labs.to_dict()["bilirubin_umol_l"]
    356.2
    """

    # The SI fields come first: a conventional field's default is computed from its SI field.
    bilirubin_umol_l: Decimal | None = _si_lab("bilirubin_umol_l")
    creatinine_umol_l: Decimal | None = _si_lab("creatinine_umol_l")
    albumin_g_l: Decimal | None = _si_lab("albumin_g_l")
    bilirubin_mg_dl: Decimal | None = _convertible_lab("bilirubin_mg_dl")
    creatinine_mg_dl: Decimal | None = _convertible_lab("creatinine_mg_dl")
    inr: Decimal | None = _lab("0", "20", "")
    he_grade: int | None = bounded_int(0, 4, "West Haven grade 0-4 (§7.2)", default=None)
    map_mmhg: Decimal | None = _lab("0", "300", "mmHg")
    vasopressors: bool | None = _flag()
    pao2_fio2: Decimal | None = _lab("0", "800", "mmHg")
    spo2_fio2: Decimal | None = _lab("0", "500", "")
    mechanical_ventilation: bool | None = _flag()
    ventilation_reason: VentilationReason = attrs.field(
        default=VentilationReason.RESPIRATORY,
        validator=instance_of(VentilationReason, "must be a VentilationReason (§7.3)"),
    )
    renal_replacement: bool | None = _flag()
    wbc_10e9_l: Decimal | None = _lab("0", "1000", "x10^9/L")
    sodium_mmol_l: Decimal | None = _lab("80", "200", "mmol/L", low_inclusive=True)
    albumin_g_dl: Decimal | None = _convertible_lab("albumin_g_dl")
    ascites: Ascites | None = attrs.field(
        default=None,
        validator=check(
            lambda v: v is None or isinstance(v, Ascites), "must be an Ascites or None (§7.8)"
        ),
    )

    def __attrs_post_init__(self) -> None:
        # §9: one analyte in one unit; a conventional value given beside an SI one must be
        # its exact conversion (what attrs.evolve passes back), else the record contradicts.
        for si_key, (key, factor) in SI_FACTORS.items():
            si_value = getattr(self, si_key)
            if si_value is not None and getattr(self, key) != EXACT.divide(si_value, factor):
                raise InconsistentRecordError(si_key, si_value, _one_unit(key))

    def to_dict(self) -> dict[str, Any]:
        """Each lab under the key and in the unit it was recorded in, as a JSON number (an
        ``int``, or a ``float`` whose repr is the exact value); unknowns as ``null`` under the
        conventional key (§9 *v2*, D-LAB-JSON)."""
        out: dict[str, Any] = {}
        for field in _WRITTEN_FIELDS:
            name = field.name
            si_key = _SI_KEY_OF.get(name)
            if si_key is not None and (recorded := getattr(self, si_key)) is not None:
                name, value = si_key, recorded
            else:
                value = getattr(self, name)
            if isinstance(value, Decimal):
                out[name] = decimal_to_json(value)
            elif isinstance(value, enum.Enum):
                out[name] = value.value
            else:
                out[name] = value
        return out

    @classmethod
    def from_dict(cls, record: object) -> Labs:
        """Read the ``labs`` object; an SI value is kept as recorded (§7.1, §9).

        >>> Labs.from_dict({"bilirubin_mg_dl": 1, "bilirubin_umol_l": 17.1})
        Traceback (most recent call last):
            ...
        aclf_protocol.errors.InconsistentRecordError: bilirubin_umol_l: give bilirubin ...
        """
        r = RecordReader(record, what="labs")
        values = r.take(_LAB_READINGS)
        for si_key, (key, _) in SI_FACTORS.items():
            # As read: a value out of range is shown as the record gave it (10000, not
            # Decimal('10000')), in the reading problems.
            si_value = r.get(si_key, parse_decimal, as_read=True)
            if si_value is None:
                continue  # §9: {"x_mg_dl": v, "x_umol_l": null} is no conflict
            if key in values:
                r.add(InconsistentRecordError(si_key, r.record[si_key], _one_unit(key)))
            else:
                values[si_key] = si_value
        return r.build_model(cls, values)


def _one_unit(key: str) -> str:
    """The rule of §9: one analyte in one unit."""
    return f"give {key.split('_', 1)[0]} in one unit only, not also as {key} (§9)"


#: The fields ``Labs.to_dict`` writes, in order: the conventional ones, each replaced by its
#: SI key when that is how it was recorded.
_WRITTEN_FIELDS = tuple(f for f in attrs.fields(Labs) if f.name not in SI_FACTORS)


def _dated(value: object, field: str) -> date | Never:
    if value == _NEVER or value is Never.NEVER:
        return Never.NEVER
    try:
        return parse_date(value, field)
    except InvalidValueError:
        raise InvalidValueError(
            field, value, 'must be a date YYYY-MM-DD, "never" or null (§9)'
        ) from None


#: A dated history fact: a calendar date, ``Never.NEVER`` or ``None``.
_a_dated_history = check(
    lambda v: v is None or v is Never.NEVER or is_calendar_date(v), a_date.rule
)


def _dated_field() -> Any:
    return attrs.field(default=None, validator=_a_dated_history)


@attrs.frozen(kw_only=True)
class History:
    """Medical history behind exclusions E1-E6 (§5); ``None`` = unknown.

    Dated facts hold the date it last happened, ``Never.NEVER``, or ``None``.
    """

    artificial_liver_planned: bool | None = _flag()
    prior_liver_transplant: bool | None = _flag()
    prior_stem_cell_therapy: bool | None = _flag()
    malignancy: bool | None = _flag()
    imaging_suspected_liver_malignancy: bool | None = _flag()
    tuberculosis: bool | None = _flag()
    severe_autoimmune_disease: bool | None = _flag()
    severe_cardiopulmonary_insufficiency: bool | None = _flag()
    immunosuppressive_therapy: bool | None = _flag()
    hiv: bool | None = _flag()
    substance_addiction: bool | None = _flag()
    last_drug_trial: DatedHistory = _dated_field()
    last_gi_bleeding: DatedHistory = _dated_field()
    last_serious_infection: DatedHistory = _dated_field()
    pregnant: bool | None = _flag()
    lactating: bool | None = _flag()

    def to_dict(self) -> dict[str, Any]:
        """Dates as ISO strings, ``"never"``, booleans, unknowns as ``null`` (§9)."""
        out: dict[str, Any] = {}
        for field in attrs.fields(History):
            value = getattr(self, field.name)
            if isinstance(value, date):
                out[field.name] = date_to_json(value)
            elif isinstance(value, Never):
                out[field.name] = value.value
            else:
                out[field.name] = value
        return out

    @classmethod
    def from_dict(cls, record: object) -> History:
        """Read the ``history`` object (§9)."""
        r = RecordReader(record, what="history")
        values = r.take(_HISTORY_READINGS)
        return r.build_model(cls, values)


@attrs.frozen(kw_only=True)
class Consent:
    """Informed consent (§5 I3 *v2*, E7). ``signed_by=None`` means *not yet obtained*, an
    unknown (consent pending); ``Signer.DECLINED`` is a known refusal."""

    signed_by: Signer | None = attrs.field(
        default=None,
        validator=check(
            lambda v: v is None or isinstance(v, Signer), "must be a Signer or None (§5 I3)"
        ),
    )
    has_capacity: bool | None = _flag()
    adult_family_available: bool | None = _flag()

    def __attrs_post_init__(self) -> None:
        if self.signed_by is Signer.FAMILY and self.adult_family_available is False:
            raise InconsistentRecordError(
                "signed_by",
                self.signed_by.value,
                "a family signature contradicts adult_family_available: false (§5 I3)",
            )

    def to_dict(self) -> dict[str, Any]:
        """The ``consent`` object (§9)."""
        return {
            "signed_by": None if self.signed_by is None else self.signed_by.value,
            "has_capacity": self.has_capacity,
            "adult_family_available": self.adult_family_available,
        }

    @classmethod
    def from_dict(cls, record: object) -> Consent:
        """Read the ``consent`` object (§9)."""
        r = RecordReader(record, what="consent")
        values = r.take(_CONSENT_READINGS)
        return r.build_model(cls, values)


#: §3.2: a baseline weight, an exact ``Decimal`` in (0, 350] kg.
_WEIGHT = decimal_between(_ZERO, MAX_WEIGHT_KG, f"must be > 0 and <= {MAX_WEIGHT_KG} kg (§3.2)")


def to_weight_kg(value: object, field: str = "weight_kg") -> Decimal:
    """A weight as an exact ``Decimal`` in (0, 350] kg (§0, §3.2); a float goes via ``repr``.

    >>> to_weight_kg(62.3)
    Decimal('62.3')
    >>> to_weight_kg(351)
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: weight_kg: must be > 0 and <= 350 kg (§3.2); got 351
    >>> to_weight_kg(" 62.5")
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InvalidValueError: weight_kg: must be a number, or a numeric string ...
    """
    number = lenient_decimal(value)
    if isinstance(value, str) and number is value:  # §9 v2: no JSON numeral
        raise InvalidValueError(field, value, NUMERAL_RULE)
    return _WEIGHT.require(number, field, shown=value)  # type: ignore[return-value]


def _weight_or_unknown(value: object) -> Decimal | None:
    """A patient's baseline weight, or ``None`` when unknown (§9 *v2*: screening does not
    need it; a dose does, §3.1)."""
    return None if value is None else to_weight_kg(value)


#: The attrs metadata of a baseline weight field: its bounds (§3.2) and unit, read by the
#: JSON Schemas. The field is ``attrs.field(converter=to_weight_kg, metadata=WEIGHT_METADATA)``:
#: the converter reads the weight and checks it, once, showing the value as given (§3.2).
WEIGHT_METADATA = types.MappingProxyType({BOUNDS: Bounds(_ZERO, MAX_WEIGHT_KG), "unit": "kg"})


def age_years(birth_date: date, on: date) -> int:
    """Age in completed years on *on* (§0: relativedelta's rule, 29 Feb turns on 28 Feb).

    >>> age_years(date(2000, 2, 29), date(2019, 2, 28))
    19
    >>> age_years(date(2022, 1, 1), date(2021, 1, 1))
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InconsistentRecordError: birth_date: must not be after the screening ...
    """
    require_date(birth_date, "birth_date")
    require_date(on, "on")
    if birth_date > on:
        raise InconsistentRecordError(
            "birth_date", birth_date, f"must not be after the screening date {on} (§5)"
        )
    return relativedelta(on, birth_date).years


@attrs.frozen(kw_only=True)
class Patient:
    """One screened patient (§9): identity, baseline weight and the clinical facts.

    ``weight_kg`` is the baseline weight that doses are computed from (§3.1); it may be
    unknown (``None``) while screening (§9 *v2*), and planning a dose then refuses.
    A male patient recorded as pregnant or lactating is a contradictory record (§5 E6 *v2*).

    >>> Patient(patient_id="P", birth_date=date(1970, 1, 1), sex=Sex.MALE).weight_kg is None
    True
    >>> Patient(patient_id="P", birth_date=date(1970, 1, 1), sex=Sex.MALE,
    ...         history=History(pregnant=True))
    Traceback (most recent call last):
        ...
    aclf_protocol.errors.InconsistentRecordError: history.pregnant: a male patient ...
    """

    patient_id: str = attrs.field(validator=identifier)
    birth_date: date = attrs.field(validator=a_date)
    sex: Sex = attrs.field(validator=instance_of(Sex, "must be 'male' or 'female' (§9)"))
    weight_kg: Decimal | None = attrs.field(
        default=None, converter=_weight_or_unknown, metadata=WEIGHT_METADATA
    )
    chronic_liver_disease: bool | None = _flag()
    labs: Labs = attrs.field(factory=Labs, validator=instance_of(Labs, "must be a Labs value (§9)"))
    history: History = attrs.field(
        factory=History, validator=instance_of(History, "must be a History value (§9)")
    )
    consent: Consent = attrs.field(
        factory=Consent, validator=instance_of(Consent, "must be a Consent value (§9)")
    )

    def __attrs_post_init__(self) -> None:
        if self.sex is Sex.MALE:
            for name in ("pregnant", "lactating"):
                if getattr(self.history, name) is True:
                    raise InconsistentRecordError(
                        f"history.{name}",
                        True,
                        f"a male patient cannot be {name}: correct the sex or the fact (§5 E6)",
                    )

    def age_on(self, on: date) -> int:
        """Age in completed years on *on* (§0)."""
        return age_years(self.birth_date, on)

    def to_dict(self) -> dict[str, Any]:
        """The patient record of §9; weight as a decimal string, or ``null`` if unknown."""
        return {
            "patient_id": self.patient_id,
            "birth_date": date_to_json(self.birth_date),
            "sex": self.sex.value,
            "weight_kg": None if self.weight_kg is None else str(self.weight_kg),
            "chronic_liver_disease": self.chronic_liver_disease,
            "labs": self.labs.to_dict(),
            "history": self.history.to_dict(),
            "consent": self.consent.to_dict(),
        }

    @classmethod
    def from_dict(cls, record: object) -> Patient:
        """Read a patient record as an EDC sends it (§9); every problem is reported.

        >>> Patient.from_dict({"patient_id": "P1", "birth_date": "1970-01-01", "sex": "male",
        ...                    "weight_kg": "70"}).weight_kg
        Decimal('70')
        >>> Patient.from_dict({"patient_id": "P1", "birth_date": "1970-13-01", "sex": "x",
        ...                    "weight_kg": 0})
        Traceback (most recent call last):
            ...
        aclf_protocol.errors.InvalidRecordError: 3 problems: ...
        >>> from aclf_protocol.errors import InvalidRecordError
        >>> try:
        ...     Patient.from_dict({"patient_id": "P1", "birth_date": "1970-13-01", "sex": "x",
        ...                        "weight_kg": 0})
        ... except InvalidRecordError as err:
        ...     print(*(p.field for p in err.problems))
        birth_date sex weight_kg
        """
        r = RecordReader(record, what="patient")
        values = r.take(_PATIENT_READINGS, _REQUIRED)
        if (weight := r.get("weight_kg", as_given, as_read=True)) is not None:
            values["weight_kg"] = weight
        values.update(r.take(_AFTER_WEIGHT))
        for key, part in (("labs", Labs), ("history", History), ("consent", Consent)):
            if (read := r.nested(key, part.from_dict)) is not None:
                values[key] = read
        return r.build_model(cls, values)


#: §9: how each key of a record is read. A rule stands for a value that goes to the model as
#: given, its validator its only check (RecordReader.take); a parser turns JSON into a value.
_AS_BOOL = "must be true or false (§9)"
_LAB_READINGS = Readings(
    {
        **dict.fromkeys((f.name for f in _WRITTEN_FIELDS), parse_decimal),
        **dict.fromkeys(_BOOL_LABS, _AS_BOOL),
        "he_grade": parse_int,
        "ventilation_reason": lambda v, k: parse_enum(VentilationReason, v, k),
        "ascites": lambda v, k: parse_enum(Ascites, v, k),
    }
)
_HISTORY_READINGS = Readings(
    {name: _dated if name.startswith("last_") else _AS_BOOL for name in attrs.fields_dict(History)}
)
_CONSENT_READINGS = Readings(
    {
        "signed_by": lambda v, k: parse_enum(Signer, v, k),
        "has_capacity": _AS_BOOL,
        "adult_family_available": _AS_BOOL,
    }
)
_PATIENT_READINGS = Readings(
    {
        "patient_id": identifier.rule,
        "birth_date": parse_date,
        "sex": lambda v, k: parse_enum(Sex, v, k),
    }
)
_REQUIRED = frozenset({"patient_id", "birth_date", "sex"})
_AFTER_WEIGHT = Readings({"chronic_liver_disease": _AS_BOOL})
