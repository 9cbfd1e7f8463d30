"""Shinsa's URLs, the bare views under /floor/ and the bare flow under /floor/flow/."""

from django.urls import path
from viewflow.workflow.flow import FlowViewset

from bench.floors import views
from bench.floors.flows import BareBudgetFlow
from governance.urls import urlpatterns as shinsa

urlpatterns = [
    path("floor/inbox/", views.inbox, name="floor_inbox"),
    path("floor/cases/", views.case_list, name="floor_cases"),
    path("floor/flow/", FlowViewset(BareBudgetFlow).urls),
    *shinsa,
]
