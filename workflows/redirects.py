"""Where a page may send someone back to after a POST.

A ``next`` value comes from the browser, so anyone can put another site there and turn
our button into a link to a phishing page. It is followed only when it stays on this
host (and on HTTPS when the request came over HTTPS); otherwise the page's own default
is used. Every view that honours ``next`` asks here.
"""

from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme


def safe_next(request, default, *, field="next"):
    """The POST's (or else the query's) ``next`` when it is ours, or ``default`` resolved."""
    target = request.POST.get(field) or request.GET.get(field) or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(default)
