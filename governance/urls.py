from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _
from viewflow.contrib.auth import AuthViewset

from governance.site import site

admin.site.site_header = _("審査 Shinsa 管理")
admin.site.site_title = _("審査 Shinsa")

urlpatterns = [
    path("accounts/", AuthViewset(with_profile_view=False).urls),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path("", site.urls),
]
# MEDIA is never served as static files: documents and attachments are downloaded only
# through views that check the case's permission.
