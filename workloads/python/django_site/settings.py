"""Settings of the contract's Django project: `django-admin startproject`'s, minus the database.

Kept from startproject's defaults, because a deployed Django pays for them on
every request: all seven middleware (security, sessions, common, CSRF, auth,
messages, clickjacking), with the apps they need, USE_I18N and USE_TZ.
Sessions, auth and messages are lazy: they touch storage only when a view
reads ``request.session``, ``request.user`` or the messages, which no
contract view does, so with ``DATABASES = {}`` any query would fail loudly
instead of being paid for silently. Dropped: the database, the admin (no
admin URLs), staticfiles and templates (nothing to serve or render) and the
password validators (no users).
https://docs.djangoproject.com/en/5.2/ref/settings/
"""

# A fixed key: nothing here is signed for anyone but the benchmark's own client.
SECRET_KEY = "concurrency-arena-benchmark-not-a-secret"
DEBUG = False
ALLOWED_HOSTS = ["127.0.0.1", "localhost", "[::1]"]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "workloads.python.django_site.urls"
WSGI_APPLICATION = "workloads.python.django_app.app"
DATABASES: dict = {}

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True
