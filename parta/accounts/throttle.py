"""Sign-in throttle (ACC-4): failed attempts counted per address, per account and address, and
per account; the per-account count spares browsers that have signed in to that account before.

Why it is built this way: docs/decisions/0003-sign-in-throttling.md. In short, a count per
account alone lets a stranger lock a parent out by typing wrong passwords from anywhere, so
that count applies only to attempts that come without the account's "known device" cookie —
a signed cookie the browser receives after a successful sign-in. The other two counts apply to
everybody. Counters live in Django's cache (Redis in production), in fixed windows of
``PARTA_LOGIN_WINDOW_SECONDS``. A throttled attempt is refused before the password is checked.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.http import HttpRequest, HttpResponseBase
from django.utils.translation import gettext

from parta.accounts.backends import find_account
from parta.core.net import client_ip

DEVICE_COOKIE = "parta_device"
_DEVICE_SALT = "parta.accounts.throttle.known-device"
# A shared family computer knows the accounts of several people; the newest few are kept.
_DEVICE_MAX_ACCOUNTS = 8
_PREFIX = "parta:signin"


def client_address(request: HttpRequest) -> str:
    """The address the attempt came from (``parta.core.net.client_ip``), as a throttle key.

    An IPv6 address is counted
    by its /64 network, which one home or phone receives whole.
    """
    try:
        address = ipaddress.ip_address(client_ip(request))
    except ValueError:
        return "unknown"
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped:
            return str(address.ipv4_mapped)
        return str(ipaddress.IPv6Network(f"{address}/64", strict=False))
    return str(address)


# --- the known-device cookie ---------------------------------------------------------------
def _device_accounts(request: HttpRequest) -> list[int]:
    raw = request.COOKIES.get(DEVICE_COOKIE)
    if not raw:
        return []
    try:
        value = signing.loads(
            raw, salt=_DEVICE_SALT, max_age=settings.PARTA_LOGIN_DEVICE_DAYS * 24 * 3600
        )
    except signing.BadSignature:  # tampered with, or older than PARTA_LOGIN_DEVICE_DAYS
        return []
    if not isinstance(value, list):
        return []
    return [pk for pk in value if isinstance(pk, int)]


def is_known_device(request: HttpRequest, account_pk: int) -> bool:
    """Whether this browser has signed in to the account within ``PARTA_LOGIN_DEVICE_DAYS``."""
    return account_pk in _device_accounts(request)


def remember_device(request: HttpRequest, response: HttpResponseBase, account_pk: int) -> None:
    """Mark this browser as a known device of the account, for ``PARTA_LOGIN_DEVICE_DAYS``.

    The cookie is re-signed at every sign-in, so its age counts from the latest one.
    """
    accounts = [account_pk, *(pk for pk in _device_accounts(request) if pk != account_pk)]
    value = signing.dumps(accounts[:_DEVICE_MAX_ACCOUNTS], salt=_DEVICE_SALT)
    response.set_cookie(
        DEVICE_COOKIE,
        value,
        max_age=settings.PARTA_LOGIN_DEVICE_DAYS * 24 * 3600,
        secure=settings.SESSION_COOKIE_SECURE,
        httponly=True,
        samesite="Lax",
    )


# --- counters ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Attempt:
    """One sign-in attempt as the throttle sees it: where from, which account, which browser."""

    address: str
    account: str
    known_device: bool

    def counters(self) -> list[tuple[str, int]]:
        """(cache key, limit) of every count this attempt is subject to."""
        counters = [
            (f"{_PREFIX}:address:{self.address}", settings.PARTA_LOGIN_MAX_FAILURES_PER_ADDRESS),
            (
                f"{_PREFIX}:account-address:{self.account}:{self.address}",
                settings.PARTA_LOGIN_MAX_FAILURES_PER_ACCOUNT_ADDRESS,
            ),
        ]
        if not self.known_device:
            counters.append(
                (f"{_PREFIX}:account:{self.account}", settings.PARTA_LOGIN_MAX_FAILURES_PER_ACCOUNT)
            )
        return counters


def _account_key(pk: int) -> str:
    return f"user-{pk}"


def attempt_for(request: HttpRequest, identifier: str) -> Attempt:
    """Describe a sign-in attempt with ``identifier`` (login, email, phone or SNILS).

    Every identifier of one person counts against the same account. An identifier that names
    no account is counted under its own name, so being throttled says nothing about whether an
    account exists.
    """
    user = find_account(identifier)
    if user is not None:
        return Attempt(
            address=client_address(request),
            account=_account_key(user.pk),
            known_device=is_known_device(request, user.pk),
        )
    name = hashlib.sha256(" ".join(identifier.lower().split()).encode()).hexdigest()[:32]
    return Attempt(address=client_address(request), account=f"name-{name}", known_device=False)


def _window_left(key: str, now: float) -> int:
    started = cache.get(f"{key}:started")
    window = settings.PARTA_LOGIN_WINDOW_SECONDS
    if started is None:
        return window
    return max(1, math.ceil(started + window - now))


def retry_after(attempt: Attempt) -> int:
    """Seconds until ``attempt`` may be tried; 0 when no count has reached its limit."""
    counters = attempt.counters()
    counts = cache.get_many([key for key, _ in counters])
    now = time.time()
    return max(
        (_window_left(key, now) for key, limit in counters if counts.get(key, 0) >= limit),
        default=0,
    )


def record_failure(attempt: Attempt) -> None:
    """Count a failed attempt in every count it is subject to."""
    window = settings.PARTA_LOGIN_WINDOW_SECONDS
    now = time.time()
    for key, _limit in attempt.counters():
        # A fixed window: it starts with its first failure and ends ``window`` later.
        cache.add(f"{key}:started", now, timeout=window)
        if cache.add(key, 1, timeout=window):
            continue
        try:
            cache.incr(key)
        except ValueError:  # the window ended between add() and incr()
            cache.set(key, 1, timeout=window)


def record_success(request: HttpRequest, account_pk: int) -> None:
    """A successful sign-in clears the count of its account from its address.

    The per-address count is left alone (an attacker with one working account could otherwise
    wipe it between guesses at others), and so is the per-account count of strangers.
    """
    key = f"{_PREFIX}:account-address:{_account_key(account_pk)}:{client_address(request)}"
    cache.delete_many([key, f"{key}:started"])


def throttled_message(seconds: int) -> str:
    """What a throttled person reads, in their language, with how long to wait."""
    minutes = max(1, math.ceil(seconds / 60))
    return gettext(
        "Слишком много неудачных попыток входа. Для защиты вашей учётной записи вход "
        "приостановлен: попробуйте снова через %(minutes)s мин. Если вы забыли пароль, "
        "восстановите его по ссылке «Забыли пароль?»."
    ) % {"minutes": minutes}
