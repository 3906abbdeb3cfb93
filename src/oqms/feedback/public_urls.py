from django.urls import path

from oqms.feedback import public

app_name = "public"
urlpatterns = [
    path("c/<str:token>/", public.follow, name="follow"),
    path("<str:token>/", public.feedback, name="feedback"),
]
