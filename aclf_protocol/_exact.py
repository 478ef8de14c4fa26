"""The library's own decimal context, so no result depends on the caller's (SPEC §0 *v2*).

``Decimal`` operators read the calling thread's context: a host whose context has ``prec=3``
or traps ``Inexact`` would change or break our arithmetic. Every public function doing
decimal arithmetic runs under :data:`EXACT` instead, by decorating it with :func:`exact`.

>>> import decimal
>>> from decimal import Decimal
>>> @exact
... def third() -> Decimal:
...     return Decimal(1) / Decimal(3)
>>> with decimal.localcontext(decimal.Context(prec=3, traps=[decimal.Inexact])):
...     str(third())[:12]
'0.3333333333'
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from decimal import (
    MAX_EMAX,
    MIN_EMIN,
    ROUND_HALF_EVEN,
    Context,
    DivisionByZero,
    InvalidOperation,
    Overflow,
    localcontext,
)
from typing import ParamSpec, TypeVar

__all__ = ["EXACT", "exact"]

P = ParamSpec("P")
R = TypeVar("R")

#: Python's default precision and rounding, the widest exponents (1e9999999 µmol/L reaches a
#: range check instead of raising Overflow), and only the traps that signal a real error.
EXACT = Context(
    prec=28,
    rounding=ROUND_HALF_EVEN,
    Emax=MAX_EMAX,
    Emin=MIN_EMIN,
    traps=[InvalidOperation, DivisionByZero, Overflow],
)


def exact(func: Callable[P, R]) -> Callable[P, R]:
    """*func* run under :data:`EXACT`, whatever the caller's decimal context."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        with localcontext(EXACT):
            return func(*args, **kwargs)

    return wrapper
