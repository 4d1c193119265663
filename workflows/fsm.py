"""django-fsm's ConcurrentTransitionMixin with a ``refresh_from_db`` that is safe in threads.

django-fsm lets ``refresh_from_db`` write a protected state field by switching the
field's ``protected`` flag off *on the model class* for a moment: another thread
refreshing another instance then (gunicorn threads, a reminder sweep beside a
completion) fails with "Direct state modification is not allowed" when the first
switches it back. Here only the instance being refreshed lets the value in: the
descriptor accepts a value the instance does not hold yet.
"""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin as _ConcurrentTransitionMixin
from django_fsm import FSMFieldMixin


class ConcurrentTransitionMixin(_ConcurrentTransitionMixin):
    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        concrete = self._meta.concrete_fields
        if fields is None:
            deferred = self.get_deferred_fields()
            load = [f.attname for f in concrete if f.attname not in deferred]
        else:
            load = list(fields)
        protected = {f.attname for f in concrete if isinstance(f, FSMFieldMixin) and f.protected}
        held = {
            name: self.__dict__.pop(name) for name in protected & set(load) if name in self.__dict__
        }
        try:
            models.Model.refresh_from_db(
                self, using=using, fields=load, from_queryset=from_queryset
            )
        except Exception:
            self.__dict__.update(held)
            raise
        if fields is None:  # what Model.refresh_from_db clears when reloading everything
            self._prefetched_objects_cache = {}
            for relation in self._meta.related_objects:
                if relation.is_cached(self):
                    relation.delete_cached_value(self)
        self._update_initial_state()


class ReviewCycle(models.Model):
    """A subject a reviewer approves, or returns saying what must change.

    The reviewer's words of the last decision stay on the subject, so returned work comes
    back with them on its page; sending the work again clears them. Each model declares
    its own review transitions (its states differ) and calls these from their bodies.
    """

    review_comment = models.TextField(_("reviewer's comments"), blank=True)

    class Meta:
        abstract = True

    def sent_for_review(self):
        self.review_comment = ""

    def returned_for_changes(self, comment):
        if not (comment or "").strip():
            raise ValidationError({"comment": _("Say what must change when returning.")})
        self.review_comment = comment

    def approved(self, comment):
        self.review_comment = comment
