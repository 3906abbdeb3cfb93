from django.urls import path

from oqms.dataio import views

app_name = "dataio"
urlpatterns = [
    path("imports/", views.jobs, name="jobs"),
    path("imports/<int:pk>/", views.job, name="job"),
    path("imports/<int:pk>/progress/", views.progress, name="progress"),
    path("imports/<int:pk>/problems.csv", views.problems, name="problems"),
]
