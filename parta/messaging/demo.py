"""The demo region's messages and announcements, as the demo logins find them.

- ``demo-parent`` has written to ``demo-classteacher`` about a missed lesson and got an answer
  she has not read yet; ``demo-teacher`` has asked her about a test to rewrite;
- ``demo-classteacher`` has announced a parents' meeting to the parents of 5А, and
  ``demo-director`` a clean-up day to the whole of Школа № 1.

Runs after the journal's demo (who teaches whom decides who may write to whom). Idempotent:
a second run finds the announcement and adds nothing.
"""

from __future__ import annotations

import datetime

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from parta.directory.demo import DemoLogin
from parta.directory.models import SchoolClass
from parta.messaging import services
from parta.messaging.models import Announcement, Audience, Conversation, Message, Participant

MEETING = "Родительское собрание в четверг"


def _backdate(conversation: Conversation, hours_ago: float) -> None:
    """Spread the demo messages over the last days, as a real conversation would be."""
    messages = list(Message.objects.filter(conversation=conversation).order_by("pk"))
    now = timezone.now()
    for n, message in enumerate(messages):
        at = now - datetime.timedelta(hours=hours_ago - 3 * n)
        Message.objects.filter(pk=message.pk).update(created_at=at)
    last = now - datetime.timedelta(hours=hours_ago - 3 * (len(messages) - 1))
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=last, created_at=last)
    Participant.objects.filter(conversation=conversation).update(last_message_at=last)
    Participant.objects.filter(conversation=conversation, person_id=messages[-1].sender_id).update(
        last_read_at=last
    )


def populate() -> list[DemoLogin]:
    people = {
        u.username: u
        for u in get_user_model().objects.filter(
            username__in=["demo-parent", "demo-classteacher", "demo-teacher", "demo-director"]
        )
    }
    if len(people) < 4 or Announcement.objects.filter(title=MEETING).exists():
        return []
    parent, class_teacher = people["demo-parent"], people["demo-classteacher"]
    klass = (
        SchoolClass.objects.filter(class_teacher=class_teacher, academic_year__is_current=True)
        .filter(Q(grade=5))
        .first()
    )
    if klass is None:
        return []
    first = services.conversation_start(
        sender=parent,
        recipient_ids=[class_teacher.pk],
        subject="Пропуск в среду",
        body=(
            f"Здравствуйте, {class_teacher.first_name} {class_teacher.middle_name}! В среду мы "
            "были у врача, справку принесём в понедельник. Подскажите, что задали по русскому?"
        ).replace(" !", "!"),
    )
    services.message_send(
        sender=class_teacher,
        conversation=first,
        body=(
            "Здравствуйте! Спасибо, что предупредили. Упражнение 112 и правило на с. 54 — "
            "всё есть в дневнике, в домашнем задании к уроку."
        ),
    )
    _backdate(first, 20)
    second = services.conversation_start(
        sender=people["demo-teacher"],
        recipient_ids=[parent.pk],
        subject="Контрольная по математике",
        body="Добрый день! Контрольную можно переписать во вторник после шестого урока.",
    )
    services.conversation_read(user=parent, conversation=second)
    _backdate(second, 50)
    services.announcement_publish(
        author=class_teacher,
        audience=Audience.CLASS_PARENTS,
        school_class=klass,
        title=MEETING,
        body=(
            "Уважаемые родители! Собрание в четверг в 18:30, кабинет 12. Обсудим итоги "
            "четверти и весеннюю экскурсию."
        ),
    )
    services.announcement_publish(
        author=people["demo-director"],
        audience=Audience.SCHOOL,
        organization=klass.organization,
        title="Субботник",
        body="В субботу в 10:00 — уборка школьного двора. Перчатки и мешки выдаём на входе.",
    )
    return []
