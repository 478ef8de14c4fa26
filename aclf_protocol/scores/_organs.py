"""The six organs of CLIF-C OF as rules: each row of the SPEC §7.2 table written once, as data.

An :class:`OrganRule` holds one organ's cut-offs and organ support. Everything else comes from
that data: the sub-score, the failure (§7.3), the states still possible while facts are unknown
(§7.4), the grade feature (failed, or the creatinine 1.5-2.0 / HE grade 1-2 band that raises a
single failure to grade 1), the reason in words and the record paths that could decide it.

A *state* is a band of the organ's scale, counted from the healthy end (0, 1, ...); the organ
support (renal replacement, vasopressors, mechanical ventilation) gives the last state. The
kidney has four states, because §7.4 also needs the creatinine band below failure.

>>> from decimal import Decimal
>>> LIVER.subscore_of(Labs(bilirubin_mg_dl=Decimal(12)))
2
>>> KIDNEY.possible_subscores(Labs(creatinine_mg_dl=Decimal("2.5")))   # renal replacement?
(2, 3)
>>> KIDNEY.reason(Labs(creatinine_mg_dl=Decimal("2.5")))
'creatinine 2.5 mg/dL; renal replacement unknown'
>>> COAGULATION.scales[0].band_words(2), [str(c) for c in LIVER.scales[0].cuts]
('>= 2.5', ['>= 6', '> 12'])
"""

from __future__ import annotations

import enum
import itertools
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Mapping
from decimal import Decimal
from types import MappingProxyType

import attrs

from aclf_protocol.errors import InvalidValueError
from aclf_protocol.patient import Labs, VentilationReason
from aclf_protocol.scores._common import show

__all__ = [
    "BRAIN",
    "CIRCULATION",
    "COAGULATION",
    "FAILED",
    "KIDNEY",
    "LIVER",
    "MILD",
    "NO_FEATURE",
    "RESPIRATION",
    "RULES",
    "SOURCE_CLIF_C_OF",
    "Cut",
    "Organ",
    "OrganRule",
    "Scale",
    "Support",
    "above",
    "at_least",
    "at_most",
    "below",
    "rule",
]

SOURCE_CLIF_C_OF = (
    "CLIF-C OF: Jalan R et al., J Hepatol 2014;61:1038-47 (SPEC §7.2-§7.3); ACLF grades: "
    "Moreau R et al., Gastroenterology 2013;144:1426-37 (SPEC §7.4)"
)

#: Grade features of a state (§7.4): nothing, the band that raises a single failure to grade 1
#: (creatinine 1.5-2.0, HE grade 1-2), or failure.
NO_FEATURE, MILD, FAILED = 0, 1, 2


class Organ(enum.Enum):
    """The six organs of CLIF-C OF, in the order of the published table (§7.2)."""

    LIVER = "liver"
    KIDNEY = "kidney"
    BRAIN = "brain"
    COAGULATION = "coagulation"
    CIRCULATION = "circulation"
    RESPIRATION = "respiration"


@attrs.frozen
class Cut:
    """One boundary of the §7.2 table: values on its worse side move one band up.

    Attributes:
        at: The boundary value, as the table writes it (``Decimal("2.0")`` shows as 2.0).
        rising: Worse above *at* (bilirubin) rather than below it (MAP).
        inclusive: *at* itself is on the worse side (``>= 6``), not the better (``> 12``).

    >>> [above("12").crossed_by(Decimal(v)) for v in ("11.9", "12", "12.01")]
    [False, False, True]
    >>> [at_most("200").crossed_by(v) for v in (199, 200, 201)]
    [True, True, False]
    """

    at: Decimal
    rising: bool
    inclusive: bool

    def crossed_by(self, value: Decimal | int) -> bool:
        """*value* is on the worse side (exact ``Decimal`` comparison, §7.1)."""
        if value == self.at:
            return self.inclusive
        return (value > self.at) is self.rising

    def __str__(self) -> str:
        """The worse side in words: ``>= 6``, ``> 12``, ``< 70``, ``<= 300``."""
        sign = (">" if self.rising else "<") + ("=" if self.inclusive else "")
        return f"{sign} {self.at}"

    @property
    def better(self) -> str:
        """The better side in words: ``< 6``, ``<= 12``, ``>= 70``, ``> 300``."""
        sign = ("<" if self.rising else ">") + ("" if self.inclusive else "=")
        return f"{sign} {self.at}"


def at_least(value: str) -> Cut:
    """Worse from *value* up: ``>= value``."""
    return Cut(Decimal(value), rising=True, inclusive=True)


def above(value: str) -> Cut:
    """Worse above *value*: ``> value``."""
    return Cut(Decimal(value), rising=True, inclusive=False)


def below(value: str) -> Cut:
    """Worse below *value*: ``< value``."""
    return Cut(Decimal(value), rising=False, inclusive=False)


def at_most(value: str) -> Cut:
    """Worse from *value* down: ``<= value``."""
    return Cut(Decimal(value), rising=False, inclusive=True)


@attrs.frozen(kw_only=True)
class Scale:
    """One lab against its ordered cut-offs, from the healthy end (§7.2).

    Attributes:
        lab: The :class:`Labs` attribute read.
        name: The lab in words when known ("bilirubin", "West Haven HE grade").
        unknown_name: The lab in words when unknown (defaults to *name*).
        unit: Appended to the value in words (" mg/dL"; "" for INR).
        cuts: The boundaries, from the healthy end; ``len(cuts) + 1`` bands.
        shows_band: The reason names the band ("bilirubin 14.2 mg/dL > 12").
    """

    lab: str
    name: str
    unit: str = ""
    cuts: tuple[Cut, ...]
    shows_band: bool = False
    unknown_name: str = attrs.field()
    # Derived once from *cuts* for :meth:`band` (screening's hot path): the direction, and
    # the cut-off values in ascending order, those on the worse side themselves (``>= 6``,
    # ``<= 300``) apart from the others (``> 12``, ``< 70``).
    _rising: bool = attrs.field(init=False, repr=False, eq=False)
    _inclusive: tuple[Decimal, ...] = attrs.field(init=False, repr=False, eq=False)
    _exclusive: tuple[Decimal, ...] = attrs.field(init=False, repr=False, eq=False)

    @unknown_name.default
    def _name_by_default(self) -> str:
        return self.name

    @_rising.default
    def _direction(self) -> bool:
        rising = {cut.rising for cut in self.cuts}
        ats = [cut.at for cut in self.cuts]
        if (
            len(rising) != 1
            or len(set(ats)) != len(ats)
            or ats != sorted(ats, reverse=not rising.pop())
        ):
            raise InvalidValueError(
                "cuts", self.cuts, "must run from the healthy end, one way, each value once (§7.2)"
            )
        return self.cuts[0].rising

    @_inclusive.default
    def _inclusive_cuts(self) -> tuple[Decimal, ...]:
        return tuple(sorted(cut.at for cut in self.cuts if cut.inclusive))

    @_exclusive.default
    def _exclusive_cuts(self) -> tuple[Decimal, ...]:
        return tuple(sorted(cut.at for cut in self.cuts if not cut.inclusive))

    @property
    def path(self) -> str:
        """The record path of the lab (``labs.inr``)."""
        return f"labs.{self.lab}"

    @property
    def bands(self) -> int:
        """How many bands the cut-offs make."""
        return len(self.cuts) + 1

    def value(self, labs: Labs) -> Decimal | int | None:
        """The lab's value in *labs*, ``None`` when unknown."""
        value: Decimal | int | None = getattr(labs, self.lab)
        return value

    def band(self, value: Decimal | int) -> int:
        """The band of a known value: how many cut-offs it is beyond.

        The cut-offs run one way from the healthy end, so the value crosses (:meth:`Cut.crossed_by`)
        the first *band* of them and no other; counted by bisection, exactly (§7.1).

        >>> [KIDNEY.scales[0].band(Decimal(v)) for v in ("1.49", "1.5", "2.0", "3.5")]
        [0, 1, 2, 3]
        >>> [LIVER.scales[0].band(Decimal(v)) for v in ("5.9", "6", "12", "12.01")]
        [0, 1, 1, 2]
        >>> [RESPIRATION.scales[0].band(v) for v in (301, 300, 201, 200)]
        [0, 1, 1, 2]
        """
        if self._rising:  # the cut-offs below the value, and at it when that is worse
            return bisect_right(self._inclusive, value) + bisect_left(self._exclusive, value)
        # the cut-offs above the value, and at it when that is worse
        return (
            len(self.cuts)
            - bisect_left(self._inclusive, value)
            - bisect_right(self._exclusive, value)
        )

    def band_words(self, band: int) -> str:
        """A band in words, ends as the table has them: ``< 6``, ``6-12``, ``> 12``."""
        if band == 0:
            return self.cuts[0].better
        if band == len(self.cuts):
            return str(self.cuts[-1])
        low, high = self.cuts[band - 1].at, self.cuts[band].at
        return f"{min(low, high)}-{max(low, high)}"

    def words(self, value: Decimal | int) -> str:
        """A known value in words: ``bilirubin 14.2 mg/dL > 12``, ``MAP 78 mmHg``."""
        text = f"{self.name} {show(value)}{self.unit}"
        return f"{text} {self.band_words(self.band(value))}" if self.shows_band else text


@attrs.frozen(kw_only=True)
class Support:
    """An organ support that scores the organ's worst state whatever its lab (§7.2-§7.3).

    Attributes:
        fact: The :class:`Labs` flag read ("renal_replacement").
        on, off, unknown: The reason's words when given, known not given (``None``: not
            mentioned) and unknown.
        only_for: Mechanical ventilation counts for this organ only when given for this reason
            (§7.3); ``None``: always.
        elsewhere: Words when the support is given for the other reason (``None``: silent).
        shows_lab: When given, the reason still names the lab ("renal replacement therapy;
            creatinine 1.1 mg/dL").
    """

    fact: str
    on: str
    off: str | None
    unknown: str
    only_for: VentilationReason | None = None
    elsewhere: str | None = None
    shows_lab: bool = False

    @property
    def path(self) -> str:
        """The record path of the flag (``labs.vasopressors``)."""
        return f"labs.{self.fact}"

    def status(self, labs: Labs) -> bool | None:
        """Given for this organ (``True``), not (``False``), or unknown (``None``)."""
        given: bool | None = getattr(labs, self.fact)
        if self.only_for is not None and labs.ventilation_reason is not self.only_for:
            return False
        return given

    def note(self, labs: Labs) -> str | None:
        """The words the reason adds after the lab, when the support is not given."""
        given: bool | None = getattr(labs, self.fact)
        if self.only_for is not None and labs.ventilation_reason is not self.only_for:
            return self.elsewhere if given is True else None
        return self.unknown if given is None else self.off


@attrs.frozen(kw_only=True)
class OrganRule:
    """One organ of CLIF-C OF: its row of the §7.2 table and what follows from it.

    Attributes:
        organ: Which organ.
        scales: The lab(s) scored; the first one known counts (§7.3: PaO2/FiO2 before
            SpO2/FiO2).
        subscores: The sub-score of each state; the last state is the support's.
        fails_from: Failure is a sub-score of at least this (§7.3: 2 for the kidney, else 3).
        mild: States below failure that raise a single failure to ACLF grade 1 (§7.4).
        support: The organ support that scores the last state, if any.
        support_first: Record paths list the support before the lab (vasopressors, MAP).
    """

    organ: Organ
    scales: tuple[Scale, ...]
    subscores: tuple[int, ...] = (1, 2, 3)
    fails_from: int = 3
    mild: frozenset[int] = frozenset()
    support: Support | None = None
    support_first: bool = False
    # Derived once from the fields above (screening reads them for every patient).
    _features: tuple[int, ...] = attrs.field(init=False, repr=False, eq=False)
    #: The grade features of every set of states, read-only (§7.4).
    feature_sets: Mapping[frozenset[int], frozenset[int]] = attrs.field(
        init=False, repr=False, eq=False
    )
    _subscore_sets: Mapping[frozenset[int], tuple[int, ...]] = attrs.field(
        init=False, repr=False, eq=False
    )
    _states: tuple[frozenset[int], ...] = attrs.field(init=False, repr=False, eq=False)
    _states_or_top: tuple[frozenset[int], ...] = attrs.field(init=False, repr=False, eq=False)
    _top_states: frozenset[int] = attrs.field(init=False, repr=False, eq=False)
    #: (lab, its scale's ``band``) for each scale, and the support's ``status`` (``None``
    #: without a support): the helpers ``states`` and ``lab_band`` call, looked up once.
    _bands: tuple[tuple[str, Callable[[Decimal | int], int]], ...] = attrs.field(
        init=False, repr=False, eq=False
    )
    _status: Callable[[Labs], bool | None] | None = attrs.field(init=False, repr=False, eq=False)
    _unknown: frozenset[int] = attrs.field(init=False, repr=False, eq=False)
    _unknown_or_top: frozenset[int] = attrs.field(init=False, repr=False, eq=False)

    @_features.default
    def _features_of_states(self) -> tuple[int, ...]:
        return tuple(
            FAILED if score >= self.fails_from else (MILD if state in self.mild else NO_FEATURE)
            for state, score in enumerate(self.subscores)
        )

    @feature_sets.default
    def _features_of_state_sets(self) -> Mapping[frozenset[int], frozenset[int]]:
        every = range(len(self.subscores))
        sets = [frozenset(c) for n in every for c in itertools.combinations(every, n + 1)]
        return MappingProxyType({s: frozenset(self._features[i] for i in s) for s in sets})

    @_subscore_sets.default
    def _subscores_of_state_sets(self) -> Mapping[frozenset[int], tuple[int, ...]]:
        return MappingProxyType(
            {s: tuple(sorted({self.subscores[i] for i in s})) for s in self.feature_sets}
        )

    @_states.default
    def _single_states(self) -> tuple[frozenset[int], ...]:
        return tuple(frozenset({state}) for state in range(len(self.subscores)))

    @_states_or_top.default
    def _states_with_support(self) -> tuple[frozenset[int], ...]:
        return tuple(frozenset({state, self.top}) for state in range(len(self.subscores)))

    @_top_states.default
    def _support_given(self) -> frozenset[int]:
        return self._states[self.top]

    @_bands.default
    def _scale_bands(self) -> tuple[tuple[str, Callable[[Decimal | int], int]], ...]:
        return tuple((scale.lab, scale.band) for scale in self.scales)

    @_status.default
    def _support_status(self) -> Callable[[Labs], bool | None] | None:
        return None if self.support is None else self.support.status

    @_unknown.default
    def _unknown_lab(self) -> frozenset[int]:
        return frozenset(range(self.scales[0].bands))

    @_unknown_or_top.default
    def _unknown_lab_with_support(self) -> frozenset[int]:
        return self._unknown | {self.top}

    @property
    def top(self) -> int:
        """The worst state."""
        return len(self.subscores) - 1

    def _support(self, labs: Labs) -> bool | None:
        return False if self.support is None else self.support.status(labs)

    def lab_band(self, labs: Labs) -> int | None:
        """The band of the first known scale, ``None`` when every scale is unknown."""
        for lab, band in self._bands:
            value = getattr(labs, lab)  # Scale.value, without the call (hot path)
            if value is not None:
                return band(value)
        return None

    def states(self, labs: Labs) -> frozenset[int]:
        """Every state that some completion of the unknown facts gives (§7.4)."""
        status = self._status
        given = False if status is None else status(labs)
        if given is True:
            return self._top_states
        band = self.lab_band(labs)
        if band is None:
            return self._unknown_or_top if given is None else self._unknown
        return self._states_or_top[band] if given is None else self._states[band]

    def subscore(self, state: int) -> int:
        """The CLIF-C OF sub-score of a state (§7.2)."""
        return self.subscores[state]

    def failed(self, state: int) -> bool:
        """Organ failure in a state (§7.3)."""
        return self._features[state] == FAILED

    def feature(self, state: int) -> int:
        """What the grade rule sees of a state (§7.4): ``FAILED``, ``MILD`` or ``NO_FEATURE``."""
        return self._features[state]

    def possible_subscores(self, labs: Labs) -> tuple[int, ...]:
        """The sub-scores the known facts still allow, lowest first."""
        return self._subscore_sets[self.states(labs)]

    def subscore_of(self, labs: Labs) -> int | None:
        """The sub-score, or ``None`` while unknown facts leave it open."""
        possible = self.possible_subscores(labs)
        return possible[0] if len(possible) == 1 else None

    def failure_of(self, labs: Labs) -> bool | None:
        """Failed (``True``/``False``), or ``None`` while unknown facts leave it open (§7.3)."""
        features = self.feature_sets[self.states(labs)]
        if FAILED not in features:
            return False
        return True if len(features) == 1 else None

    def features_of(self, labs: Labs) -> frozenset[int]:
        """The grade features the known facts still allow (§7.4)."""
        return self.feature_sets[self.states(labs)]

    def features_of_states(self, states: frozenset[int]) -> frozenset[int]:
        """The grade features of a set of states (§7.4)."""
        return self.feature_sets[states]

    def _decides_grade(self, scale: Scale) -> bool:
        return len({self.feature(band) for band in range(scale.bands)}) > 1

    def missing(self, labs: Labs, *, for_grade: bool = False) -> tuple[str, ...]:
        """Record paths of unknown facts that could change the sub-score (§7.2).

        Args:
            for_grade: Leave out labs whose every band has the same grade feature (MAP
                changes the circulation sub-score, never a failure: §7.3).
        """
        support = self._support(labs)
        if support is True:
            return ()
        band = self.lab_band(labs)
        paths = (
            []
            if band is not None
            else [s.path for s in self.scales if not for_grade or self._decides_grade(s)]
        )
        if self.support is not None and support is None and band != self.top:
            if self.support_first:
                paths.insert(0, self.support.path)
            else:
                paths.append(self.support.path)
        return tuple(paths)

    def _lab_words(self, labs: Labs) -> str:
        known = [(s, value) for s in self.scales if (value := s.value(labs)) is not None]
        if not known:
            return " and ".join(s.unknown_name for s in self.scales) + " unknown"
        (scale, value), *others = known
        text = scale.words(value)
        earlier = self.scales[: self.scales.index(scale)]
        if earlier:
            text += " (no " + ", ".join(s.name for s in earlier) + ")"
        if others:
            text += " (wins over " + ", ".join(s.name for s, _ in others) + ")"
        return text

    def reason(self, labs: Labs) -> str:
        """The facts used, in words ("bilirubin 14.2 mg/dL > 12", "vasopressors")."""
        support = self.support
        if support is not None and support.status(labs) is True:
            return f"{support.on}; {self._lab_words(labs)}" if support.shows_lab else support.on
        text = self._lab_words(labs)
        note = None if support is None else support.note(labs)
        return text if note is None else f"{text}; {note}"


# --- SPEC §7.2, one row each -------------------------------------------------------------------

LIVER = OrganRule(
    organ=Organ.LIVER,
    scales=(
        Scale(
            lab="bilirubin_mg_dl",
            name="bilirubin",
            unit=" mg/dL",
            cuts=(at_least("6"), above("12")),  # §7.2: 12 mg/dL scores 2; failure is > 12
            shows_band=True,
        ),
    ),
)
KIDNEY = OrganRule(
    organ=Organ.KIDNEY,
    # §7.4 needs creatinine 1.5-2.0 (state 1) below the §7.2 bands; sub-score 2 already fails.
    scales=(
        Scale(
            lab="creatinine_mg_dl",
            name="creatinine",
            unit=" mg/dL",
            cuts=(at_least("1.5"), at_least("2.0"), at_least("3.5")),
        ),
    ),
    subscores=(1, 1, 2, 3),
    fails_from=2,
    mild=frozenset({1}),
    support=Support(
        fact="renal_replacement",
        on="renal replacement therapy",
        off="no renal replacement",
        unknown="renal replacement unknown",
        shows_lab=True,
    ),
)
BRAIN = OrganRule(
    organ=Organ.BRAIN,
    scales=(
        Scale(
            lab="he_grade",
            name="West Haven HE grade",
            unknown_name="HE grade",
            cuts=(at_least("1"), at_least("3")),
        ),
    ),
    mild=frozenset({1}),  # HE grade 1-2
    support=Support(
        fact="mechanical_ventilation",
        only_for=VentilationReason.HEPATIC_ENCEPHALOPATHY,
        on="mechanical ventilation for hepatic encephalopathy (§7.3)",
        off=None,
        unknown="ventilation for HE unknown",
    ),
)
COAGULATION = OrganRule(
    organ=Organ.COAGULATION,
    scales=(
        Scale(lab="inr", name="INR", cuts=(at_least("2.0"), at_least("2.5")), shows_band=True),
    ),
)
CIRCULATION = OrganRule(
    organ=Organ.CIRCULATION,
    # MAP alone scores 1 or 2; only vasopressors score 3 (a failure).
    scales=(Scale(lab="map_mmhg", name="MAP", unit=" mmHg", cuts=(below("70"),)),),
    support=Support(
        fact="vasopressors",
        on="vasopressors",
        off="no vasopressors",
        unknown="vasopressors unknown",
    ),
    support_first=True,
)
RESPIRATION = OrganRule(
    organ=Organ.RESPIRATION,
    scales=(
        Scale(lab="pao2_fio2", name="PaO2/FiO2", cuts=(at_most("300"), at_most("200"))),
        Scale(lab="spo2_fio2", name="SpO2/FiO2", cuts=(at_most("357"), at_most("214"))),
    ),
    support=Support(
        fact="mechanical_ventilation",
        only_for=VentilationReason.RESPIRATORY,
        on="mechanical ventilation",
        off=None,
        unknown="mechanical ventilation unknown",
        elsewhere="ventilated for HE, scored from the ratio (§7.3)",
    ),
)

#: The six rules in the order of the published table.
RULES = (LIVER, KIDNEY, BRAIN, COAGULATION, CIRCULATION, RESPIRATION)

_BY_ORGAN = {r.organ: r for r in RULES}


def rule(organ: Organ) -> OrganRule:
    """The rule of *organ*.

    >>> rule(Organ.KIDNEY) is KIDNEY
    True
    """
    return _BY_ORGAN[organ]
