"""A local stand-in for SMS.ru: a real HTTP server (http.server in a thread) that records
every request and answers what the test tells it to, in SMS.ru's documented JSON format.

Parta sends ``POST /sms/send`` with the parameters as form data; the server reads them from
the body. A GET (the parameters in the URL, where they reach access logs) is recorded and
answered 405, so a test that expects a sent message fails.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest


@dataclass
class Recorded:
    method: str
    path: str
    params: dict[str, list[str]]  # the form fields of the body
    query: dict[str, list[str]] = field(default_factory=dict)  # the URL's own parameters
    content_type: str = ""


@dataclass
class SmsRuServer:
    url: str
    requests: list[Recorded] = field(default_factory=list)
    status: int = 200
    body: str | None = None  # None: a successful answer for the number asked
    balance: str = "4122.56"

    def ok_answer(self, to: str) -> str:
        return json.dumps(
            {
                "status": "OK",
                "status_code": 100,
                "sms": {to: {"status": "OK", "status_code": 100, "sms_id": "000000-10000001"}},
                "balance": float(self.balance),
            }
        )

    @property
    def last_text(self) -> str:
        return self.requests[-1].params["msg"][0]


def _handler(server_state: SmsRuServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            content_type = self.headers.get("Content-Type", "")
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length).decode()
            params = (
                parse_qs(raw, keep_blank_values=True)
                if content_type.startswith("application/x-www-form-urlencoded")
                else {}
            )
            query = parse_qs(parts.query, keep_blank_values=True)
            server_state.requests.append(
                Recorded("POST", parts.path, params, query=query, content_type=content_type)
            )
            to = params.get("to", [""])[0]
            body = (
                server_state.body if server_state.body is not None else server_state.ok_answer(to)
            )
            self._answer(server_state.status, body)

        def do_GET(self) -> None:
            parts = urlsplit(self.path)
            query = parse_qs(parts.query, keep_blank_values=True)
            server_state.requests.append(Recorded("GET", parts.path, {}, query=query))
            self._answer(405, json.dumps({"status": "ERROR", "status_text": "POST only"}))

        def _answer(self, status: int, body: str) -> None:
            payload = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def smsru_server(settings: Any) -> Iterator[SmsRuServer]:
    """SMS.ru on 127.0.0.1; the settings point the gateway's SMS.ru backend at it."""
    state = SmsRuServer(url="")
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(state))
    state.url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    settings.PARTA_SMS_BACKEND = "smsru"
    settings.SMSRU_API_ID = "test-api-id"
    settings.SMSRU_BASE_URL = state.url
    settings.PARTA_SMS_SENDER = ""
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()
