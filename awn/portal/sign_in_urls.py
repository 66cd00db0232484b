from django.urls import path

from . import sign_in

app_name = "sign_in"
urlpatterns = [
    path("code/", sign_in.code_start, name="code"),
    path("code/verify/", sign_in.code_verify, name="code_verify"),
    path("sign-up/", sign_in.sign_up_start, name="sign_up"),
    path("sign-up/verify/", sign_in.sign_up_verify, name="sign_up_verify"),
    path("oidc/", sign_in.oidc_start, name="oidc"),
    path("oidc/callback/", sign_in.oidc_callback, name="oidc_callback"),
]
