"""Every URL pattern of the site, found by walking the resolver, made concrete with the world."""

import re

from django.urls import URLPattern, URLResolver, get_resolver


def patterns(resolver=None, prefix="", namespace=None):
    """(name, route, is_format_suffix) for every pattern, admin included."""
    resolver = resolver or get_resolver()
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            ns = pattern.namespace or namespace
            yield from patterns(pattern, prefix + str(pattern.pattern), ns)
        elif isinstance(pattern, URLPattern):
            name = f"{namespace}:{pattern.name}" if namespace and pattern.name else pattern.name
            route = prefix + str(pattern.pattern)
            yield name, route, "format" in pattern.pattern.regex.groupindex


def concrete(route, values):
    """Fill a route's parameters from ``values`` (by parameter name); '.json' for a format."""
    route = route.replace("^", "").replace("$", "").replace("\\.", ".")
    route = re.sub(r"\.\(\?P<format>[^)]*\)/\?", ".json", route)
    route = re.sub(r"<drf_format_suffix:format>", ".json", route)

    def fill(match):
        name = match.group("name")
        if name not in values:
            raise KeyError(f"no value for <{name}> in {route}")
        return str(values[name])

    route = re.sub(r"\(\?P<(?P<name>\w+)>(?:[^()]|\([^()]*\))*\)", fill, route)
    route = re.sub(r"<(?:\w+:)?(?P<name>\w+)>", fill, route)
    return "/" + route


def values(w, name):
    """The parameters of route ``name``, from region A's objects in the world."""
    from finance.models import Line

    common = {"fmt": "csv", "step": 1}
    by_prefix = {
        "workflows:task": {"pk": w.task_a.pk},
        "workflows:process": {"pk": w.process_a.pk},
        "workflows:sla": {"pk": w.sla.pk},
        "agreements:municipality_detail": {"pk": w.mun_a.pk},
        "agreements:contact_create": {"pk": w.mun_a.pk},
        "agreements:signed_document": {"pk": w.agreement_a.pk},
        "agreements:agreement_pdf": {"pk": w.agreement_a.pk},
        "agreements:agreement_change": {"pk": w.agreement_a.pk, "action": "suspend"},
        "notifications:": {"pk": w.notification.pk},
        "workflows:token_revoke": {"pk": w.api_token.pk},
        "reports:download": {"pk": w.report.pk},
        "finance:profile": {"code": w.mun_b.code},
        "finance:board": {"pk": w.period.pk},
        "finance:calendar": {"pk": w.period_published.pk},
        # The exploration pages read published data: A's published quarter.
        "finance:classifier": {
            "code": w.mun_a.code,
            "period": w.period_published.pk,
            "node": "4.01.00.00.00",
        },
        "finance:series": {"code": w.mun_a.code, "node": "4.01.01.01.00"},
        "finance:period_close": {"pk": w.period.pk},
        "finance:submission": {"pk": w.submission_a.pk},
        "finance:template": {"pk": w.submission_a.pk},
        "finance:upload": {"pk": w.upload_a.pk},
        "knowledge:case": {"pk": w.case_public.pk},
        "knowledge:systematise": {"pk": w.case_a.pk},
        "knowledge:autosave": {"pk": w.case_a.pk},
        "knowledge:add_evidence": {"pk": w.case_a.pk},
        "knowledge:revise": {"pk": w.case_public.pk},
        "knowledge:replication": {"pk": w.case_public.pk},
        "knowledge:comment": {"pk": w.case_public.pk},
        "knowledge:rate": {"pk": w.case_public.pk},
        "knowledge:moderate": {"pk": w.comment.pk},
        "knowledge:evidence_file": {"pk": w.evidence.pk},
        "staffing:position": {"pk": w.position.pk},
        # Before "staffing:candidate": its pk is the position's (a prefix would give the
        # candidate's, which only matched when both happened to have the same id).
        "staffing:candidate_add": {"pk": w.position.pk},
        "staffing:candidate": {"pk": w.candidate.pk},
        "staffing:invitation": {"pk": w.position.pk},
        "networks:network": {"pk": w.network.pk},
        "networks:add_post": {"pk": w.network.pk},
        "networks:add_solution": {"pk": w.network.pk},
        "networks:add_resource": {"pk": w.network.pk},
        "networks:add_member": {"pk": w.network.pk},
        "networks:change_state": {"pk": w.network.pk, "action": "pause"},
        "networks:post_detail": {"pk": w.post.pk},
        "networks:add_comment": {"pk": w.post.pk},
        "networks:hide_post": {"pk": w.post.pk},
        "networks:hide_comment": {"pk": w.post_comment.pk},
        "networks:solution": {"pk": w.solution.pk},
        "networks:resource": {"pk": w.resource.pk},
        "specialprojects:milestone_file": {"pk": w.milestone.pk},
        "specialprojects:": {"pk": w.project.pk, "action": "suspend"},
        "task-": {"pk": w.task_a.pk},
        "process-": {"pk": w.process_a.pk},
        "municipality-": {"pk": w.mun_a.pk},
        "agreement-": {"pk": w.agreement_a.pk},
        "finance-period-": {"pk": w.period.pk},
        "finance-classifier-": {"code": "4.02.01.01.00"},
        "finance-indicator-": {"pk": 0},
        "finance-line-": {"pk": Line.objects.order_by("pk").values_list("pk", flat=True).first()},
        "finance-submission-": {"pk": w.submission_a.pk},
        # Before "knowledge-case-": the cases at work are read against A's working case.
        "knowledge-case-file-": {"pk": w.case_a.pk},
        "knowledge-case-": {"pk": w.case_public.pk},
        "network-": {"pk": w.network.pk},
        "project-": {"pk": w.project.pk},
        "position-": {"pk": w.position.pk},
    }
    found = dict(common)
    for prefix, given in by_prefix.items():
        if name and name.startswith(prefix):
            found.update(given)
            break
    if name == "staffing:welcome":
        uidb64, token = w.welcome_path.rstrip("/").split("/")[-2:]
        found.update(uidb64=uidb64, token=token)
    return found
