from django.conf import settings

from .roles import Role, is_coordination_staff, user_roles


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    names = user_roles(user)
    return {
        "user_roles": names,
        "user_role_labels": [Role(name).label for name in names if name in Role.values],
        "is_coordination": is_coordination_staff(user),
        "is_auditor": Role.AUDITOR in names,
        "is_facilitator": Role.FACILITATOR in names,
    }


def site(request):
    """What the footer of every page links: where the source code is published."""
    return {"source_code_url": getattr(settings, "SOURCE_CODE_URL", "")}
