"""Signals of the evaluation, for the layers above (settlements, consequences) to act on."""

from django.dispatch import Signal

# A scorecard was computed or recomputed (kwargs: scorecard). Its results are saved.
scorecard_computed = Signal()
# A scorecard was approved by the quality manager (kwargs: scorecard, user). Sent inside the approval's
# transaction: a receiver that fails undoes the approval.
scorecard_approved = Signal()
