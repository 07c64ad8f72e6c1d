"""Background tasks of the notifications (django-tasks; the worker: ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from parta.notifications.delivery import deliver_one


@task()
def deliver(delivery_id: int) -> str:
    """Send one delivery by its channel (idempotent; retries itself with backoff)."""
    return deliver_one(delivery_id)
