from django.contrib.auth import views as auth_views
from django.urls import path

from oqms.accounts import views
from oqms.accounts.ui import UserUI

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password/", views.PasswordChangeView.as_view(), name="password_change"),
    path("profile/", views.profile, name="profile"),
    path("profile/tokens/<int:pk>/revoke/", views.revoke_token, name="token_revoke"),
    *UserUI.urls(),
]
