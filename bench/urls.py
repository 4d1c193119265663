from django.urls import path
from viewflow.workflow.flow import FlowViewset

from bench.bareflow.flows import BareOnboardingFlow
from pagg.urls import urlpatterns as pagg_urlpatterns

urlpatterns = [
    *pagg_urlpatterns,
    path("bare/", FlowViewset(BareOnboardingFlow).urls),
]
