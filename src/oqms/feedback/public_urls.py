from django.urls import path

from oqms.feedback import public

app_name = "public"
urlpatterns = [
    path("c/<str:token>/", public.follow, name="follow"),
    path("s/<str:token>/", public.survey, name="survey"),
    path("<str:token>/", public.feedback, name="feedback"),
]
