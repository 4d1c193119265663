from django.urls import path

from . import views

app_name = "networks"

urlpatterns = [
    path("", views.network_list, name="network_list"),
    path("new/", views.propose, name="propose"),
    path("<int:pk>/", views.network_detail, name="network_detail"),
    path("<int:pk>/posts/", views.add_post, name="add_post"),
    path("<int:pk>/solutions/", views.add_solution, name="add_solution"),
    path("<int:pk>/resources/", views.add_resource, name="add_resource"),
    path("<int:pk>/members/", views.add_member, name="add_member"),
    path("<int:pk>/<str:action>/", views.change_state, name="change_state"),
    path("posts/<int:pk>/", views.post_detail, name="post_detail"),
    path("posts/<int:pk>/comments/", views.add_comment, name="add_comment"),
    path("posts/<int:pk>/hide/", views.hide_post, name="hide_post"),
    path("comments/<int:pk>/hide/", views.hide_comment, name="hide_comment"),
    path("solutions/<int:pk>/", views.solution_detail, name="solution_detail"),
    path("resources/<int:pk>/file/", views.resource_file, name="resource_file"),
]
