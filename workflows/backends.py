"""Object permissions (territory) for ``user.has_perm(perm, obj)``, asked directly."""

from functools import cache

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.db import connection
from guardian.backends import ObjectPermissionBackend as GuardianBackend
from guardian.backends import check_support
from guardian.ctypes import get_content_type
from guardian.models import GroupObjectPermission, UserObjectPermission


class ObjectPermissionBackend(GuardianBackend):
    """guardian's backend, answering one permission on one object with one query.

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
        with connection.cursor() as cursor:
            row = [user_obj.pk, content_type.pk, str(obj.pk), codename]
            cursor.execute(_held_sql(), row * 2)
            return bool(cursor.fetchone()[0])


@cache
def _held_sql():
    """Whether the person holds the permission on the object, by user or by a group.

    Written out: compiling the two ORM queries was most of a check's time, and a
    process start makes two (docs/performance.md).
    """
    permissions = Permission._meta.db_table
    memberships = get_user_model().groups.through._meta.db_table
    return (
        f"SELECT EXISTS (SELECT 1 FROM {UserObjectPermission._meta.db_table} u"
        f" JOIN {permissions} p ON p.id = u.permission_id WHERE u.user_id = %s"
        " AND u.content_type_id = %s AND u.object_pk = %s AND p.codename = %s)"
        f" OR EXISTS (SELECT 1 FROM {GroupObjectPermission._meta.db_table} g"
        f" JOIN {permissions} p ON p.id = g.permission_id"
        f" JOIN {memberships} m ON m.group_id = g.group_id WHERE m.user_id = %s"
        " AND g.content_type_id = %s AND g.object_pk = %s AND p.codename = %s)"
    )
