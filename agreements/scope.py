"""Territorial scope: which municipalities a user acts for.

Scope is granted and revoked only by the services here, as django-guardian
object permissions. A region scope is recorded on the region and expanded to
its municipalities, so that every check is the same per-municipality lookup.
"""

from django.db import transaction
from guardian.shortcuts import assign_perm, get_objects_for_user, remove_perm

from workflows import audit

from .models import Municipality, Region

FACILITATE = "agreements.facilitate_municipality"
REPRESENT = "agreements.represent_municipality"
FACILITATE_REGION = "agreements.facilitate_region"


def municipality_ids_for(user):
    """The engine's scope resolver (settings.WORKFLOWS_SCOPE_RESOLVER)."""
    return get_objects_for_user(
        user,
        [FACILITATE, REPRESENT],
        klass=Municipality,
        any_perm=True,
        accept_global_perms=False,
        with_superuser=False,
    ).values_list("pk", flat=True)


def holders(perm, municipalities):
    """{municipality id: ids of the active users holding ``perm`` on it}, in two queries.

    Direct grants and grants through a group both count, as in ``user.has_perm``.
    """
    from guardian.models import GroupObjectPermission, UserObjectPermission

    app_label, codename = perm.split(".", 1)
    ids = [str(m.pk) for m in municipalities]
    found = {m.pk: set() for m in municipalities}
    common = {
        "permission__codename": codename,
        "permission__content_type__app_label": app_label,
        "object_pk__in": ids,
    }
    pairs = UserObjectPermission.objects.filter(user__is_active=True, **common).values_list(
        "object_pk", "user_id"
    )
    pairs = list(pairs) + list(
        GroupObjectPermission.objects.filter(group__user__is_active=True, **common).values_list(
            "object_pk", "group__user"
        )
    )
    for object_pk, user_id in pairs:
        found[int(object_pk)].add(user_id)
    return found


def visible_municipalities(user):
    from workflows.permissions import scope_ids

    ids = scope_ids(user)
    qs = Municipality.objects.select_related("region", "facilitator")
    return qs if ids is None else qs.filter(pk__in=ids)


def facilitated_municipalities(user):
    return get_objects_for_user(
        user, FACILITATE, klass=Municipality, accept_global_perms=False, with_superuser=False
    )


def regions_of(user):
    return get_objects_for_user(
        user, FACILITATE_REGION, klass=Region, accept_global_perms=False, with_superuser=False
    )


def grant_facilitator_region(user, region, *, by=None):
    with transaction.atomic():
        assign_perm(FACILITATE_REGION, user, region)
        municipalities = list(region.municipalities.all())
        if municipalities:
            assign_perm(FACILITATE, user, municipalities)
        audit.record(
            "scope.granted",
            actor=by,
            subject=region,
            after={"user": user.get_username(), "role": "facilitator", "region": region.code},
        )


def revoke_facilitator_region(user, region, *, by=None):
    with transaction.atomic():
        remove_perm(FACILITATE_REGION, user, region)
        for municipality in region.municipalities.all():
            remove_perm(FACILITATE, user, municipality)
        audit.record(
            "scope.revoked",
            actor=by,
            subject=region,
            before={"user": user.get_username(), "role": "facilitator", "region": region.code},
        )


def grant_facilitator_municipality(user, municipality, *, by=None):
    with transaction.atomic():
        assign_perm(FACILITATE, user, municipality)
        audit.record(
            "scope.granted",
            actor=by,
            subject=municipality,
            after={"user": user.get_username(), "role": "facilitator"},
        )


def revoke_facilitator_municipality(user, municipality, *, by=None):
    with transaction.atomic():
        remove_perm(FACILITATE, user, municipality)
        audit.record(
            "scope.revoked",
            actor=by,
            subject=municipality,
            before={"user": user.get_username(), "role": "facilitator"},
        )


def grant_officer(user, municipality, *, by=None):
    """A municipal officer acts for exactly one municipality."""
    with transaction.atomic():
        for previous in get_objects_for_user(
            user, REPRESENT, klass=Municipality, accept_global_perms=False, with_superuser=False
        ):
            if previous.pk != municipality.pk:
                remove_perm(REPRESENT, user, previous)
        assign_perm(REPRESENT, user, municipality)
        audit.record(
            "scope.granted",
            actor=by,
            subject=municipality,
            after={"user": user.get_username(), "role": "municipal_officer"},
        )


def revoke_officer(user, municipality, *, by=None):
    with transaction.atomic():
        remove_perm(REPRESENT, user, municipality)
        audit.record(
            "scope.revoked",
            actor=by,
            subject=municipality,
            before={"user": user.get_username(), "role": "municipal_officer"},
        )


def scope_table(people):
    """Per person: the regions and municipalities they act for (three queries in all)."""
    from guardian.models import UserObjectPermission

    people = list(people)
    rows = {
        p.pk: {"user": p, "regions": [], "municipalities": [], "represents": []} for p in people
    }
    grants = UserObjectPermission.objects.filter(
        user_id__in=rows,
        permission__codename__in=[
            "facilitate_region",
            "facilitate_municipality",
            "represent_municipality",
        ],
    ).values_list("user_id", "permission__codename", "object_pk")
    regions = {str(r.pk): r for r in Region.objects.all()}
    municipality_pks = {pk for _u, codename, pk in grants if codename != "facilitate_region"}
    municipalities = {
        str(m.pk): m for m in Municipality.objects.filter(pk__in=municipality_pks).only("name")
    }
    region_members = set()
    for user_id, codename, pk in grants:
        if codename == "facilitate_region" and pk in regions:
            rows[user_id]["regions"].append(regions[pk])
            region_members.add((user_id, pk))
    in_region = {}
    for pk, region_id in Municipality.objects.filter(
        region_id__in={int(r) for _u, r in region_members}
    ).values_list("pk", "region_id"):
        in_region.setdefault(str(region_id), []).append(str(pk))
    covered = {
        (user_id, pk)
        for user_id, region_pk in region_members
        for pk in in_region.get(region_pk, [])
    }
    for user_id, codename, pk in grants:
        if codename == "facilitate_municipality" and (user_id, pk) not in covered:
            rows[user_id]["municipalities"].append(municipalities.get(pk))
        elif codename == "represent_municipality":
            rows[user_id]["represents"].append(municipalities.get(pk))
    return list(rows.values())
