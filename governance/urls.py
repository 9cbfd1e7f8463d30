from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from django.views.i18n import set_language
from viewflow.contrib.auth import AuthViewset

from governance.org import second_factor
from governance.site import site

admin.site.site_header = _("審査 Shinsa 管理")
admin.site.site_title = _("審査 Shinsa")

handler403 = "governance.errors.permission_denied"

urlpatterns = [
    path("accounts/otp/verify/", second_factor.verify, name="otp_verify"),
    path("accounts/otp/setup/", second_factor.enrol, name="otp_enrol"),
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path("admin/", admin.site.urls),
    # The language switch is also on the login page, so it must work before signing in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The REST API (/api/v1/), its schema and docs (governance/api/urls.py).
    path("api/", include("governance.api.urls")),
    path("", site.urls),
]
# MEDIA is never served as static files: documents and attachments are downloaded only
# through views that check the case's permission.
