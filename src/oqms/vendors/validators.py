from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from oqms.engine.identifiers import uscc_problem

_MESSAGES = {
    "length": _("A unified social credit code has exactly 18 characters."),
    "characters": _(
        "A unified social credit code uses digits and the capital letters A-Y except I, O, S, V and Z, "
        "with digits in positions 3 to 8."
    ),
    "check": _("The check character (the 18th) does not match: the code has a typing error."),
}


def validate_uscc(value: str) -> None:
    problem = uscc_problem(value)
    if problem is not None:
        raise ValidationError(_MESSAGES[problem], code=f"uscc_{problem}")
