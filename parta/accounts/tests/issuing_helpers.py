"""Helpers for the ACC-2 tests: roster sheets in memory, and reading text out of our PDFs."""

from __future__ import annotations

import csv
import datetime
import io
import re
import zlib
from typing import Any

from django.core.cache import cache
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook

from parta.accounts import roster_sheet
from parta.core.validators import snils_checksum


def snils(nine: str) -> str:
    """A valid SNILS for nine digits (above 001-001-998, so the checksum applies)."""
    return f"{nine}{snils_checksum(nine):02d}"


def row(**values: Any) -> dict[str, Any]:
    return values


def family(n: int, **extra: Any) -> dict[str, Any]:
    """A student with a mother, all distinct by ``n``."""
    return {
        "student-last_name": f"Кузьмин{'а' * (n % 2)}",
        "student-first_name": f"Ребёнок{n}",
        "student-middle_name": "Олегович",
        "student-birth_date": datetime.date(2016, 1, 1) + datetime.timedelta(days=n),
        "parent1-last_name": "Кузьмина",
        "parent1-first_name": f"Мама{n}",
        "parent1-middle_name": "Сергеевна",
        "parent1-kind": "мать",
        "parent1-phone": f"+7 912 000-{n // 100:02d}-{n % 100:02d}",
        **extra,
    }


def xlsx(rows: list[dict[str, Any]], columns: tuple[str, ...] = roster_sheet.COLUMNS) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append([roster_sheet.column_label(key) for key in columns])
    for values in rows:
        sheet.append([values.get(key, "") for key in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_bytes(rows: list[dict[str, Any]], delimiter: str = ";") -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow([roster_sheet.column_label(key) for key in roster_sheet.COLUMNS])
    for values in rows:
        cells = []
        for key in roster_sheet.COLUMNS:
            value = values.get(key, "")
            cells.append(value.strftime("%d.%m.%Y") if isinstance(value, datetime.date) else value)
        writer.writerow(cells)
    return out.getvalue().encode("utf-8-sig")


def sign_in(client: Client, login: str, password: str) -> bool:
    """Sign in through the real sign-in page; whether it worked."""
    cache.clear()  # the sign-in throttle is not what these tests are about
    client.logout()  # a signed-in client would be sent home without signing anyone in
    client.post(reverse("account_login"), {"login": login, "password": password})
    return bool(client.session.get("_auth_user_id"))


# --- Reading our own PDFs without a PDF library ---------------------------------------------
_OBJ_START = re.compile(rb"(?:^|[\r\n])(\d+) 0 obj\b")


def _objects(data: bytes) -> dict[int, bytes]:
    """Each indirect object's body, its stream skipped by ``/Length`` (binary stream bytes
    may contain "endobj")."""
    found: dict[int, bytes] = {}
    position = 0
    while match := _OBJ_START.search(data, position):
        start = match.end()
        stream = _STREAM.search(data, start)
        end = data.find(b"endobj", start)
        if stream and stream.start() < end:
            end = data.find(b"endobj", stream.end() + int(stream.group(1)))
        found[int(match.group(1))] = data[start:end]
        position = end + len(b"endobj")
    return found


_STREAM = re.compile(rb"/Length (\d+)\b.*?stream\r?\n", re.S)


def _stream(body: bytes) -> bytes:
    """The object's stream, cut by its ``/Length``: compressed bytes may themselves end in a
    carriage return or contain "endstream", which a pattern up to "endstream" would cut wrong
    (it did, once in a few hundred runs, with some random passwords)."""
    match = _STREAM.search(body)
    assert match, "no stream"
    raw = body[match.end() : match.end() + int(match.group(1))]
    return zlib.decompress(raw) if b"/FlateDecode" in body else raw


def _unescape(literal: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(literal):
        ch = literal[i]
        if ch == 0x5C:  # backslash
            nxt = literal[i + 1 : i + 2]
            if nxt.isdigit():
                digits = re.match(rb"[0-7]{1,3}", literal[i + 1 : i + 4]).group(0)
                out.append(int(digits, 8))
                i += 1 + len(digits)
                continue
            out += {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}.get(nxt, nxt)
            i += 2
            continue
        out.append(ch)
        i += 1
    return bytes(out)


def pdf_text(data: bytes) -> str:
    """The text drawn in a PDF made by fpdf2 with embedded (Type0) fonts, line by line."""
    objects = _objects(data)
    cmaps: dict[bytes, dict[int, str]] = {}
    for body in objects.values():
        for name, ref in re.findall(rb"/(F\d+) (\d+) 0 R", body):
            font = objects[int(ref)]
            to_unicode = re.search(rb"/ToUnicode (\d+) 0 R", font)
            if not to_unicode:
                continue
            cmap_text = _stream(objects[int(to_unicode.group(1))]).decode("latin-1")
            mapping: dict[int, str] = {}
            for block in re.findall(r"beginbfchar(.*?)endbfchar", cmap_text, re.S):
                for code, uni in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
                    mapping[int(code, 16)] = bytes.fromhex(uni).decode("utf-16-be")
            for block in re.findall(r"beginbfrange(.*?)endbfrange", cmap_text, re.S):
                for lo, hi, uni in re.findall(
                    r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
                ):
                    for k in range(int(lo, 16), int(hi, 16) + 1):
                        mapping[k] = chr(int(uni, 16) + k - int(lo, 16))
            cmaps[name] = mapping
    lines = []
    for body in objects.values():
        if b"stream" not in body or b"/Length" not in body or b"/Type /XObject" in body:
            continue
        try:
            content = _stream(body)
        except (AssertionError, zlib.error):
            continue
        if b"Tj" not in content:
            continue
        font = b""
        for token in re.finditer(rb"/(F\d+) [\d.]+ Tf|\(((?:\\.|[^\\)])*)\) Tj", content, re.S):
            if token.group(1):
                font = token.group(1)
                continue
            raw = _unescape(token.group(2))
            mapping = cmaps.get(font, {})
            codes = [int.from_bytes(raw[i : i + 2], "big") for i in range(0, len(raw), 2)]
            lines.append("".join(mapping.get(c, "?") for c in codes))
    return "\n".join(lines)
