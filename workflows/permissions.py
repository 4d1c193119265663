"""Who may take, act on and see work: the one place these rules live.

A task names a permission (from its role) and, for scoped roles, the object it
must be held on (its municipality). Candidates are users holding exactly that;
territory is data (django-guardian rows), never a check written in a view.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import Q
from django.utils.module_loading import import_string
from guardian.models import GroupObjectPermission, UserObjectPermission
from viewflow.workflow.status import STATUS

VIEW_ALL = "workflows.view_all_processes"
MANAGE_TASKS = "workflows.manage_tasks"


def _split(perm):
    app_label, codename = perm.split(".", 1)
    return app_label, codename


def scope_ids(user):
    """Ids of the scope objects (municipalities) the user acts for; None means all."""
    if not user.is_authenticated:
        return set()
    if user.is_superuser or user.has_perm(VIEW_ALL):
        return None
    cached = getattr(user, "_pagg_scope_ids", None)
    if cached is None:
        cached = set(import_string(settings.WORKFLOWS_SCOPE_RESOLVER)(user))
        user._pagg_scope_ids = cached
    return cached


def sees_everything(user):
    """Coordination staff, auditors and superusers read every process and its subject."""
    return user.is_authenticated and scope_ids(user) is None


def object_permission_pks(user, perm):
    """Primary keys (as strings) of objects where ``user`` holds ``perm``, directly or by group."""
    app_label, codename = _split(perm)
    by_user = UserObjectPermission.objects.filter(
        user=user, permission__codename=codename, permission__content_type__app_label=app_label
    ).values_list("object_pk", flat=True)
    by_group = GroupObjectPermission.objects.filter(
        group__user=user,
        permission__codename=codename,
        permission__content_type__app_label=app_label,
    ).values_list("object_pk", flat=True)
    return by_user.union(by_group)


def acting_permissions(perm):
    """The permissions that let a user take a task requiring ``perm`` on an object.

    ``settings.WORKFLOWS_ACTS_FOR`` names the roles that may act on behalf of
    another on the same object: a facilitator for the officers of their
    municipalities, say. Delegation is data here, not a check in a view.
    """
    return [perm, *getattr(settings, "WORKFLOWS_ACTS_FOR", {}).get(perm, [])]


def served_permissions(perm):
    """The task permissions that holding ``perm`` on an object lets a user take."""
    acts_for = getattr(settings, "WORKFLOWS_ACTS_FOR", {})
    return [perm, *(task_perm for task_perm, also in acts_for.items() if perm in also)]


def candidate_filter(user):
    """A Q over tasks that ``user`` may take, built from their permissions.

    Kept on the user object, like Django's own permission cache, so that a page
    asking twice (its list and its filter choices) reads the permissions once.
    """
    if not user.is_authenticated or not user.is_active:
        return Q(pk__in=[])
    cached = getattr(user, "_pagg_candidate_filter", None)
    if cached is None:
        cached = user._pagg_candidate_filter = _candidate_filter(user)
    return cached


def _candidate_filter(user):
    from .roles import scoped_role_permissions

    global_perms = [
        perm
        for perm in user.get_all_permissions()
        if perm not in scoped_role_permissions().values()
    ]
    condition = Q(owner_permission__in=global_perms, owner_permission_obj_pk__isnull=True)
    for perm in scoped_role_permissions().values():
        pks = list(object_permission_pks(user, perm))
        if pks:
            condition |= Q(
                owner_permission__in=served_permissions(perm), owner_permission_obj_pk__in=pks
            )
    return condition


def can_take(user, task):
    """May ``user`` be the owner of ``task`` (claim it, be assigned it)?"""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if not task.owner_permission:
        return False
    if task.owner_permission_obj_pk is None:
        return user.has_perm(task.owner_permission)
    obj = task.owner_permission_obj
    return obj is not None and any(
        user.has_perm(perm, obj) for perm in acting_permissions(task.owner_permission)
    )


def can_claim(user, task):
    return task.status == STATUS.NEW and task.owner_id is None and can_take(user, task)


def can_execute(user, task):
    return task.status in (STATUS.ASSIGNED, STATUS.STARTED) and task.owner_id == user.pk


def can_release(user, task):
    return task.status == STATUS.ASSIGNED and (task.owner_id == user.pk or can_manage(user))


def can_manage(user):
    return user.is_authenticated and user.has_perm(MANAGE_TASKS)


def candidates(task):
    """Users who could take ``task``."""
    User = get_user_model()
    if task.owner_permission_obj_pk is None:
        app_label, codename = _split(task.owner_permission)
        perm_q = Q(
            user_permissions__codename=codename,
            user_permissions__content_type__app_label=app_label,
        ) | Q(
            groups__permissions__codename=codename,
            groups__permissions__content_type__app_label=app_label,
        )
        return User.objects.filter(perm_q, is_active=True).distinct().order_by("username")
    codenames = [_split(perm)[1] for perm in acting_permissions(task.owner_permission)]
    ct = ContentType.objects.get_for_id(task.owner_permission_content_type_id)
    direct = UserObjectPermission.objects.filter(
        permission__codename__in=codenames, content_type=ct, object_pk=task.owner_permission_obj_pk
    ).values("user_id")
    via_group = GroupObjectPermission.objects.filter(
        permission__codename__in=codenames, content_type=ct, object_pk=task.owner_permission_obj_pk
    ).values("group_id")
    return (
        User.objects.filter(Q(pk__in=direct) | Q(groups__in=via_group), is_active=True)
        .distinct()
        .order_by("username")
    )


def process_filter(user):
    """A Q over processes ``user`` may read: all for coordination and audit, else scope or part."""
    ids = scope_ids(user)
    if ids is None:
        return Q()
    from .models import Task

    # Ownership as a semi-join, not a join: a process appears once, with no DISTINCT.
    owned = Task.objects.filter(owner=user).values("process_id")
    return Q(municipality_id__in=ids) | Q(pk__in=owned) | Q(started_by=user)


def can_view_process(user, process):
    ids = scope_ids(user)
    if ids is None:
        return True
    if process.municipality_id in ids or process.started_by_id == user.pk:
        return True
    return process.task_set.filter(owner=user).exists()


def task_visibility_filter(user):
    """Tasks a user may open: their own, those they may take, and those in their scope."""
    ids = scope_ids(user)
    if ids is None:
        return Q()
    return Q(owner=user) | candidate_filter(user) | Q(municipality_id__in=ids)


def can_view_task(user, task):
    """``task_visibility_filter`` for one task, asking only what this task needs.

    The person working on a task is answered without reading their territory, and
    otherwise the territory is read before the permissions the filter would build for
    every task (half the time of completing a task, measured by bench/http.py).
    """
    if not user.is_authenticated:
        return False
    if task.owner_id == user.pk:
        return True
    ids = scope_ids(user)
    if ids is None or task.municipality_id in ids:
        return True
    return can_take(user, task)


def candidates_for_tasks(tasks):
    """Candidates of many tasks at once: one query per permission, not per task."""
    User = get_user_model()
    result = {task.pk: [] for task in tasks}
    by_permission = {}
    for task in tasks:
        if task.owner_permission:
            by_permission.setdefault(task.owner_permission, []).append(task)
    for perm, group in by_permission.items():
        app_label, _codename = _split(perm)
        codenames = [_split(p)[1] for p in acting_permissions(perm)]
        scoped = [t for t in group if t.owner_permission_obj_pk is not None]
        unscoped = [t for t in group if t.owner_permission_obj_pk is None]
        if unscoped:
            holders = list(candidates(unscoped[0]))
            for task in unscoped:
                result[task.pk] = holders
        if scoped:
            pks = {t.owner_permission_obj_pk for t in scoped}
            pairs = set(
                UserObjectPermission.objects.filter(
                    permission__codename__in=codenames,
                    permission__content_type__app_label=app_label,
                    object_pk__in=pks,
                    user__is_active=True,
                ).values_list("object_pk", "user_id")
            )
            pairs |= set(
                GroupObjectPermission.objects.filter(
                    permission__codename__in=codenames,
                    permission__content_type__app_label=app_label,
                    object_pk__in=pks,
                    group__user__is_active=True,
                ).values_list("object_pk", "group__user")
            )
            users = User.objects.in_bulk({user_id for _pk, user_id in pairs})
            per_object = {}
            for obj_pk, user_id in sorted(pairs, key=lambda p: (p[0], users[p[1]].username)):
                per_object.setdefault(obj_pk, []).append(users[user_id])
            for task in scoped:
                result[task.pk] = per_object.get(task.owner_permission_obj_pk, [])
    return result
