from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from workflows.pagination import paginate
from workflows.redirects import safe_next

from . import services
from .forms import PreferencesForm
from .models import Delivery, Kind, Notification, Preference, Profile


@login_required
@require_safe
def notification_list(request):
    qs = Notification.objects.filter(recipient=request.user)
    if request.GET.get("unread") == "1":
        qs = qs.filter(read_at__isnull=True)
    return render(
        request, "notifications/list.html", paginate(request, qs.order_by("-created", "-pk"))
    )


@login_required
@require_POST
def notification_open(request, pk):
    """Mark read and follow the link."""
    notification = get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(request.user, [notification.pk])
    target = notification.url
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "notifications:list"
    return redirect(target or "notifications:list")


@login_required
@require_POST
def mark_read(request, pk):
    get_object_or_404(Notification, pk=pk, recipient=request.user)
    services.mark_read(request.user, [pk])
    return redirect(safe_next(request, "notifications:list"))


@login_required
@require_POST
def mark_all_read(request):
    count = services.mark_read(request.user)
    messages.success(request, _("%(count)d notifications marked as read.") % {"count": count})
    return redirect("notifications:list")


@login_required
def preferences(request):
    user = request.user
    current = {kind.value: Delivery.IMMEDIATE.value for kind in Kind}
    current.update(dict(Preference.objects.filter(user=user).values_list("kind", "delivery")))
    current["language"] = services.language_of(user)
    form = PreferencesForm(request.POST or None, initial=current)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            for kind in Kind:
                Preference.objects.update_or_create(
                    user=user, kind=kind.value, defaults={"delivery": form.cleaned_data[kind.value]}
                )
            Profile.objects.update_or_create(
                user=user, defaults={"language": form.cleaned_data["language"]}
            )
        messages.success(request, _("Preferences saved."))
        return redirect("notifications:preferences")
    return render(request, "notifications/preferences.html", {"form": form})
