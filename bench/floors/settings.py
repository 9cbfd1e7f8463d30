"""Shinsa's settings plus the floors app and a URLconf that serves both."""

from governance.settings import *  # noqa: F403

INSTALLED_APPS = [*INSTALLED_APPS, "bench.floors"]  # noqa: F405
ROOT_URLCONF = "bench.floors.urls"
ALLOWED_HOSTS = ["*"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
