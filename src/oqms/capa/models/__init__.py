from oqms.capa.models.nonconformance import Category, DueRule, Evidence, Nonconformance
from oqms.capa.models.scar import ActionItem, CorrectiveAction, ScarComment, ScarEvent

__all__ = [
    "ActionItem",
    "Category",
    "CorrectiveAction",
    "DueRule",
    "Evidence",
    "Nonconformance",
    "ScarComment",
    "ScarEvent",
]
