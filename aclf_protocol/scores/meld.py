"""The MELD family (SPEC §7.6): MELD (OPTN), MELD-Na (OPTN 2016, read literally) and MELD 3.0.

Integer rounding is half up (not Python's banker's ``round``); the logarithms are computed
in ``Decimal`` to 28 digits, so every figure is reproducible by hand.

>>> from decimal import Decimal
>>> labs = Labs(bilirubin_mg_dl=Decimal("14.2"), creatinine_mg_dl=Decimal("1.1"),
...             inr=Decimal("2.6"), renal_replacement=False, sodium_mmol_l=Decimal(134))
>>> meld(labs), meld_na(labs)
(28, 29)
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Literal, TypeAlias

from aclf_protocol._exact import exact
from aclf_protocol.errors import InvalidValueError
from aclf_protocol.patient import Labs, Sex
from aclf_protocol.protocol import NCT04822922, Protocol
from aclf_protocol.scores._common import (
    CTX,
    Figure,
    ScoreDetails,
    check_labs,
    check_protocol,
    shown,
)

__all__ = [
    "MELD_NA_VARIANTS",
    "SOURCE_MELD",
    "SOURCE_MELD_3",
    "SOURCE_MELD_NA",
    "SOURCE_MELD_NA_KIM2008",
    "SOURCE_MELD_NA_UNROUNDED",
    "MeldNaVariant",
    "meld",
    "meld_3",
    "meld_3_details",
    "meld_details",
    "meld_na",
    "meld_na_details",
]

SOURCE_MELD = "MELD: OPTN/UNOS policy; Kamath PS et al., Hepatology 2001;33:464-70 (SPEC §7.6)"
SOURCE_MELD_NA = (
    "MELD-Na: OPTN Policy 9.1 (January 2016), read literally; Kim WR et al., "
    "N Engl J Med 2008;359:1018-26 (SPEC §7.6)"
)
SOURCE_MELD_NA_UNROUNDED = (
    "MELD-Na, calculator variant without the one-decimal rounding of MELD(i); "
    "Kim WR et al., N Engl J Med 2008;359:1018-26 (§7.6)"
)
SOURCE_MELD_NA_KIM2008 = (
    "MELD-Na: Kim WR et al., N Engl J Med 2008;359:1018-26: MELD - Na - 0.025 x MELD x "
    "(140 - Na) + 140 (SPEC §7.6)"
)
SOURCE_MELD_3 = "MELD 3.0: Kim WR et al., Gastroenterology 2021;161:1887-95 (SPEC §7.6)"

#: §7.6 *v2*: the readings of MELD-Na, by name.
MeldNaVariant: TypeAlias = Literal["optn2016", "optn2016_unrounded", "kim2008"]
#: The MELD-Na variants, the default first (§7.6).
MELD_NA_VARIANTS: tuple[MeldNaVariant, ...] = ("optn2016", "optn2016_unrounded", "kim2008")
_VARIANT_SOURCES: dict[MeldNaVariant, str] = {
    "optn2016": SOURCE_MELD_NA,
    "optn2016_unrounded": SOURCE_MELD_NA_UNROUNDED,
    "kim2008": SOURCE_MELD_NA_KIM2008,
}

# --- §7.6 constants (OPTN; Kim 2021).
_ONE = Decimal(1)
_TEN = Decimal(10)
_TENTH = Decimal("0.1")
_MELD_CR_MAX = Decimal(4)
_MELD_CAP = 40
_MELD_NA_THRESHOLD = 11
_NA_LOW = Decimal(125)
_NA_HIGH = Decimal(137)
_KIM_NA_HIGH = Decimal(140)
_MELD3_CR_MAX = Decimal(3)
_ALB_LOW = Decimal("1.5")
_ALB_HIGH = Decimal("3.5")


def _half_up(value: Decimal) -> int:
    """Round to an integer, halves away from zero (§7.6; not Python's banker's ``round``).

    >>> _half_up(Decimal("12.5")), _half_up(Decimal("14.5")), _half_up(Decimal("14.4999"))
    (13, 15, 14)
    """
    return int(value.to_integral_value(rounding=ROUND_HALF_UP))


def _ln(value: Decimal) -> Decimal:
    return CTX.ln(value)


def _term(coefficient: str, log: Decimal, *, negate: bool = False) -> Decimal:
    product = CTX.multiply(Decimal(coefficient), log)
    return CTX.minus(product) if negate else product


def _floor_one(value: Decimal) -> Decimal:
    return max(value, _ONE)


def _bounded_creatinine(labs: Labs, cap: Decimal) -> tuple[Decimal | None, str, tuple[str, ...]]:
    """Creatinine as the MELD formulas use it: >= 1.0, <= *cap*, *cap* on renal replacement."""
    creatinine = labs.creatinine_mg_dl
    rrt = labs.renal_replacement
    if rrt is True:
        return cap, f"renal replacement: set to {cap}", ()
    if creatinine is not None and creatinine >= cap:
        return cap, f"{creatinine} >= {cap}: set to {cap}", ()
    if creatinine is None or rrt is None:
        missing: tuple[str, ...] = ("labs.creatinine_mg_dl",) if creatinine is None else ()
        if rrt is None:  # renal replacement would set creatinine to the cap
            missing += ("labs.renal_replacement",)
        return None, "unknown", missing
    if creatinine < _ONE:
        return _ONE, f"{creatinine} < 1.0: set to 1.0", ()
    return creatinine, "as measured", ()


def _meld_inner(labs: Labs) -> tuple[Decimal | None, list[tuple[str, Figure]], list[str]]:
    """OPTN MELD(i) inner sum 0.957 ln Cr + 0.378 ln bili + 1.120 ln INR + 0.643 (§7.6)."""
    creatinine, cr_rule, missing_cr = _bounded_creatinine(labs, _MELD_CR_MAX)
    missing = list(missing_cr)
    if labs.bilirubin_mg_dl is None:
        missing.append("labs.bilirubin_mg_dl")
    if labs.inr is None:
        missing.append("labs.inr")
    steps: list[tuple[str, Figure]] = [
        ("creatinine_mg_dl", labs.creatinine_mg_dl),
        ("renal_replacement", labs.renal_replacement),
        ("bilirubin_mg_dl", labs.bilirubin_mg_dl),
        ("inr", labs.inr),
        ("creatinine_used", creatinine),
        ("creatinine_rule", cr_rule),
    ]
    if missing or creatinine is None or labs.bilirubin_mg_dl is None or labs.inr is None:
        return None, steps, missing
    bili = _floor_one(labs.bilirubin_mg_dl)
    inr = _floor_one(labs.inr)
    cr_term = _term("0.957", _ln(creatinine))
    bili_term = _term("0.378", _ln(bili))
    inr_term = _term("1.120", _ln(inr))
    inner = CTX.add(CTX.add(CTX.add(cr_term, bili_term), inr_term), Decimal("0.643"))
    steps += [
        ("bilirubin_used", bili),
        ("inr_used", inr),
        ("0.957 x ln(creatinine)", shown(cr_term)),
        ("0.378 x ln(bilirubin)", shown(bili_term)),
        ("1.120 x ln(INR)", shown(inr_term)),
        ("MELD(i) sum (+ 0.643)", shown(inner)),
    ]
    return inner, steps, missing


def _meld_i(inner: Decimal) -> int:
    """OPTN: round the sum to the tenth, then multiply by 10 (§7.6) - an integer."""
    return int(CTX.multiply(inner.quantize(_TENTH, rounding=ROUND_HALF_UP, context=CTX), _TEN))


@exact
def meld_details(labs: Labs, *, protocol: Protocol = NCT04822922) -> ScoreDetails:
    """MELD (OPTN) with its bounded inputs, log terms and rounding (§7.6).

    >>> print(meld_details(Labs(bilirubin_mg_dl=Decimal("1.9"), inr=Decimal("1.2"),
    ...       creatinine_mg_dl=Decimal("1.3"), renal_replacement=False)).explain())
    creatinine_mg_dl = 1.3
    renal_replacement = no
    bilirubin_mg_dl = 1.9
    inr = 1.2
    creatinine_used = 1.3
    creatinine_rule = as measured
    bilirubin_used = 1.9
    inr_used = 1.2
    0.957 x ln(creatinine) = 0.2511
    0.378 x ln(bilirubin) = 0.2426
    1.120 x ln(INR) = 0.2042
    MELD(i) sum (+ 0.643) = 1.3409
    MELD(i) = round to 0.1, x 10 = 13
    MELD = 13
    source: MELD: OPTN/UNOS policy; ...
    """
    check_protocol(protocol)
    inner, steps, missing = _meld_inner(check_labs(labs))
    if inner is None:
        return ScoreDetails(
            score="MELD", value=None, steps=tuple(steps), missing=tuple(missing),
            source=SOURCE_MELD,
        )  # fmt: skip
    meld_i = _meld_i(inner)
    steps += [("MELD(i) = round to 0.1, x 10", meld_i)]
    if meld_i > _MELD_CAP:
        steps.append(("cap", f"{meld_i} > 40: capped at 40"))
    return ScoreDetails(
        score="MELD", value=min(meld_i, _MELD_CAP), steps=tuple(steps), missing=(),
        source=SOURCE_MELD,
    )  # fmt: skip


def meld(labs: Labs, *, protocol: Protocol = NCT04822922) -> int | None:
    """MELD (OPTN): 10 x (0.957 ln Cr + 0.378 ln bili + 1.120 ln INR + 0.643), 6-40 (§7.6).

    Bilirubin, INR and creatinine below 1.0 count as 1.0; creatinine above 4.0, or renal
    replacement, counts as 4.0; the result is rounded half up and capped at 40. ``None`` when a
    needed fact is unknown (renal replacement unknown with creatinine < 4 included).

    >>> meld(Labs(bilirubin_mg_dl=Decimal("3.59"), inr=Decimal("1.99"),
    ...           creatinine_mg_dl=Decimal("1.3"), renal_replacement=False))
    21
    >>> meld(Labs(bilirubin_mg_dl=Decimal("3.59"), inr=Decimal("1.99"),
    ...           creatinine_mg_dl=Decimal("1.3")))    # renal replacement unknown
    """
    value = meld_details(labs, protocol=protocol).value
    return None if value is None else int(value)


def _check_variant(variant: object) -> MeldNaVariant:
    """*variant* if it is one of :data:`MELD_NA_VARIANTS`, else ``InvalidValueError``."""
    for known in MELD_NA_VARIANTS:
        if type(variant) is str and variant == known:
            return known
    raise InvalidValueError(
        "variant", variant, "must be 'optn2016', 'optn2016_unrounded' or 'kim2008' (§7.6)"
    )


def _sodium_unknown(steps: list[tuple[str, Figure]], source: str) -> ScoreDetails:
    """MELD-Na left open: the working so far, sodium missing (§7.6, §7.7)."""
    return ScoreDetails(
        score="MELD-Na", value=None, steps=tuple(steps), missing=("labs.sodium_mmol_l",),
        source=source,
    )  # fmt: skip


def _kim2008(
    labs: Labs, inner: Decimal, steps: list[tuple[str, Figure]], source: str
) -> ScoreDetails:
    """Kim 2008: MELD - Na - 0.025 x MELD x (140 - Na) + 140, MELD the rounded MELD (§7.6)."""
    meld_value = min(_meld_i(inner), _MELD_CAP)
    steps.append(("MELD = round to 0.1, x 10, cap 40", meld_value))
    sodium = labs.sodium_mmol_l
    if sodium is None:  # no MELD(i) > 11 condition: sodium is always needed
        return _sodium_unknown(steps, source)
    bounded = min(max(sodium, _NA_LOW), _KIM_NA_HIGH)
    deficit = CTX.subtract(_KIM_NA_HIGH, bounded)
    # Exact in Decimal: MELD - Na - 0.025 x MELD x (140 - Na) + 140. With MELD <= 40 and
    # Na 125-140 it is MELD + (140 - Na)(1 - MELD/40) <= 40: no cap of its own (D-SCR-KIM2008).
    raw = CTX.add(
        CTX.subtract(
            CTX.subtract(Decimal(meld_value), bounded),
            CTX.multiply(CTX.multiply(Decimal("0.025"), meld_value), deficit),
        ),
        _KIM_NA_HIGH,
    )
    value = _half_up(raw)
    steps += [
        ("sodium_used (125-140)", bounded),
        ("140 - sodium", deficit),
        ("MELD - Na - 0.025 x MELD x (140 - Na) + 140", shown(raw)),
        ("MELD-Na = round half up", value),
    ]
    return ScoreDetails(score="MELD-Na", value=value, steps=tuple(steps), missing=(), source=source)


@exact
def meld_na_details(
    labs: Labs, *, variant: MeldNaVariant = "optn2016", protocol: Protocol = NCT04822922
) -> ScoreDetails:
    """MELD-Na of one variant with MELD(i), bounded sodium and the sodium term (§7.6).

    The first step names the variant; ``source`` cites its formula.

    Args:
        variant: ``"optn2016"`` (default) reads the OPTN policy literally: MELD(i) is the sum
            rounded to one decimal, times 10, and sodium counts only when MELD(i) > 11.
            ``"optn2016_unrounded"`` is the calculator variant that uses the unrounded
            10 x sum; it can differ by up to 9 points near 11. ``"kim2008"`` is Kim's formula
            MELD - Na - 0.025 x MELD x (140 - Na) + 140 with the rounded MELD, sodium bounded
            to 125-140 and always needed (docs/protocol.md §7.6).

    Raises:
        InvalidValueError: *variant* is none of those three.

    >>> labs = Labs(bilirubin_mg_dl=Decimal(1), inr=Decimal("1.51"), sodium_mmol_l=Decimal(128),
    ...             creatinine_mg_dl=Decimal(1), renal_replacement=False)
    >>> [meld_na_details(labs, variant=v).value for v in MELD_NA_VARIANTS]
    [11, 20, 20]
    >>> meld_na_details(labs, variant="kim2008").figures["variant"]
    'kim2008'
    """
    check_protocol(protocol)
    chosen = _check_variant(variant)
    inner, steps, missing = _meld_inner(check_labs(labs))
    source = _VARIANT_SOURCES[chosen]
    sodium = labs.sodium_mmol_l
    steps.insert(0, ("variant", chosen))
    steps.insert(5, ("sodium_mmol_l", sodium))
    if inner is None:
        if chosen == "kim2008" and sodium is None:
            missing.append("labs.sodium_mmol_l")
        return ScoreDetails(
            score="MELD-Na", value=None, steps=tuple(steps), missing=tuple(missing), source=source
        )
    if chosen == "kim2008":
        return _kim2008(labs, inner, steps, source)
    meld_i: Decimal
    if chosen == "optn2016_unrounded":
        meld_i = CTX.multiply(inner, _TEN)
        steps.append(("MELD(i) = 10 x sum, unrounded", shown(meld_i)))
    else:
        meld_i = Decimal(_meld_i(inner))
        steps.append(("MELD(i) = round to 0.1, x 10", int(meld_i)))
    if meld_i <= _MELD_NA_THRESHOLD:
        steps.append(("sodium term", "MELD(i) <= 11: not applied"))
        value = _half_up(meld_i)
        steps.append(("MELD-Na = round half up", value))
        return ScoreDetails(score="MELD-Na", value=value, steps=tuple(steps), missing=(),
                            source=source)  # fmt: skip
    if sodium is None:
        return _sodium_unknown(steps, source)
    bounded = min(max(sodium, _NA_LOW), _NA_HIGH)
    deficit = CTX.subtract(_NA_HIGH, bounded)
    # Exact in Decimal: 1.32 x (137 - Na) - 0.033 x MELD(i) x (137 - Na).
    raw = CTX.add(
        meld_i,
        CTX.subtract(
            CTX.multiply(Decimal("1.32"), deficit),
            CTX.multiply(CTX.multiply(Decimal("0.033"), meld_i), deficit),
        ),
    )
    value = _half_up(raw)
    steps += [
        ("sodium_used (125-137)", bounded),
        ("137 - sodium", deficit),
        ("MELD(i) + 1.32 x (137 - Na) - 0.033 x MELD(i) x (137 - Na)", shown(raw)),
        ("MELD-Na = round half up", value),
    ]
    if value > _MELD_CAP:
        steps.append(("cap", f"{value} > 40: capped at 40"))
    return ScoreDetails(
        score="MELD-Na", value=min(value, _MELD_CAP), steps=tuple(steps), missing=(),
        source=source,
    )  # fmt: skip


def meld_na(
    labs: Labs, *, variant: MeldNaVariant = "optn2016", protocol: Protocol = NCT04822922
) -> int | None:
    """MELD-Na (§7.6) of *variant*, or ``None`` if a needed fact is unknown.

    ``"optn2016"`` (default; OPTN policy 2016, read literally): if MELD(i) > 11, MELD(i) +
    1.32 x (137 - Na) - 0.033 x MELD(i) x (137 - Na), sodium bounded to 125-137, rounded half
    up, capped at 40; otherwise MELD(i), and sodium is not needed. ``"optn2016_unrounded"``
    and ``"kim2008"`` are the other readings (see :func:`meld_na_details`).

    >>> labs = Labs(bilirubin_mg_dl=Decimal("1.5"), inr=Decimal("1.5"), renal_replacement=False,
    ...             creatinine_mg_dl=Decimal(1), sodium_mmol_l=Decimal(135))
    >>> meld_na(labs), meld_na(labs, variant="optn2016_unrounded"), meld_na(labs, variant="kim2008")
    (15, 14, 16)
    """
    value = meld_na_details(labs, variant=variant, protocol=protocol).value
    return None if value is None else int(value)


@exact
def meld_3_details(
    labs: Labs, sex: Sex | None, *, protocol: Protocol = NCT04822922
) -> ScoreDetails:
    """MELD 3.0 (Kim 2021) with bounded inputs and every term (§7.6).

    MELD 3.0 = 1.33 (female) + 4.56 ln bili + 0.82 (137 - Na) - 0.24 (137 - Na) ln bili
    + 9.09 ln INR + 11.14 ln Cr + 1.85 (3.5 - alb) - 1.83 (3.5 - alb) ln Cr + 6, with bili, INR,
    Cr >= 1.0; Cr <= 3.0 (3.0 on renal replacement); Na 125-137; albumin 1.5-3.5 g/dL; rounded
    half up; capped at 40 as OPTN allocation does (docs/protocol.md §7.6).
    """
    check_protocol(protocol)
    check_labs(labs)
    if sex is not None and not isinstance(sex, Sex):
        raise InvalidValueError("sex", sex, "must be a Sex or None (§9)")
    creatinine, cr_rule, missing_cr = _bounded_creatinine(labs, _MELD3_CR_MAX)
    missing = list(missing_cr)
    wanted = (
        ("labs.bilirubin_mg_dl", labs.bilirubin_mg_dl),
        ("labs.inr", labs.inr),
        ("labs.sodium_mmol_l", labs.sodium_mmol_l),
        ("labs.albumin_g_dl", labs.albumin_g_dl),
        ("sex", sex),
    )
    missing += [path for path, value in wanted if value is None]
    steps: list[tuple[str, Figure]] = [
        ("sex", None if sex is None else sex.value),
        ("creatinine_mg_dl", labs.creatinine_mg_dl),
        ("renal_replacement", labs.renal_replacement),
        ("bilirubin_mg_dl", labs.bilirubin_mg_dl),
        ("inr", labs.inr),
        ("sodium_mmol_l", labs.sodium_mmol_l),
        ("albumin_g_dl", labs.albumin_g_dl),
        ("creatinine_used", creatinine),
        ("creatinine_rule", cr_rule),
    ]
    if (
        missing
        or creatinine is None
        or labs.bilirubin_mg_dl is None
        or labs.inr is None
        or labs.sodium_mmol_l is None
        or labs.albumin_g_dl is None
    ):
        return ScoreDetails(
            score="MELD 3.0", value=None, steps=tuple(steps), missing=tuple(missing),
            source=SOURCE_MELD_3,
        )  # fmt: skip
    bili = _floor_one(labs.bilirubin_mg_dl)
    inr = _floor_one(labs.inr)
    sodium = min(max(labs.sodium_mmol_l, _NA_LOW), _NA_HIGH)
    albumin = min(max(labs.albumin_g_dl, _ALB_LOW), _ALB_HIGH)
    ln_bili, ln_inr, ln_cr = _ln(bili), _ln(inr), _ln(creatinine)
    na_gap = CTX.subtract(_NA_HIGH, sodium)
    alb_gap = CTX.subtract(_ALB_HIGH, albumin)
    terms = (
        ("1.33 x female", Decimal("1.33") if sex is Sex.FEMALE else Decimal(0)),
        ("4.56 x ln(bilirubin)", _term("4.56", ln_bili)),
        ("0.82 x (137 - Na)", CTX.multiply(Decimal("0.82"), na_gap)),
        (
            "-0.24 x (137 - Na) x ln(bilirubin)",
            _term("0.24", CTX.multiply(na_gap, ln_bili), negate=True),
        ),
        ("9.09 x ln(INR)", _term("9.09", ln_inr)),
        ("11.14 x ln(creatinine)", _term("11.14", ln_cr)),
        ("1.85 x (3.5 - albumin)", CTX.multiply(Decimal("1.85"), alb_gap)),
        (
            "-1.83 x (3.5 - albumin) x ln(creatinine)",
            _term("1.83", CTX.multiply(alb_gap, ln_cr), negate=True),
        ),
        ("constant", Decimal(6)),
    )
    total = Decimal(0)
    for _, term in terms:
        total = CTX.add(total, term)
    value = _half_up(total)
    steps += [
        ("bilirubin_used", bili),
        ("inr_used", inr),
        ("sodium_used (125-137)", sodium),
        ("albumin_used (1.5-3.5)", albumin),
    ]
    steps += [(name, shown(term)) for name, term in terms]
    steps += [("sum", shown(total)), ("MELD 3.0 = round half up", value)]
    if value > _MELD_CAP:
        steps.append(("cap", f"{value} > 40: capped at 40"))
    return ScoreDetails(
        score="MELD 3.0", value=min(value, _MELD_CAP), steps=tuple(steps), missing=(),
        source=SOURCE_MELD_3,
    )  # fmt: skip


def meld_3(labs: Labs, sex: Sex | None, *, protocol: Protocol = NCT04822922) -> int | None:
    """MELD 3.0 (Kim 2021; §7.6), an integer 6-40, or ``None`` if a needed fact is unknown.

    >>> meld_3(Labs(bilirubin_mg_dl=Decimal("2.5"), inr=Decimal("1.5"), renal_replacement=False,
    ...             creatinine_mg_dl=Decimal("1.2"), sodium_mmol_l=Decimal(135),
    ...             albumin_g_dl=Decimal(3)), Sex.MALE)   # sum 17.853
    18
    """
    value = meld_3_details(labs, sex, protocol=protocol).value
    return None if value is None else int(value)
