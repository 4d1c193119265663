"""Object permissions (territory) for ``user.has_perm(perm, obj)``, asked directly."""

from guardian.backends import ObjectPermissionBackend as GuardianBackend
from guardian.backends import check_support
from guardian.ctypes import get_content_type
from guardian.models import GroupObjectPermission, UserObjectPermission


class ObjectPermissionBackend(GuardianBackend):
    """guardian's backend, answering one permission on one object with one EXISTS query.

    guardian reads every permission the person holds on the object, by user and by
    group, through a checker made anew for each call: about a quarter of starting a
    process (``bench/http.py``). The answers are the same (a test compares them): the
    generic permission rows of the user, else of their groups; inactive people hold
    nothing and superusers everything.
    """

    def has_perm(self, user_obj, perm, obj=None):
        support, user_obj = check_support(user_obj, obj)
        if not support:
            return False
        app_label, _dot, codename = perm.rpartition(".")
        content_type = get_content_type(obj)
        if app_label and app_label != content_type.app_label:
            return super().has_perm(user_obj, perm, obj)  # guardian's WrongAppError
        if not user_obj.is_active:
            return False
        if user_obj.is_superuser:
            return True
        rows = {
            "content_type": content_type,
            "object_pk": str(obj.pk),
            "permission__codename": codename,
        }
        return (
            UserObjectPermission.objects.filter(user=user_obj, **rows).exists()
            or GroupObjectPermission.objects.filter(group__user=user_obj, **rows).exists()
        )
