"""Network pages: the list, a network's community sections, proposing a network."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe
from django_fsm import TransitionNotAllowed

from workflows.models import Process
from workflows.roles import Role, has_role

from . import services
from .forms import (
    CommentForm,
    MemberForm,
    PostForm,
    ProposalForm,
    ResourceForm,
    SolutionForm,
)
from .models import Network, Post, PostComment, Resource, Solution


def _network(request, pk):
    network = get_object_or_404(Network.objects.select_related("theme", "specialist"), pk=pk)
    if not services.can_see_network(request.user, network):
        raise Http404
    return network


@require_safe
def network_list(request):
    networks = (
        services.visible_networks(request.user)
        .select_related("theme", "specialist")
        .order_by("name")
    )
    return render(
        request,
        "networks/network_list.html",
        {"networks": networks, "can_propose": has_role(request.user, Role.SPECIALIST)},
    )


@login_required
def propose(request):
    if not has_role(request.user, Role.SPECIALIST):
        raise PermissionDenied
    form = ProposalForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        network = services.propose(request.user, form.cleaned_data)
        messages.success(request, _("Network proposed; the coordination will review it."))
        return redirect(network)
    return render(request, "networks/propose.html", {"form": form})


@require_safe
def network_detail(request, pk):
    network = _network(request, pk)
    user = request.user
    private = services.sees_private_content(user, network)
    posts = services.visible_items(
        network.posts.filter(hidden=False), user, network
    ).select_related("author")
    activity = services.visible_items(network.activity.select_related("actor"), user, network)
    contribute = user.is_authenticated and services.can_contribute(user, network)
    return render(
        request,
        "networks/network_detail.html",
        {
            "network": network,
            "private": private,
            "activity": activity[:30],
            "posts": posts[:20],
            "solutions": services.visible_items(network.solutions.all(), user, network)[:50],
            "resources": services.visible_items(network.resources.all(), user, network)[:50],
            "members": network.memberships.select_related("user", "municipality")
            if private
            else [],
            "invitations": network.invitations.select_related("municipality") if private else [],
            "calendar": network.calendar.all() if private else [],
            "process": Process.for_subject(network) if private else None,
            "post_form": PostForm() if contribute else None,
            "solution_form": SolutionForm() if contribute else None,
            "resource_form": ResourceForm() if contribute else None,
            "may_moderate": user.is_authenticated and services.can_moderate(user, network),
            "can_change_state": user.is_authenticated and services.can_change_state(user, network),
            "member_form": MemberForm()
            if user.is_authenticated and services.can_moderate(user, network)
            else None,
        },
    )


@require_safe
def post_detail(request, pk):
    post = get_object_or_404(Post.objects.select_related("network", "author"), pk=pk)
    network = _network(request, post.network_id)
    if post.hidden or not (post.is_public or services.sees_private_content(request.user, network)):
        raise Http404
    comments = post.comments.select_related("author")
    may_moderate = request.user.is_authenticated and services.can_moderate(request.user, network)
    if not may_moderate:
        comments = comments.filter(hidden=False)
    return render(
        request,
        "networks/post_detail.html",
        {
            "post": post,
            "network": network,
            # Sanitised when it was written (services.sanitise); safe to render as HTML.
            "body": mark_safe(post.body),  # noqa: S308
            "comments": comments,
            "comment_form": CommentForm()
            if request.user.is_authenticated and services.can_contribute(request.user, network)
            else None,
            "may_moderate": may_moderate,
        },
    )


@require_safe
def solution_detail(request, pk):
    solution = get_object_or_404(Solution.objects.select_related("network", "case"), pk=pk)
    network = _network(request, solution.network_id)
    if not (solution.is_public or services.sees_private_content(request.user, network)):
        raise Http404
    return render(
        request, "networks/solution_detail.html", {"solution": solution, "network": network}
    )


@require_safe
def resource_file(request, pk):
    resource = get_object_or_404(Resource.objects.select_related("network"), pk=pk)
    network = _network(request, resource.network_id)
    if not resource.file or not (
        resource.is_public or services.sees_private_content(request.user, network)
    ):
        raise Http404
    response = FileResponse(
        resource.file.open("rb"),
        as_attachment=True,
        filename=resource.file.name.rsplit("/", 1)[-1],
        content_type=resource.content_type or "application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def _fail(request, error):
    text = " ".join(error.messages) if hasattr(error, "messages") else str(error)
    messages.error(request, text)


@login_required
@require_POST
def add_post(request, pk):
    network = _network(request, pk)
    form = PostForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        post = services.add_post(
            network, request.user, data["title"], data["body"], data["is_public"]
        )
        return redirect("networks:post_detail", pk=post.pk)
    _fail(request, ValidationError([e for errors in form.errors.values() for e in errors]))
    return redirect(network)


@login_required
@require_POST
def add_comment(request, pk):
    post = get_object_or_404(Post.objects.select_related("network"), pk=pk)
    _network(request, post.network_id)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            services.add_post_comment(post, request.user, form.cleaned_data["text"])
        except ValidationError as error:
            _fail(request, error)
    else:
        _fail(request, ValidationError([e for errors in form.errors.values() for e in errors]))
    return redirect("networks:post_detail", pk=post.pk)


@login_required
@require_POST
def hide_post(request, pk):
    post = get_object_or_404(Post.objects.select_related("network"), pk=pk)
    _network(request, post.network_id)  # another network's post is not found, not forbidden
    services.hide(post, request.user, hidden=request.POST.get("hidden") != "0")
    return redirect(post.network)


@login_required
@require_POST
def hide_comment(request, pk):
    comment = get_object_or_404(PostComment.objects.select_related("post__network"), pk=pk)
    _network(request, comment.post.network_id)
    services.hide(comment, request.user, hidden=request.POST.get("hidden") != "0")
    return redirect("networks:post_detail", pk=comment.post_id)


@login_required
@require_POST
def add_solution(request, pk):
    network = _network(request, pk)
    form = SolutionForm(request.POST)
    if form.is_valid():
        try:
            solution = services.add_solution(network, request.user, form.cleaned_data)
        except ValidationError as error:
            _fail(request, error)
        else:
            return redirect("networks:solution_detail", pk=solution.pk)
    else:
        _fail(request, ValidationError([e for errors in form.errors.values() for e in errors]))
    return redirect(network)


@login_required
@require_POST
def add_resource(request, pk):
    network = _network(request, pk)
    form = ResourceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.add_resource(network, request.user, form.cleaned_data)
        except ValidationError as error:
            _fail(request, error)
        else:
            messages.success(request, _("Resource added."))
    else:
        _fail(request, ValidationError([e for errors in form.errors.values() for e in errors]))
    return redirect(network)


@login_required
@require_POST
def add_member(request, pk):
    from django.contrib.auth import get_user_model

    network = _network(request, pk)
    form = MemberForm(request.POST)
    if not form.is_valid():
        _fail(request, ValidationError([e for errors in form.errors.values() for e in errors]))
        return redirect(network)
    user = (
        get_user_model()
        .objects.filter(username=form.cleaned_data["username"], is_active=True)
        .first()
    )
    if user is None:
        messages.error(request, _("There is no active user with that name."))
        return redirect(network)
    services.add_member(network, request.user, user, form.cleaned_data["role"])
    messages.success(request, _("Member added."))
    return redirect(network)


@login_required
@require_POST
def change_state(request, pk, action):
    """The lead or the coordination pauses, resumes or closes an active network."""
    network = _network(request, pk)
    if action not in services.STATE_CHANGES:
        raise Http404
    try:
        services.change_state(
            network, user=request.user, action=action, comment=request.POST.get("comment", "")
        )
    except TransitionNotAllowed as error:  # the network's state does not allow it
        messages.error(request, str(error))
    else:
        messages.success(request, _("Network: %(state)s.") % {"state": network.get_state_display()})
    return redirect(network)
