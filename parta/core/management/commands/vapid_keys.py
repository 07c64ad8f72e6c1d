"""Make a VAPID key pair for web push (NTF-3; docs/decisions/0013-web-push.md).

Prints the two environment lines to put into production's configuration. The key is made
here and shown once; it is written nowhere. Changing it later ends every browser's
subscription, so keep it like ``SECRET_KEY``.
"""

from __future__ import annotations

from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.core.management.base import BaseCommand

from parta.core.webpush import b64url


class Command(BaseCommand):
    help = "Make a VAPID key pair for web push and print it as environment variables."

    def handle(self, *args: Any, **options: Any) -> None:
        key = ec.generate_private_key(ec.SECP256R1())
        private = key.private_numbers().private_value.to_bytes(32, "big")
        public = key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        self.stdout.write(f"PARTA_VAPID_PRIVATE_KEY={b64url(private)}")
        self.stdout.write(f"PARTA_VAPID_PUBLIC_KEY={b64url(public)}")
