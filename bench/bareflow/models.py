from viewflow import jsonstore
from viewflow.workflow.models import Process


class BareOnboarding(Process):
    """The agreement's fields in viewflow's own process row (its JSON ``data``)."""

    municipality = jsonstore.CharField(max_length=150, blank=True)
    scope = jsonstore.CharField(max_length=250)
    commitments = jsonstore.TextField()
    start_date = jsonstore.DateField()
    end_date = jsonstore.DateField()
    contacts = jsonstore.TextField(blank=True)
    approved = jsonstore.BooleanField(default=False)

    class Meta:
        proxy = True
