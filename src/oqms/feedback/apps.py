from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "oqms.feedback"
    label = "feedback"
    verbose_name = _("Voice of the customer")

    def ready(self) -> None:
        from django.db.models.signals import post_save

        from oqms.workorders.models import WorkOrder

        post_save.connect(_closed, sender=WorkOrder, dispatch_uid="oqms-feedback-survey-trigger")


def _closed(sender: object, instance: object, raw: bool = False, **kwargs: object) -> None:
    """A work order saved as closed: invite its requester if a survey trigger takes it (idempotent)."""
    if raw or getattr(instance, "status", None) != "closed":
        return
    from oqms.feedback import surveys

    surveys.on_work_order_closed(instance)
