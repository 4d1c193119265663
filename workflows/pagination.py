from django.core.paginator import Paginator

PAGE_SIZE = 25


def paginate(request, queryset, per_page=PAGE_SIZE, *, ids_first=False):
    """One page of ``queryset`` and the query string that keeps the current filters.

    With ``ids_first`` the page's primary keys are chosen on the bare table (its index
    and a top-N sort) and only those rows are then read with their relations: a queue
    of thousands of tasks joins 25 rows, not every candidate before sorting.
    """
    if ids_first:
        page = Paginator(queryset.values_list("pk", flat=True), per_page).get_page(
            request.GET.get("page")
        )
        ids = list(page.object_list)
        rows = queryset.order_by().in_bulk(ids) if ids else {}
        page.object_list = [rows[pk] for pk in ids if pk in rows]
    else:
        page = Paginator(queryset, per_page).get_page(request.GET.get("page"))
    params = request.GET.copy()
    params.pop("page", None)
    return {"page": page, "filters": request.GET, "querystring": params.urlencode()}
