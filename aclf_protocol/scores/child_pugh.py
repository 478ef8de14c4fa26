"""Child-Pugh (Pugh 1973; SPEC §7.8 *v2*): five items of 1-3 points, class A, B or C.

Each lab item is a :class:`~aclf_protocol.scores._organs.Scale` with its cut-offs, written
once; the encephalopathy item is the West Haven scale of the brain (§7.2 has the same bands,
0 / 1-2 / 3-4); ascites is read from ``labs.ascites``. Thresholds are compared exactly in
``Decimal`` (§7.1), so 34.2 µmol/L bilirubin *is* 2 mg/dL. With unknown items the points are
open, but the class is reported whenever every completion of the unknowns gives the same one
(as for the ACLF grade, §7.4).

>>> from decimal import Decimal
>>> labs = Labs(bilirubin_mg_dl=Decimal("2.5"), albumin_g_dl=Decimal("3.0"),
...             inr=Decimal("1.5"), ascites=Ascites.SLIGHT, he_grade=0)
>>> child_pugh(labs), child_pugh_class(labs)
(8, 'B')
>>> far_gone = Labs(bilirubin_mg_dl=Decimal(5), albumin_g_dl=Decimal("2.1"), inr=Decimal(3))
>>> child_pugh(far_gone), child_pugh_class(far_gone)   # 9 points known, 2 items unknown
(None, 'C')
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

import attrs

from aclf_protocol._exact import exact
from aclf_protocol.patient import Ascites, Labs
from aclf_protocol.protocol import NCT04822922, Protocol
from aclf_protocol.scores._common import check_labs, check_protocol
from aclf_protocol.scores._organs import BRAIN, Scale, above, at_least, at_most, below

__all__ = [
    "CHILD_PUGH_ITEMS",
    "SOURCE_CHILD_PUGH",
    "ChildPughDetails",
    "ChildPughItem",
    "child_pugh",
    "child_pugh_class",
    "child_pugh_details",
]

SOURCE_CHILD_PUGH = (
    "Child-Pugh: Pugh RNH et al., Br J Surg 1973;60:646-9, with INR for prothrombin time "
    "(SPEC §7.8)"
)

# --- §7.8, one scale per lab item: 1, 2 or 3 points for its bands; both ends of each middle
# band inclusive.
_BILIRUBIN = Scale(
    lab="bilirubin_mg_dl",
    name="bilirubin",
    unit=" mg/dL",
    cuts=(at_least("2"), above("3")),
    shows_band=True,
)
_ALBUMIN = Scale(
    lab="albumin_g_dl",
    name="albumin",
    unit=" g/dL",
    cuts=(at_most("3.5"), below("2.8")),
    shows_band=True,
)
_INR = Scale(lab="inr", name="INR", cuts=(at_least("1.7"), above("2.3")), shows_band=True)
#: §7.8 grades encephalopathy 0 / 1-2 / 3-4, the bands of the §7.2 brain scale.
(_ENCEPHALOPATHY,) = BRAIN.scales

_ASCITES_POINTS: Mapping[Ascites, int] = MappingProxyType(
    {Ascites.NONE: 1, Ascites.SLIGHT: 2, Ascites.MODERATE: 3}
)
_ASCITES_WORDS: Mapping[Ascites, str] = MappingProxyType(
    {
        Ascites.NONE: "no ascites",
        Ascites.SLIGHT: "slight ascites",
        Ascites.MODERATE: "moderate or severe ascites",
    }
)

#: The items in the order of Pugh's table, by name, with the scale that scores each (``None``:
#: ascites, scored from ``labs.ascites``).
_ITEMS: tuple[tuple[str, Scale | None], ...] = (
    ("bilirubin", _BILIRUBIN),
    ("albumin", _ALBUMIN),
    ("inr", _INR),
    ("ascites", None),
    ("encephalopathy", _ENCEPHALOPATHY),
)
#: §7.8: the names of the five items, in the order of Pugh's table.
CHILD_PUGH_ITEMS = tuple(name for name, _ in _ITEMS)

#: §7.8: each class from its lowest points: A 5-6, B 7-9, C 10-15.
_CLASSES = (("A", 5), ("B", 7), ("C", 10))
_LOWEST, _HIGHEST = 1, 3  # the points of one item


@attrs.frozen(kw_only=True)
class ChildPughItem:
    """One item of Child-Pugh and its points (§7.8).

    Attributes:
        item: Its name ("bilirubin", "albumin", "inr", "ascites", "encephalopathy").
        points: 1-3, or ``None`` when its fact is unknown.
        path: The record path of that fact (``labs.ascites``).
        reason: The fact in words, with its band ("bilirubin 2.5 mg/dL 2-3").
    """

    item: str
    points: int | None
    path: str
    reason: str

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record of this item."""
        return {"item": self.item, "points": self.points, "path": self.path, "reason": self.reason}


@attrs.frozen(kw_only=True)
class ChildPughDetails:
    """Child-Pugh points and class with the working (§7.8).

    Attributes:
        items: One :class:`ChildPughItem` per item, in the order of Pugh's table.
        points: 5-15, or ``None`` while an item is unknown (also as ``value``).
        lowest_points, highest_points: The range the points can still take.
        possible_classes: The classes the known items still allow ("A", "B", "C").
        child_pugh_class: The class when only one is possible, else ``None``.
        reason: The class and points in words, each item's fact and points.
        missing: Record paths of the unknown facts that could change the class (empty once
            it is decided).
    """

    items: tuple[ChildPughItem, ...]
    points: int | None
    lowest_points: int
    highest_points: int
    possible_classes: tuple[str, ...]
    child_pugh_class: str | None
    reason: str
    missing: tuple[str, ...]
    source: str = SOURCE_CHILD_PUGH

    @property
    def value(self) -> int | None:
        """What :func:`child_pugh` returns: the points, or ``None`` while open."""
        return self.points

    @property
    def item_points(self) -> Mapping[str, int | None]:
        """Item name -> points (``None`` when unknown), read-only, in table order."""
        return MappingProxyType({i.item: i.points for i in self.items})

    def explain(self) -> str:
        """One line per item, then the class and its source, for a clinician to check."""
        lines = [f"{i.item}: {'unknown' if i.points is None else i.points} ({i.reason})"
                 for i in self.items]  # fmt: skip
        lines += [self.reason, f"source: {self.source}"]
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-compatible record of every figure."""
        return {
            "items": [i.to_dict() for i in self.items],
            "points": self.points,
            "lowest_points": self.lowest_points,
            "highest_points": self.highest_points,
            "possible_classes": list(self.possible_classes),
            "child_pugh_class": self.child_pugh_class,
            "reason": self.reason,
            "missing": list(self.missing),
            "source": self.source,
        }


def _item(labs: Labs, name: str, scale: Scale | None) -> ChildPughItem:
    if scale is None:
        ascites = labs.ascites
        if ascites is None:
            return ChildPughItem(item=name, points=None, path="labs.ascites",
                                 reason="ascites unknown")  # fmt: skip
        return ChildPughItem(
            item=name,
            points=_ASCITES_POINTS[ascites],
            path="labs.ascites",
            reason=_ASCITES_WORDS[ascites],
        )
    value = scale.value(labs)
    if value is None:
        return ChildPughItem(item=name, points=None, path=scale.path,
                             reason=f"{scale.unknown_name} unknown")  # fmt: skip
    return ChildPughItem(
        item=name, points=scale.band(value) + _LOWEST, path=scale.path, reason=scale.words(value)
    )


def _class_of(points: int) -> str:
    return [name for name, lowest in _CLASSES if points >= lowest][-1]


def _or_list(words: list[str]) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} or {words[-1]}"


@exact
def child_pugh_details(labs: Labs, *, protocol: Protocol = NCT04822922) -> ChildPughDetails:
    """Child-Pugh points and class, each item's points and what is missing (§7.8).

    Unknown items may score 1, 2 or 3 each, so the points can be anything from the lowest to
    the highest total; the class is the one every total in that range gives, or open.

    >>> from decimal import Decimal
    >>> d = child_pugh_details(Labs(bilirubin_mg_dl=Decimal(3), albumin_g_dl=Decimal("2.8"),
    ...                             inr=Decimal("1.7"), he_grade=1))
    >>> print(d.explain())
    bilirubin: 2 (bilirubin 3 mg/dL 2-3)
    albumin: 2 (albumin 2.8 g/dL 2.8-3.5)
    inr: 2 (INR 1.7 1.7-2.3)
    ascites: unknown (ascites unknown)
    encephalopathy: 2 (West Haven HE grade 1)
    Child-Pugh class B or C still possible, 9-11 points (not yet known: labs.ascites)
    source: Child-Pugh: Pugh RNH et al., Br J Surg 1973;60:646-9, ...
    >>> d.possible_classes, d.child_pugh_class, d.missing
    (('B', 'C'), None, ('labs.ascites',))
    """
    check_protocol(protocol)
    check_labs(labs)
    items = tuple(_item(labs, name, scale) for name, scale in _ITEMS)
    known = sum(i.points for i in items if i.points is not None)
    unknown = [i for i in items if i.points is None]
    lowest = known + _LOWEST * len(unknown)
    highest = known + _HIGHEST * len(unknown)
    # Each unknown item takes 1, 2 or 3 on its own, so every total in between is reached.
    classes = tuple(sorted({_class_of(p) for p in range(lowest, highest + 1)}))
    decided = len(classes) == 1
    missing = () if decided else tuple(i.path for i in unknown)
    if not unknown:
        reason = f"Child-Pugh class {classes[0]}, {known} points"
    elif decided:
        reason = (
            f"Child-Pugh class {classes[0]} whatever the unknown items, {lowest}-{highest} "
            f"points ({', '.join(i.reason for i in unknown)})"
        )
    else:
        reason = (
            f"Child-Pugh class {_or_list(list(classes))} still possible, {lowest}-{highest} "
            f"points (not yet known: {', '.join(missing)})"
        )
    return ChildPughDetails(
        items=items,
        points=None if unknown else known,
        lowest_points=lowest,
        highest_points=highest,
        possible_classes=classes,
        child_pugh_class=classes[0] if decided else None,
        reason=reason,
        missing=missing,
    )


def child_pugh(labs: Labs, *, protocol: Protocol = NCT04822922) -> int | None:
    """Child-Pugh points 5-15, or ``None`` while an item is unknown (§7.8).

    1, 2 or 3 points each for bilirubin (< 2 / 2-3 / > 3 mg/dL), albumin (> 3.5 / 2.8-3.5 /
    < 2.8 g/dL), INR (< 1.7 / 1.7-2.3 / > 2.3), ascites (none / slight / moderate or severe)
    and hepatic encephalopathy (West Haven grade 0 / 1-2 / 3-4).

    >>> from decimal import Decimal
    >>> child_pugh(Labs(bilirubin_mg_dl=Decimal("1.9"), albumin_g_dl=Decimal("3.6"),
    ...                 inr=Decimal("1.69"), ascites=Ascites.NONE, he_grade=0))
    5
    >>> child_pugh(Labs(bilirubin_mg_dl=Decimal("1.9")))   # four items unknown
    """
    return child_pugh_details(labs, protocol=protocol).points


def child_pugh_class(labs: Labs, *, protocol: Protocol = NCT04822922) -> str | None:
    """Child-Pugh class "A" (5-6 points), "B" (7-9) or "C" (10-15), or ``None`` (§7.8).

    With unknown items, the class that every completion of them gives, if there is one.

    >>> from decimal import Decimal
    >>> child_pugh_class(Labs(bilirubin_mg_dl=Decimal("51.3") / Decimal("17.1"),  # 3 mg/dL
    ...   albumin_g_dl=Decimal(3), inr=Decimal(2), ascites=Ascites.SLIGHT, he_grade=2))
    'C'
    >>> child_pugh_class(Labs(albumin_g_dl=Decimal(4)))   # 5-13 points: A, B or C
    """
    return child_pugh_details(labs, protocol=protocol).child_pugh_class
