"""Parta settings: one file, driven by the environment.

Defaults give a zero-setup development instance (SQLite, database task queue, console
email). Production is switched on with ``PARTA_ENV=production`` and configured through
``DATABASE_URL``, ``REDIS_URL``, ``SECRET_KEY``, ``ALLOWED_HOSTS``, ``EMAIL_*`` and friends;
production refuses to start with the demo secret.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from xstatic.pkg import bootstrap as xstatic_bootstrap

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("PARTA_VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)  # the SQLite database and uploads live here


def env(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in env(name, default).split(",") if item.strip()]


PARTA_ENV = env("PARTA_ENV", "development")
PRODUCTION = PARTA_ENV == "production"
DEMO_SECRET_KEY = "parta-demo-secret-key-never-use-in-production"  # noqa: S105

SECRET_KEY = env("SECRET_KEY", DEMO_SECRET_KEY)
DEBUG = env_bool("DEBUG", default=not PRODUCTION)
# The demo region (fixed demo logins) exists only outside production.
DEMO_MODE = env_bool("PARTA_DEMO", default=not PRODUCTION)

if PRODUCTION:
    if SECRET_KEY == DEMO_SECRET_KEY or len(SECRET_KEY) < 40:
        raise ImproperlyConfigured(
            "PARTA_ENV=production needs its own SECRET_KEY (40+ random characters); "
            "the demo secret is refused."
        )
    if DEBUG:
        raise ImproperlyConfigured("PARTA_ENV=production cannot run with DEBUG on.")
    if DEMO_MODE:
        raise ImproperlyConfigured("PARTA_ENV=production cannot run in demo mode.")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "" if PRODUCTION else "127.0.0.1,localhost,testserver")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "parta.core",
    "parta.directory",
    "parta.accounts",
    "parta.privacy",
    "parta.notifications",
    "parta.onboarding",
    "parta.confirmation",
    "parta.registration",
    "parta.esia",
    "parta.security",
    "parta.complaints",
    "parta.family",
    "parta.profiles",
    "parta.journal",
    "parta.messaging",
    "parta.core.admin_apps.PartaAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_htmx",
    "template_partials",
    "django_tasks",
    "django_tasks_db",
    "allauth",
    "allauth.account",
    "allauth.mfa",  # two-factor sign-in, TOTP (parta.security)
    "allauth.usersessions",  # a person's sessions and "sign out everywhere else" (ACC-8)
    # Only for its templates and static files: /api/v1/docs is served without any CDN.
    "ninja",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "parta.accounts.middleware.PasswordChangeRequiredMiddleware",
    "parta.security.middleware.LoginSecurityMiddleware",
    "parta.accounts.language.PreferredLanguageMiddleware",
]

ROOT_URLCONF = "parta.urls"
WSGI_APPLICATION = "parta.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "parta" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "parta.accounts.context_processors.roles",
                "parta.core.context_processors.parta",
                "parta.messaging.context_processors.header_counts",
            ],
        },
    }
]

# --- Database ------------------------------------------------------------------------------
DATABASE_URL = env("DATABASE_URL", f"sqlite:///{VAR_DIR / 'parta.sqlite3'}")
DATABASES = {"default": dj_database_url.parse(DATABASE_URL, conn_max_age=60)}
if env("PARTA_TEST_DATABASE"):
    # Lets several test runs share one PostgreSQL server without clashing.
    DATABASES["default"]["TEST"] = {"NAME": env("PARTA_TEST_DATABASE")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].update(
        {
            "timeout": 20,
            "transaction_mode": "IMMEDIATE",
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Django binds parameters on the client and prepares nothing; parta.core.sql prepares
    # the few hot hand-written statements explicitly. psycopg needs a threshold for that;
    # this one is never reached, so nothing else is prepared behind our back.
    DATABASES["default"].setdefault("OPTIONS", {}).setdefault("prepare_threshold", 2**31 - 1)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache and background work -------------------------------------------------------------
REDIS_URL = env("REDIS_URL")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "parta.core.cache.RedisCache", "LOCATION": REDIS_URL}}
    # Sessions are read from Redis and written through to the database: one query less on
    # every page. Only with a shared cache — a per-process cache would keep a signed-out
    # session alive in the other workers.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
            "LOCATION": "parta",
        }
    }

# The diary keeps each rendered week under the stamp of its data (journal/views_diary.py);
# off only to measure the cold path (bench/journal.py).
DIARY_KEEP_BODY = env_bool("PARTA_DIARY_KEEP_BODY", True)

# A serving process freezes its long-lived objects out of the garbage collector's scans when
# loaded and once more after its first requests (core/serving.py, ADR 0017); off only to
# measure the difference (bench/journal.py --no-gc-freeze).
PARTA_GC_FREEZE = env_bool("PARTA_GC_FREEZE", True)
PARTA_GC_FREEZE_AFTER = int(env("PARTA_GC_FREEZE_AFTER", "1000"))

TASKS_BACKEND = env("TASKS_BACKEND", "database")
TASKS = {
    "default": {
        "BACKEND": {
            "database": "django_tasks_db.DatabaseBackend",
            "immediate": "django_tasks.backends.immediate.ImmediateBackend",
            "rq": "django_tasks_rq.RQBackend",
        }[TASKS_BACKEND],
    }
}

# --- People and sign-in --------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "parta.accounts.backends.IdentifierBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 10},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "account_login"

ACCOUNT_LOGIN_METHODS = {"username"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "username*", "password1*", "password2*"]
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_UNIQUE_EMAIL = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_ADAPTER = "parta.accounts.adapter.AccountAdapter"
ACCOUNT_FORMS = {
    "login": "parta.accounts.forms.IdentifierLoginForm",
    "reset_password": "parta.accounts.forms.RobotCheckedResetPasswordForm",
    "reset_password_from_key": "parta.accounts.forms.NewPasswordForm",
    "change_password": "parta.accounts.forms_manage.PartaChangePasswordForm",
    "set_password": "parta.accounts.forms_manage.PartaSetPasswordForm",
    "add_email": "parta.accounts.forms_manage.PartaAddEmailForm",
    "reauthenticate": "parta.accounts.forms_manage.PartaReauthenticateForm",
    "signup": "parta.registration.forms.LearnerSignupForm",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "Parta: "
# Parta's own throttle (parta.accounts.throttle) guards sign-in; allauth's limits stay on
# for everything else it does.
ACCOUNT_RATE_LIMITS = {
    "login_failed": False,
    # Every sign-in request per address per minute: a school behind one NAT address signs in
    # hundreds of people at 8:00. Guessing is bounded by the throttle's per-address failures.
    "login": False,
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "signup": "20/m/ip",
}
PASSWORD_RESET_TIMEOUT = 60 * 60 * 2  # a recovery link lives two hours
# Self-registration of adult learners (ACC-1); school accounts are issued or invited anyway.
PARTA_SELF_REGISTRATION = env_bool("PARTA_SELF_REGISTRATION", True)
# The emailed confirmation link of a new account: single-use, valid this many days.
ACCOUNT_EMAIL_CONFIRMATION_EXPIRE_DAYS = int(env("PARTA_EMAIL_CONFIRMATION_DAYS", "3"))
# Following the link in the browser that registered signs the person in (allauth checks the
# session's pending sign-in; a link opened elsewhere asks to sign in).
ACCOUNT_LOGIN_ON_EMAIL_CONFIRMATION = True
# Security letters: the person is told by email when their password, email address or second
# factor changes (allauth's notifications, in Parta's words) — a change they did not make,
# such as the school switching off their authenticator app, must not go unnoticed.
ACCOUNT_EMAIL_NOTIFICATIONS = env_bool("PARTA_SECURITY_LETTERS", True)
# Invitations by email (ACC-3): how long a link works.
PARTA_INVITATION_DAYS = int(env("PARTA_INVITATION_DAYS", "7"))
# How long an issued initial password (ACC-2) may be used before the school reissues it.
PARTA_INITIAL_PASSWORD_DAYS = int(env("PARTA_INITIAL_PASSWORD_DAYS", "30"))
# Sign-in throttle (parta.accounts.throttle): failures per window before a pause.
PARTA_LOGIN_WINDOW_SECONDS = int(env("PARTA_LOGIN_WINDOW_SECONDS", "900"))
PARTA_LOGIN_MAX_FAILURES_PER_ADDRESS = int(env("PARTA_LOGIN_MAX_FAILURES_PER_ADDRESS", "30"))
PARTA_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS = int(
    env("PARTA_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS", "5")
)
PARTA_LOGIN_MAX_FAILURES_PER_ACCOUNT = int(env("PARTA_LOGIN_MAX_FAILURES_PER_ACCOUNT", "20"))
# A browser that has signed in to an account is a "known device" for it this long; the
# per-account limit above does not apply to it (docs/decisions/0003-sign-in-throttling.md).
PARTA_LOGIN_DEVICE_DAYS = int(env("PARTA_LOGIN_DEVICE_DAYS", "365"))
# How many reverse proxies in front of Parta append to X-Forwarded-For; 0 means the app faces
# clients directly and only REMOTE_ADDR is believed.
PARTA_TRUSTED_PROXY_COUNT = int(env("PARTA_TRUSTED_PROXY_COUNT", "0"))
ALLAUTH_TRUSTED_PROXY_COUNT = PARTA_TRUSTED_PROXY_COUNT
# The robot check on password recovery (parta.accounts.robot): seconds to answer a question.
PARTA_ROBOT_CHALLENGE_SECONDS = int(env("PARTA_ROBOT_CHALLENGE_SECONDS", "900"))
# Complaints to the education department (ACC-6) one address may file a day.
PARTA_COMPLAINTS_PER_ADDRESS_PER_DAY = int(env("PARTA_COMPLAINTS_PER_ADDRESS_PER_DAY", "5"))

# --- Sign-in through ESIA / Gosuslugi (ACC-4; docs/decisions/0009-esia-oidc.md) -------------
# An OpenID Connect provider. Off unless a discovery URL (or an issuer with explicit endpoints)
# and a client id are given; while off, the button is hidden and every /esia/ URL is a 404.
ESIA_OIDC_DISCOVERY_URL = env("ESIA_OIDC_DISCOVERY_URL")
ESIA_OIDC_ISSUER = env("ESIA_OIDC_ISSUER")  # must equal the discovery's "issuer" when both set
ESIA_OIDC_AUTHORIZATION_URL = env("ESIA_OIDC_AUTHORIZATION_URL")  # override discovery
ESIA_OIDC_TOKEN_URL = env("ESIA_OIDC_TOKEN_URL")
ESIA_OIDC_JWKS_URL = env("ESIA_OIDC_JWKS_URL")
ESIA_OIDC_USERINFO_URL = env("ESIA_OIDC_USERINFO_URL")
ESIA_OIDC_CLIENT_ID = env("ESIA_OIDC_CLIENT_ID")
ESIA_OIDC_CLIENT_SECRET = env("ESIA_OIDC_CLIENT_SECRET")
# Dotted path of a callable that signs the client's requests (the real ESIA wants a GOST
# signature made by a certified crypto provider instead of a plain secret).
ESIA_OIDC_CLIENT_SECRET_SIGNER = env("ESIA_OIDC_CLIENT_SECRET_SIGNER")
# Dotted path of a callable that checks ID-token signatures of algorithms PyJWT lacks (GOST).
ESIA_OIDC_SIGNATURE_VERIFIER = env("ESIA_OIDC_SIGNATURE_VERIFIER")
ESIA_OIDC_SCOPES = env("ESIA_OIDC_SCOPES", "openid profile")
ESIA_OIDC_SUBJECT_CLAIM = env("ESIA_OIDC_SUBJECT_CLAIM", "sub")  # ESIA: urn:esia:sbj_id
ESIA_OIDC_SNILS_CLAIM = env("ESIA_OIDC_SNILS_CLAIM", "snils")
ESIA_OIDC_ALGORITHMS = env_list("ESIA_OIDC_ALGORITHMS", "RS256,PS256,ES256")
ESIA_OIDC_BUTTON_LABEL = env("ESIA_OIDC_BUTTON_LABEL")  # empty: "Войти через Госуслуги"
ESIA_OIDC_ENABLED = env_bool(
    "ESIA_OIDC_ENABLED",
    bool((ESIA_OIDC_DISCOVERY_URL or ESIA_OIDC_ISSUER) and ESIA_OIDC_CLIENT_ID),
)
ESIA_OIDC_LEEWAY_SECONDS = int(env("ESIA_OIDC_LEEWAY_SECONDS", "60"))
ESIA_OIDC_TIMEOUT_SECONDS = float(env("ESIA_OIDC_TIMEOUT_SECONDS", "10"))
# Discovery and the provider's keys are cached this long; an unknown key id refetches them.
ESIA_OIDC_METADATA_CACHE_SECONDS = int(env("ESIA_OIDC_METADATA_CACHE_SECONDS", "3600"))

# --- Login settings, two-factor sign-in, SMS (ACC-8; docs/decisions/0007-sms-gateway.md) ---
MFA_ADAPTER = "parta.security.mfa.PartaMFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "recovery_codes"]
MFA_FORMS = {
    "authenticate": "parta.security.mfa.PartaAuthenticateForm",
    "reauthenticate": "parta.security.mfa.PartaReauthenticateForm",
    "activate_totp": "parta.security.mfa.PartaActivateTOTPForm",
    "deactivate_totp": "parta.security.mfa.PartaDeactivateTOTPForm",
    "generate_recovery_codes": "parta.security.mfa.PartaGenerateRecoveryCodesForm",
}
MFA_TOTP_ISSUER = env("MFA_TOTP_ISSUER", "Парта")
MFA_TOTP_TOLERANCE = 1  # a code of the previous or next 30 seconds: phone clocks drift
# Issued school accounts often have no confirmed email; TOTP must not wait for one.
MFA_ALLOW_UNVERIFIED_EMAIL = True
# Wrong codes per account before a pause (parta.security.mfa; allauth's own limit rides on the
# "login_failed" rate limit that ADR 0003 switches off).
PARTA_MFA_MAX_FAILURES = int(env("PARTA_MFA_MAX_FAILURES", "10"))
PARTA_MFA_WINDOW_SECONDS = int(env("PARTA_MFA_WINDOW_SECONDS", "900"))
# parta.security.middleware records a session's device and last activity at most this often.
USERSESSIONS_TRACK_ACTIVITY = False
PARTA_SESSION_TOUCH_SECONDS = int(env("PARTA_SESSION_TOUCH_SECONDS", "300"))
# Phone confirmation codes (ACC-8): lifetime, wrong tries per code, codes per hour.
PARTA_PHONE_CODE_MINUTES = int(env("PARTA_PHONE_CODE_MINUTES", "10"))
PARTA_PHONE_CODE_TRIES = int(env("PARTA_PHONE_CODE_TRIES", "5"))
PARTA_PHONE_CODES_PER_HOUR = int(env("PARTA_PHONE_CODES_PER_HOUR", "3"))
# The SMS gateway (parta.core.sms): "console" prints messages, "smsru" sends through SMS.ru.
PARTA_SMS_BACKEND = env("PARTA_SMS_BACKEND", "smsru" if PRODUCTION else "console")
PARTA_SMS_SENDER = env("PARTA_SMS_SENDER")  # a sender name approved by the provider, or empty
PARTA_SMS_TIMEOUT_SECONDS = float(env("PARTA_SMS_TIMEOUT_SECONDS", "10"))
# NTF-2: the price of one SMS part, debited from the person's prepaid balance.
PARTA_SMS_PRICE = env("PARTA_SMS_PRICE", "3.00")
SMSRU_API_ID = env("SMSRU_API_ID")
SMSRU_BASE_URL = env("SMSRU_BASE_URL", "https://sms.ru")
SMSC_LOGIN = env("SMSC_LOGIN")
SMSC_PASSWORD = env("SMSC_PASSWORD")
SMSC_BASE_URL = env("SMSC_BASE_URL", "https://smsc.ru")
MOBIZON_API_KEY = env("MOBIZON_API_KEY")
MOBIZON_BASE_URL = env("MOBIZON_BASE_URL", "https://api.mobizon.kz")
# NTF-1: delivery of notifications by email and SMS (parta.notifications.delivery).
PARTA_SITE_URL = env("PARTA_SITE_URL", "http://127.0.0.1:8000")  # links in letters and SMS
PARTA_QUIET_HOURS = env("PARTA_QUIET_HOURS", "22:00-07:00")  # the default; each person sets theirs
# Pauses before the 2nd, 3rd... try of a delivery that failed for a reason that may pass.
PARTA_DELIVERY_RETRY_MINUTES = [
    int(m) for m in env_list("PARTA_DELIVERY_RETRY_MINUTES", "1,5,30,120")
]
# NTF-3: web push to browsers (parta.core.webpush; docs/decisions/0013-web-push.md). The VAPID
# key pair identifies this server to the browsers' push services: the private key as base64url
# of its 32 bytes or as PEM, the public key (optional: derived from the private one) as
# base64url of the uncompressed point. Development with no key makes one in var/ once;
# production without a key and a subject simply offers no push.
PARTA_VAPID_PRIVATE_KEY = env("PARTA_VAPID_PRIVATE_KEY")
PARTA_VAPID_PUBLIC_KEY = env("PARTA_VAPID_PUBLIC_KEY")
# Whom the push services may contact about this server: mailto: or https:.
PARTA_VAPID_SUBJECT = env(
    "PARTA_VAPID_SUBJECT", "" if PRODUCTION else "mailto:noreply@parta.localhost"
)
PARTA_VAPID_KEY_FILE = Path(env("PARTA_VAPID_KEY_FILE", str(VAR_DIR / "vapid-private.pem")))
# The push services a browser's subscription may point to ("*." matches subdomains); an
# endpoint elsewhere is refused, so the server never posts to an address a person made up.
PARTA_PUSH_SERVICE_HOSTS = env_list(
    "PARTA_PUSH_SERVICE_HOSTS",
    "fcm.googleapis.com,updates.push.services.mozilla.com,web.push.apple.com,"
    "*.push.apple.com,*.notify.windows.com",
)
PARTA_PUSH_TTL_SECONDS = int(env("PARTA_PUSH_TTL_SECONDS", str(60 * 60 * 24)))
PARTA_PUSH_TIMEOUT_SECONDS = float(env("PARTA_PUSH_TIMEOUT_SECONDS", "10"))
# NTF-2: top-ups of the SMS balance (parta.core.payments; docs/decisions/0012-sms-top-up-payments.md).
# "demo" credits at once and moves no money (refused in production); "yookassa" is YooKassa.
PARTA_PAYMENT_BACKEND = env("PARTA_PAYMENT_BACKEND", "yookassa" if PRODUCTION else "demo")
PARTA_PAYMENT_TIMEOUT_SECONDS = float(env("PARTA_PAYMENT_TIMEOUT_SECONDS", "15"))
PARTA_CURRENCY = env("PARTA_CURRENCY", "RUB")  # ISO 4217 code of the deployment's money
PARTA_SMS_TOP_UP_MIN = env("PARTA_SMS_TOP_UP_MIN", "50")
PARTA_SMS_TOP_UP_MAX = env("PARTA_SMS_TOP_UP_MAX", "5000")
YOOKASSA_SHOP_ID = env("YOOKASSA_SHOP_ID")
YOOKASSA_SECRET_KEY = env("YOOKASSA_SECRET_KEY")
YOOKASSA_BASE_URL = env("YOOKASSA_BASE_URL", "https://api.yookassa.ru")
# Set when the shop sends fiscal receipts through YooKassa (54-FZ): the VAT code of the item
# (1: without VAT ... see YooKassa's docs); empty sends no receipt.
YOOKASSA_VAT_CODE = env("YOOKASSA_VAT_CODE")
# Notifications are taken only from YooKassa's published addresses (empty list: from any);
# each is verified anyway by asking the API for the payment.
YOOKASSA_WEBHOOK_NETWORKS = env_list(
    "YOOKASSA_WEBHOOK_NETWORKS",
    "185.71.76.0/27,185.71.77.0/27,77.75.153.0/25,77.75.156.11/32,77.75.156.35/32,"
    "77.75.154.128/25,2a02:5180::/32",
)

# --- Email ---------------------------------------------------------------------------------
EMAIL_HOST = env("EMAIL_HOST")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = int(env("EMAIL_PORT", "587"))
    EMAIL_HOST_USER = env("EMAIL_HOST_USER")
    EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", EMAIL_PORT == 587)
    EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", EMAIL_PORT == 465)
    EMAIL_TIMEOUT = 20
else:
    EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", "Parta <noreply@parta.localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
ADMINS = [("Parta operator", a) for a in env_list("ADMINS")]

# --- Languages and time --------------------------------------------------------------------
LANGUAGE_CODE = "ru"
LANGUAGES = [("ru", _("Русский")), ("kk", _("Қазақша")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "parta" / "locale", BASE_DIR / "parta" / "locale_overrides"]
# Kazakh and English dates as Parta's readers write them (parta/formats/__init__.py).
FORMAT_MODULE_PATH = ["parta.formats"]
LANGUAGE_COOKIE_NAME = "parta_language"
LANGUAGE_COOKIE_SECURE = PRODUCTION
LANGUAGE_COOKIE_HTTPONLY = True
LANGUAGE_COOKIE_SAMESITE = "Lax"
USE_I18N = True
USE_TZ = True
TIME_ZONE = env("TIME_ZONE", "Europe/Moscow")

# --- Static and uploaded files -------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(VAR_DIR / "static")))
if not PRODUCTION:
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)  # WhiteNoise expects it to exist
STATICFILES_DIRS = [("bootstrap", xstatic_bootstrap.BASE_DIR)]
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(VAR_DIR / "media")))
MEDIA_URL = "/media/"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Uploaded documents (signed forms, orders, name-change certificates): never served by URL,
    # only through a view that checks who asks (parta.core.uploads).
    "private": {
        "BACKEND": "parta.core.uploads.PrivateStorage",
        "OPTIONS": {
            "location": env("PARTA_PRIVATE_ROOT", str(VAR_DIR / "private")),
            "base_url": None,
        },
    },
    "staticfiles": {
        "BACKEND": (
            "parta.core.staticfiles.ManifestStorage"
            if PRODUCTION
            else "parta.core.staticfiles.PlainStorage"
        )
    },
}
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
PARTA_MAX_SPREADSHEET_BYTES = 5 * 1024 * 1024
PARTA_MAX_DOCUMENT_BYTES = int(env("PARTA_MAX_DOCUMENT_BYTES", str(5 * 1024 * 1024)))
PARTA_MAX_MESSAGE_FILE_BYTES = int(env("PARTA_MAX_MESSAGE_FILE_BYTES", str(10 * 1024 * 1024)))

# --- Security ------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_AGE = 60 * 60 * 24 * 14
CSRF_COOKIE_HTTPONLY = True
CSRF_FAILURE_VIEW = "parta.core.views.csrf_failure"
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
if PRODUCTION:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_HSTS_SECONDS = int(env("SECURE_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
}

# --- Parta ---------------------------------------------------------------------------------
PARTA_HELP_URL = env("PARTA_HELP_URL", "/help/")
# Chromium for browser tests and PDF previews; Debian's package by default.
PARTA_CHROMIUM = env("PARTA_CHROMIUM", "/usr/bin/chromium")
