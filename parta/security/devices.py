"""A readable name for the device of a session, from its browser's User-Agent (ACC-8)."""

from __future__ import annotations

import re

from django.utils.translation import gettext as _

# Order matters: Edge and Opera also say "Chrome", Chrome also says "Safari".
_BROWSERS = (
    (r"YaBrowser/", "Яндекс Браузер"),
    (r"Edg(e|A|iOS)?/", "Microsoft Edge"),
    (r"(OPR|Opera)/", "Opera"),
    (r"(Firefox|FxiOS)/", "Firefox"),
    (r"(Chrome|CriOS|Chromium)/", "Chrome"),
    (r"Safari/", "Safari"),
)
_SYSTEMS = (
    (r"iPhone", "iPhone"),
    (r"iPad", "iPad"),
    (r"Android", "Android"),
    (r"Windows", "Windows"),
    (r"Mac OS X|Macintosh", "macOS"),
    (r"CrOS", "ChromeOS"),
    (r"Linux", "Linux"),
)


def describe_device(user_agent: str) -> str:
    """e.g. "Chrome, Android"; what cannot be recognised is said plainly."""
    ua = user_agent or ""
    if not ua.strip():
        return _("Неизвестное устройство")
    browser = next((name for pattern, name in _BROWSERS if re.search(pattern, ua)), "")
    system = next((name for pattern, name in _SYSTEMS if re.search(pattern, ua)), "")
    if "Parta" in ua or "okhttp" in ua:
        browser = browser or _("Мобильное приложение")
    if browser and system:
        return f"{browser}, {system}"
    return browser or system or _("Другое устройство")
