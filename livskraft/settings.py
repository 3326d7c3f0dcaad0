"""Settings for Livskraft, read from the environment.

Development works with no environment at all: SQLite in the project folder and
DEBUG on. Production sets DEBUG=0, SECRET_KEY, ALLOWED_HOSTS and DATABASE_URL.
"""

import os
from decimal import Decimal
from pathlib import Path

import dj_database_url
import plotly
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

# Only for development: with DEBUG off the settings refuse to start on this key (below).
DEFAULT_SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}


def env_bool(name: str, default: bool) -> bool:
    """Return the environment variable as a boolean, refusing anything ambiguous."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0, true/false, yes/no, on/off; got {raw!r}.")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    """Return the environment variable as a whole number of at least minimum, refusing anything else."""
    raw = os.environ.get(name)
    if raw is None:
        return default
    try:
        number = int(raw.strip())
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number; got {raw!r}.") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}; got {number}.")
    return number


def env_list(name: str, default: str) -> list[str]:
    """Return a comma-separated environment variable as a list of stripped items."""
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
SECRET_KEY = os.environ.get("SECRET_KEY", DEFAULT_SECRET_KEY)
if not DEBUG and SECRET_KEY == DEFAULT_SECRET_KEY:
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off: refusing to start on the default key.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")

INSTALLED_APPS = [
    "core.adminsite.SuperuserAdminConfig",  # Django's admin, for superusers only
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "rest_framework",
    "drf_spectacular",
    "django_tasks",
    "django_tasks_db",
    "core",
    "livskraft",
    "indicators",
    "plans",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "core.compression.PublicCompressionMiddleware",
    "core.cache.PublicPageCacheMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "core.middleware.LanguageMiddleware",
    "core.middleware.RedirectMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "core.middleware.PrivatePagesMiddleware",
    "core.middleware.IdleSessionMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "livskraft.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "livskraft.wsgi.application"

# SQLite in the project folder unless DATABASE_URL names another database,
# e.g. postgres://postgres@127.0.0.1:5432/livskraft
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "0")),
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# Background tasks (django-tasks, the backport of Django 6's django.tasks): queued in the database, so they need
# nothing beside it, and run by `python manage.py db_worker` (`make run` starts one next to the server). Open-data
# imports are checked and written there (indicators/tasks.py), never in a request.
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
# A reset link works once, for this long (Django's PASSWORD_RESET_TIMEOUT, in seconds).
PASSWORD_RESET_TIMEOUT = env_int("PASSWORD_RESET_TIMEOUT", 3600, minimum=60)
# A session ends after this long without a request (core.middleware.IdleSessionMiddleware). The idle clock is
# written to the session as she works, which renews the cookie: it lasts a day after her last request (or the idle
# time, if longer), so a forgotten browser is logged out even if it never asks again.
LIVSKRAFT_SESSION_IDLE_MINUTES = env_int("LIVSKRAFT_SESSION_IDLE_MINUTES", 60, minimum=1)
SESSION_COOKIE_AGE = max(LIVSKRAFT_SESSION_IDLE_MINUTES * 60, 24 * 3600)
# plans.views.start sends each user where her work is: a politician to her municipality's dashboard.
LOGIN_REDIRECT_URL = "start"
LOGOUT_REDIRECT_URL = "home"

# Bokmål first: it is the default for visitors whose browser asks for no
# language we speak. Municipalities choose their own language form later.
LANGUAGE_CODE = "nb"
LANGUAGES = [
    ("nb", "Norsk bokmål"),
    ("nn", "Norsk nynorsk"),
    ("en", "English"),
]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Oslo"
USE_I18N = True
USE_TZ = True
USE_THOUSAND_SEPARATOR = True
# Numbers follow the page's language: 1 234,5 in bokmål and nynorsk, 1,234.5 in English (Django's own formats; the
# portal's figures are written by indicators/numbers.py, which follows the same rule).

# Plausibility: a figure that moves more than this share from last year needs an
# explanation before it is submitted, unless the indicator sets its own limit.
LIVSKRAFT_MAX_CHANGE = Decimal(os.environ.get("LIVSKRAFT_MAX_CHANGE", "0.5"))
# Upload and file size limits, in bytes; the messages that refuse a file give them in MB (2**20 bytes).
# Planners' spreadsheets (values and budgets) larger than this are refused before they are read.
LIVSKRAFT_MAX_UPLOAD_BYTES = env_int("LIVSKRAFT_MAX_UPLOAD_BYTES", 5 * 2**20, minimum=1)
# Images of good examples larger than this are refused.
LIVSKRAFT_MAX_IMAGE_BYTES = env_int("LIVSKRAFT_MAX_IMAGE_BYTES", 5 * 2**20, minimum=1)
# Images declaring more pixels than this (width × height), or a side longer than this, are refused before they are
# decoded (core/images.py): a 48-megapixel phone photo decodes to about 150 MB. Taken images are stored at most
# 2 048 pixels on their longest side.
LIVSKRAFT_MAX_IMAGE_PIXELS = env_int("LIVSKRAFT_MAX_IMAGE_PIXELS", 50_000_000, minimum=1)
LIVSKRAFT_MAX_IMAGE_SIDE = env_int("LIVSKRAFT_MAX_IMAGE_SIDE", 10_000, minimum=1)
# Open-data files larger than this are refused, in the browser and by the import commands: SSB's population
# CSV, Miljødirektoratet's emissions workbook, KLASS answers, and JSON-stat tables uploaded in the browser.
LIVSKRAFT_MAX_OPEN_DATA_BYTES = env_int("LIVSKRAFT_MAX_OPEN_DATA_BYTES", 25 * 2**20, minimum=1)
# JSON-stat files larger than this are refused before they are parsed: `import_jsonstat`'s files and SSB's answers
# (in the browser LIVSKRAFT_MAX_OPEN_DATA_BYTES comes first).
LIVSKRAFT_MAX_JSONSTAT_BYTES = env_int("LIVSKRAFT_MAX_JSONSTAT_BYTES", 100 * 2**20, minimum=1)
# Workbooks (.xlsx) are zip files: before one is parsed, its zip directory and its sheets' cell references are
# checked (indicators/importers/workbook.py), so a small file cannot unpack to gigabytes or a grid of billions of
# cells. Bytes unpacked, over all its parts (a national emissions workbook of 130 000 rows unpacks to about 40 MB):
LIVSKRAFT_MAX_WORKBOOK_BYTES = env_int("LIVSKRAFT_MAX_WORKBOOK_BYTES", 200 * 2**20, minimum=1)
# Files inside the zip (a workbook has about ten, plus two or three per sheet):
LIVSKRAFT_MAX_WORKBOOK_ENTRIES = env_int("LIVSKRAFT_MAX_WORKBOOK_ENTRIES", 1000, minimum=1)
# How many times larger a part may unpack than it is packed (sheets saved by Excel: about 5 to 20 times):
LIVSKRAFT_MAX_WORKBOOK_RATIO = env_int("LIVSKRAFT_MAX_WORKBOOK_RATIO", 100, minimum=1)
# Cells the sheets span, counted from A1 to each sheet's last row and column (the national emissions workbook:
# about 130 000 rows × 8 columns):
LIVSKRAFT_MAX_WORKBOOK_CELLS = env_int("LIVSKRAFT_MAX_WORKBOOK_CELLS", 3_000_000, minimum=1)
# JSON-stat tables declaring more cells than this (the product of `size`) are refused before the cube is built;
# SSB's PxWebApi answers at most 800 000 cells a request.
LIVSKRAFT_MAX_JSONSTAT_CELLS = env_int("LIVSKRAFT_MAX_JSONSTAT_CELLS", 1_000_000, minimum=1)
# National CSV files larger than this are refused; 40 indicators × 25 years × 430 municipalities is about 20 MB.
LIVSKRAFT_MAX_NATIONAL_CSV_BYTES = env_int("LIVSKRAFT_MAX_NATIONAL_CSV_BYTES", 512 * 2**20, minimum=1)
# Statistics Norway's PxWebApi v2, for `manage.py import_jsonstat --fetch`.
SSB_API_URL = os.environ.get("SSB_API_URL", "https://data.ssb.no/api/pxwebapi/v2")
# Statistics Norway's KLASS REST API v1, for `manage.py import_klass --fetch`.
SSB_KLASS_URL = os.environ.get("SSB_KLASS_URL", "https://data.ssb.no/api/klass/v1")

# Where readers report accessibility problems; shown in the accessibility statement.
LIVSKRAFT_ACCESSIBILITY_CONTACT = os.environ.get("LIVSKRAFT_ACCESSIBILITY_CONTACT", "tilgjengelighet@livskraft.example")

# Uploaded files (the images of good examples) go to Django's default storage: the folder MEDIA_ROOT, or, when
# LIVSKRAFT_S3_BUCKET names one, a bucket of S3-compatible object storage that several app servers share (see
# STORAGES below). They are never served from there directly: a view checks that the example is published, or that
# the visitor may see it, before sending the file. Imported spreadsheets are kept in the database.
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
LIVSKRAFT_S3_BUCKET = os.environ.get("LIVSKRAFT_S3_BUCKET", "")

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "core.staticfinders.VendorFinder",
]
# Front-end files served from installed packages, never from a CDN: static path → file.
# Only the files pages use are exposed, so collectstatic does not copy whole packages.
BOOTSTRAP_DIST = NODE_MODULES / "bootstrap" / "dist"  # npm package, installed by `npm ci`
VENDOR_STATIC_FILES = {
    "vendor/bootstrap/css/bootstrap.min.css": BOOTSTRAP_DIST / "css" / "bootstrap.min.css",
    "vendor/bootstrap/css/bootstrap.min.css.map": BOOTSTRAP_DIST / "css" / "bootstrap.min.css.map",
    "vendor/bootstrap/js/bootstrap.bundle.min.js": BOOTSTRAP_DIST / "js" / "bootstrap.bundle.min.js",
    "vendor/bootstrap/js/bootstrap.bundle.min.js.map": BOOTSTRAP_DIST / "js" / "bootstrap.bundle.min.js.map",
    # plotly.js as shipped inside the plotly Python package: every trace type, for the comparison's map only.
    "vendor/plotly/plotly.min.js": Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js",
    # plotly.js's basic bundle (scatter, bar, pie) from npm, the same version: a third of the size, for every other
    # page with charts (the dashboard, the indicator page without a map, the annual report).
    "vendor/plotly/plotly-basic.min.js": NODE_MODULES / "plotly.js-basic-dist-min" / "plotly-basic.min.js",
}
# The cache: Redis when REDIS_URL is set (shared by all workers: page cache, its invalidation and the login
# throttle then hold across processes), else memory in each process.
# An unreachable Redis costs a request at most its timeouts; the portal then serves uncached and tries again
# every LIVSKRAFT_CACHE_RETRY_SECONDS (core/redis_cache.py).
REDIS_URL = os.environ.get("REDIS_URL", "")
LIVSKRAFT_CACHE_TIMEOUT_MS = env_int("LIVSKRAFT_CACHE_TIMEOUT_MS", 500, minimum=1)
LIVSKRAFT_CACHE_RETRY_SECONDS = env_int("LIVSKRAFT_CACHE_RETRY_SECONDS", 2, minimum=1)
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "core.redis_cache.ReusingRedisCache",
            "LOCATION": REDIS_URL,
            "OPTIONS": {
                "socket_connect_timeout": LIVSKRAFT_CACHE_TIMEOUT_MS / 1000,
                "socket_timeout": LIVSKRAFT_CACHE_TIMEOUT_MS / 1000,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "OPTIONS": {"MAX_ENTRIES": 5000}}}
# How long a public page may be served from the cache; a data change retires the pages that show it at once anyway.
LIVSKRAFT_PAGE_CACHE_SECONDS = int(os.environ.get("LIVSKRAFT_PAGE_CACHE_SECONDS", "600"))
# Names the deployed release in every cached page's key (core/cache.py release()); by default a digest of
# the code, templates, translations and static manifest, computed once per process.
LIVSKRAFT_RELEASE = os.environ.get("LIVSKRAFT_RELEASE", "")
# The folders whose code, templates and compiled translations decide how a page looks: a change to any file in
# them is a new release. Every folder of the project that renders pages must be named here.
LIVSKRAFT_RELEASE_FOLDERS = ("core", "livskraft", "indicators", "plans", "api", "demo", "templates", "locale")
# The apps whose data public pages show: a write to one of their models retires the cached pages that show the row
# (the scopes each model declares, core/cache.py watch()); a model that declares none retires every page.
LIVSKRAFT_CACHED_APPS = {"indicators", "plans"}
# Render the pages a committed change retired again in the background (core/prerender.py; needs the worker). On by
# default with Redis only: without it the worker would store the pages in its own memory, which no server reads.
LIVSKRAFT_PRERENDER = env_bool("LIVSKRAFT_PRERENDER", bool(REDIS_URL))
# How long a process trusts the cache versions it read (core/cache.py versions()): a hit then needs no request to
# Redis, and a change made in another process reaches this one's readers at most this late (its own changes at once).
LIVSKRAFT_VERSION_MEMORY_MS = env_int("LIVSKRAFT_VERSION_MEMORY_MS", 250, minimum=0)
# Memory each process keeps for the public pages it served lately (core/cache.py RecentPages).
LIVSKRAFT_PAGE_MEMORY_MB = int(os.environ.get("LIVSKRAFT_PAGE_MEMORY_MB", "32"))

STORAGES = {
    # Uploaded images on local disk, written whole or not at all (a full disk leaves no part of a file behind).
    "default": {"BACKEND": "core.storage.AtomicFileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
if DEBUG:
    # runserver serves straight from the finders; no collectstatic needed while developing.
    STORAGES["staticfiles"] = {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}
if LIVSKRAFT_S3_BUCKET:
    # django-storages; the keys come from AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY in the environment.
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": LIVSKRAFT_S3_BUCKET,
            "endpoint_url": os.environ.get("LIVSKRAFT_S3_ENDPOINT_URL") or None,  # None: Amazon S3 itself
            "region_name": os.environ.get("LIVSKRAFT_S3_REGION") or None,
            "location": os.environ.get("LIVSKRAFT_S3_PREFIX", ""),  # a folder in a bucket shared with others
            "file_overwrite": False,  # as on disk: a new upload never replaces a file of the same name
            "default_acl": None,  # the bucket's own policy, which should be private: the portal sends the files
        },
    }

# The read-only JSON API at /api/v1/ (api/): open to anyone, no sessions, JSON only.
REST_FRAMEWORK = {
    # drf-spectacular's, documenting the API's 400 and 404 answers too.
    "DEFAULT_SCHEMA_CLASS": "api.schema.AutoSchema",
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_AUTHENTICATION_CLASSES": [],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.AllowAny"],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 100,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Livskraft API",
    "VERSION": "1.0.0",
    "DESCRIPTION": (
        "Read-only open data from Livskraft: municipalities and their number history, networks, indicators, "
        "published indicator values, adopted plans and their climate budgets. Only published figures are served; "
        "a figure under revision is served as it was last published. Data from Statistics Norway (SSB), such as the "
        "population, is licensed CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/); credit it as "
        '"Kilde: Statistisk sentralbyrå". Each value states its licence where one is known.'
    ),
    "SERVE_INCLUDE_SCHEMA": False,
    # unit and amount_unit share one list of units.
    "ENUM_NAME_OVERRIDES": {"UnitEnum": "indicators.models.Unit"},
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "api.schema.query_parameters_may_be_empty",
    ],
}

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Security headers and cookies ---
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True  # no script reads the token: forms carry it
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_SAMESITE = CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
# HTTPS: a year of HSTS with subdomains once DEBUG is off; behind a proxy that terminates TLS, trust its header.
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0" if DEBUG else "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = SECURE_HSTS_SECONDS > 0
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", SECURE_HSTS_SECONDS > 0)
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^helse/$"]  # the load balancer's health check speaks plain HTTP
if env_bool("SECURE_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# Content Security Policy (django-csp): everything from the portal itself, no inline or eval'd script.
# Plotly sets inline styles on the charts it draws, so styles may be inline; scripts may not.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:"],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        # plotly's map (MapLibre) draws in a web worker it creates from a blob: URL; nothing else runs in workers.
        "worker-src": [SELF, "blob:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# E-mail (password reset): printed on the console while developing; in production sent by SMTP, configured from the
# environment. EMAIL_BACKEND may name another Django backend.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.console.EmailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
# STARTTLS on the submission port by default; EMAIL_USE_SSL=1 for implicit TLS (port 465).
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", not EMAIL_USE_SSL)
if EMAIL_USE_TLS and EMAIL_USE_SSL:
    raise ImproperlyConfigured("EMAIL_USE_TLS and EMAIL_USE_SSL cannot both be on: choose STARTTLS or SSL.")
EMAIL_PORT = env_int("EMAIL_PORT", 465 if EMAIL_USE_SSL else 587 if EMAIL_USE_TLS else 25, minimum=1)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10, minimum=1)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Livskraft <noreply@livskraft.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
# Where the portal answers, for the links in e-mails sent without a request (the reporting round's reminders).
LIVSKRAFT_SITE_URL = os.environ.get("LIVSKRAFT_SITE_URL", "http://127.0.0.1:8000")

# The name shown in the page header; translators see it as a proper noun.
SITE_NAME = _("Livskraft")

# --- Login throttling and error pages ---
# Failed logins are counted within the window (core/throttle.py says how the counts work together):
LIVSKRAFT_LOGIN_WINDOW_SECONDS = env_int("LIVSKRAFT_LOGIN_WINDOW_SECONDS", 900, minimum=60)
# from one address for one user name: this many cost nothing, then each waits twice as long as the last, from:
LIVSKRAFT_LOGIN_FREE_PER_PAIR = env_int("LIVSKRAFT_LOGIN_FREE_PER_PAIR", 5, minimum=1)
LIVSKRAFT_LOGIN_DELAY_SECONDS = env_int("LIVSKRAFT_LOGIN_DELAY_SECONDS", 2, minimum=1)
# from one address for any names: further attempts from it are refused;
LIVSKRAFT_LOGIN_MAX_PER_IP = env_int("LIVSKRAFT_LOGIN_MAX_PER_IP", 20, minimum=1)
# for one user name from every address: further attempts are refused except from addresses the name logged in from
# in the last days given.
LIVSKRAFT_LOGIN_MAX_PER_USER = env_int("LIVSKRAFT_LOGIN_MAX_PER_USER", 30, minimum=1)
LIVSKRAFT_LOGIN_KNOWN_ADDRESS_DAYS = env_int("LIVSKRAFT_LOGIN_KNOWN_ADDRESS_DAYS", 90, minimum=1)
# Password reset mails asked for within the window: per address (refused with 429) and per e-mail address (no more
# mails are sent, and the page says the same as always, so that it tells no one whether the address is known).
LIVSKRAFT_RESET_WINDOW_SECONDS = env_int("LIVSKRAFT_RESET_WINDOW_SECONDS", 3600, minimum=60)
LIVSKRAFT_RESET_MAX_PER_IP = env_int("LIVSKRAFT_RESET_MAX_PER_IP", 10, minimum=1)
LIVSKRAFT_RESET_MAX_PER_EMAIL = env_int("LIVSKRAFT_RESET_MAX_PER_EMAIL", 3, minimum=1)
# On only behind exactly one reverse proxy that appends the visitor's address to X-Forwarded-For.
LIVSKRAFT_TRUSTED_PROXY = env_bool("LIVSKRAFT_TRUSTED_PROXY", False)
CSRF_FAILURE_VIEW = "core.errors.csrf_failure"
# The admin's address, e.g. "forvaltning/"; never at /admin/, where every scanner looks first.
ADMIN_URL = os.environ.get("LIVSKRAFT_ADMIN_URL", "forvaltning/").strip().strip("/") + "/"
if ADMIN_URL == "/" or ADMIN_URL == "admin/":
    raise ImproperlyConfigured("LIVSKRAFT_ADMIN_URL must name a path of its own, such as forvaltning/ (not admin/).")
# Last, so that its process_exception sees a view's database error before any other middleware.
MIDDLEWARE = [*MIDDLEWARE, "core.middleware.DatabaseUnavailableMiddleware"]
