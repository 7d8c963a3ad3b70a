"""Sign-on addresses: CAS login and logout (LDAP uses the ordinary login form)."""

from django.urls import path

from qunguan.accounts import views

urlpatterns = [
    path("cas/login/", views.cas_login, name="cas_login"),
    path("cas/logout/", views.cas_logout, name="cas_logout"),
]
