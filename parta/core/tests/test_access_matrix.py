"""The IDOR matrix: every view and endpoint, as every member of the cast.

Every named URL of the site must have a row in ``PAGES`` (or be in an excluded namespace
tested as a whole below); a new view without a row fails ``test_every_view_is_in_the_matrix``.
A row says which cast members may open it; everybody else must get exactly what a missing
object gets (404), and an anonymous visitor is sent to sign in. Object views are requested
with one object of the cast, chosen so that some members may see it and some may not.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from importlib import import_module
from typing import Any

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from parta.conftest import Cast

MEMBERS = (
    "student",
    "parent",
    "other_parent",
    "class_teacher",
    "other_teacher",
    "director",
    "official",
    "operator",
    "pending_teacher",
)
EVERYONE = frozenset(MEMBERS)


@dataclass(frozen=True)
class Row:
    """Who may open a view: ``allowed`` members get ``ok`` (200), the rest 404."""

    allowed: frozenset[str]
    args: Callable[[Cast], list[Any]] = field(default=lambda cast: [])
    ok: int = 200
    public: bool = False  # anonymous visitors may open it too
    method: str = "get"
    data: Callable[[Cast], dict[str, Any]] | None = None
    json: bool = False  # the data is posted as JSON (a fetch() of the page's script)


def _sms_payment(cast: Cast) -> str:
    """A top-up of the parent's SMS balance, paid at the demo provider."""
    from parta.notifications.models import SmsPayment

    payment = getattr(cast, "_matrix_sms_payment", None)
    if payment is None:
        payment = SmsPayment.objects.create(
            person=cast.parent,
            provider="demo",
            idempotence_key="c" * 32,
            amount=100,
            currency="RUB",
            status="pending",
        )
        cast._matrix_sms_payment = payment  # type: ignore[attr-defined]
    return payment.idempotence_key


def only(*members: str) -> frozenset[str]:
    return frozenset(members)


ISSUERS = only("class_teacher", "director", "operator")


def _onboarding() -> Any:
    return import_module("parta.onboarding.tests.fixtures")


def _registration() -> Any:
    return import_module("parta.registration.tests.fixtures")


def _math_5a(cast: Cast) -> list[Any]:
    """5А and its Mathematics, with the journal's terms and lessons (JRN-9)."""
    journal = import_module("parta.journal.tests.fixtures").make_journal(cast)
    return [cast.school_class.pk, journal.math.pk]


def _journal(cast: Cast) -> Any:
    return import_module("parta.journal.tests.fixtures").make_journal(cast)


def _cell_5a(cast: Cast) -> list[Any]:
    """The latest Mathematics lesson of 5А held, and Petrov's cell on it (JRN-4)."""
    return [_journal(cast).past_math_lessons()[-1].pk, cast.student.pk]


def _grade_type(code: str) -> int:
    return (
        import_module("parta.journal.models").GradeType.objects.get(organization=None, code=code).pk
    )


def _tt() -> Any:
    return import_module("parta.journal.tests.timetable_matrix")


def _achievement(cast: Cast) -> Any:
    """An achievement of Petrov's, entered by his class teacher (JRN-8)."""
    from django.utils import timezone

    services = import_module("parta.journal.services.achievements")
    return services.achievement_add(
        actor=cast.class_teacher,
        student_id=cast.student.pk,
        kind="diploma",
        title="Грамота",
        date=timezone.localdate(),
    )


def _calendar_token(cast: Cast) -> str:
    """Petrov's secret calendar address (JRN-8): the token is the only key."""
    return import_module("parta.journal.services.calendar").feed_create(person=cast.student)


def _conversation(cast: Cast) -> Any:
    """The parent's conversation with the class teacher, with a file (MSG-1)."""
    found = getattr(cast, "_matrix_conversation", None)
    if found is None:
        from django.core.files.uploadedfile import SimpleUploadedFile

        from parta.core.uploads import PDF

        upload = SimpleUploadedFile("scan.pdf", b"%PDF-1.4\n%%EOF\n", "application/pdf")
        upload.parta_kind = PDF
        found = import_module("parta.messaging.services").conversation_start(
            sender=cast.parent,
            recipient_ids=[cast.class_teacher.pk],
            subject="Справка",
            body="Здравствуйте",
            files=[upload],
        )
        cast._matrix_conversation = found  # type: ignore[attr-defined]
    return found


def _announcement(cast: Cast) -> int:
    """The class teacher's announcement to 5А, its students and parents (MSG-2)."""
    services = import_module("parta.messaging.services")
    return int(
        services.announcement_publish(
            author=cast.class_teacher,
            audience="class",
            school_class=cast.school_class,
            title="Экскурсия",
            body="В пятницу",
        ).pk
    )


def _browser() -> Any:
    """A browser's push subscription keys (NTF-3), as PushManager.subscribe() makes them."""
    return import_module("parta.core.tests.push_service").Browser()


def _push_subscription(cast: Cast) -> Any:
    """The parent's phone, switched on for push notifications (NTF-3)."""
    found = getattr(cast, "_matrix_push_subscription", None)
    if found is None:
        keys = _browser().keys()
        found = import_module("parta.notifications.push").push_subscribe(
            person=cast.parent,
            endpoint=f"https://fcm.googleapis.com/fcm/send/matrix-{uuid.uuid4().hex}",
            p256dh=keys["p256dh"],
            auth=keys["auth"],
        )
        cast._matrix_push_subscription = found  # type: ignore[attr-defined]
    return found


def THE_CLASS(cast: Cast) -> list[Any]:
    return [cast.school_class.pk]


# --- the matrix ---------------------------------------------------------------------------
PAGES: dict[str, Row] = {
    "home": Row(EVERYONE, ok=302),
    "role_switch": Row(EVERYONE, ok=302, method="post", data=lambda cast: {"role": "none"}),
    # Only for people who still hold an issued password; everyone else is sent home.
    "set_initial_password": Row(EVERYONE, ok=302),
    "no_role_home": Row(EVERYONE),
    "student_home": Row(only("student")),
    "parent_home": Row(only("parent", "other_parent")),
    "teacher_home": Row(only("class_teacher", "other_teacher")),
    "class_teacher_home": Row(only("class_teacher")),
    "school_home": Row(only("director")),
    "municipal_home": Row(only("official")),
    "operator_home": Row(only("operator")),
    "help": Row(EVERYONE, public=True),
    "healthz": Row(EVERYONE, public=True),
    "set_language": Row(
        EVERYONE, public=True, ok=302, method="post", data=lambda cast: {"language": "en"}
    ),
    # ACC-2: the class teacher for their class, the school's administration, the operator.
    "issuing_roster": Row(ISSUERS, args=THE_CLASS),
    "issuing_student_add": Row(ISSUERS, args=THE_CLASS),
    "issuing_roster_upload": Row(ISSUERS, args=THE_CLASS),
    "issuing_roster_template": Row(ISSUERS, args=THE_CLASS),
    "issuing_slips_print": Row(
        ISSUERS, args=THE_CLASS, method="post", ok=302, data=lambda cast: {"which": "pending"}
    ),
    "issuing_password_reset": Row(
        ISSUERS, args=lambda cast: [cast.school_class.pk, cast.parent.pk]
    ),
    # --- onboarding: organization access, directors (VER-1..3) ---
    # Public: the request and the change-of-director start; behind the official email's link,
    # the token is the check. The operator of the region decides; a director changes director.
    "onboarding_request_new": Row(EVERYONE, public=True),
    "onboarding_request_sent": Row(EVERYONE, public=True),
    "onboarding_request_status": Row(
        EVERYONE,
        public=True,
        args=lambda cast: [_onboarding().access_request(cast) and _onboarding().REQUEST_TOKEN],
    ),
    "onboarding_request_form": Row(
        EVERYONE,
        public=True,
        args=lambda cast: [_onboarding().access_request(cast) and _onboarding().REQUEST_TOKEN],
    ),
    # A waiting director's own page: nobody else (the cast holds no waiting director).
    "onboarding_director_verify": Row(
        only(), args=lambda cast: [_onboarding().pending_director_position(cast).pk]
    ),
    "onboarding_director_consent": Row(
        only(),
        args=lambda cast: [_onboarding().pending_director_position(cast).pk],
        method="post",
        data=lambda cast: {"agree": "yes"},
    ),
    "onboarding_change_start": Row(EVERYONE, public=True),
    "onboarding_change_public": Row(
        EVERYONE,
        public=True,
        args=lambda cast: [_onboarding().change_link(cast) and _onboarding().CHANGE_TOKEN],
    ),
    "onboarding_change_cabinet": Row(only("director"), args=lambda cast: [cast.school.pk]),
    "onboarding_operator_requests": Row(only("operator")),
    "onboarding_operator_request": Row(
        only("operator"), args=lambda cast: [_onboarding().access_request(cast).pk]
    ),
    "onboarding_operator_request_scan": Row(
        only("operator"), args=lambda cast: [_onboarding().access_request(cast).pk]
    ),
    "onboarding_operator_directors": Row(only("operator")),
    "onboarding_operator_director": Row(
        only("operator"), args=lambda cast: [_onboarding().director_submission(cast).pk]
    ),
    "onboarding_operator_director_scan": Row(
        only("operator"), args=lambda cast: [_onboarding().director_submission(cast).pk]
    ),
    "onboarding_operator_changes": Row(only("operator")),
    "onboarding_operator_change": Row(
        only("operator"), args=lambda cast: [_onboarding().director_change(cast).pk]
    ),
    "onboarding_operator_change_scan": Row(
        only("operator"), args=lambda cast: [_onboarding().director_change(cast).pk]
    ),
    # --- end onboarding ---
    # --- confirmation of staff and students, reports (VER-4, VER-5) ---
    # Anyone signed in: their own places and claims; the school list is public knowledge.
    "confirmation_my_places": Row(EVERYONE),
    "confirmation_claim_start": Row(EVERYONE),
    "confirmation_claim_work": Row(EVERYONE, args=lambda cast: [cast.school.pk]),
    "confirmation_claim_study": Row(EVERYONE, args=lambda cast: [cast.school.pk]),
    # Only the owner withdraws their pending claim; for anyone else it does not exist.
    "confirmation_claim_withdraw": Row(
        only("pending_teacher"),
        method="post",
        ok=302,
        args=lambda cast: [
            "staff",
            import_module("parta.confirmation.tests.fixtures").pending_position(cast).pk,
        ],
    ),
    # VER-4: the confirmed director decides staff; a confirmed class teacher their students.
    "confirmation_staff": Row(only("director")),
    "confirmation_students": Row(only("class_teacher")),
    # VER-5: the director sends; the municipal authority and the operator read.
    "confirmation_reports": Row(only("director", "official", "operator")),
    "confirmation_report_send": Row(
        only("director"), method="post", ok=302, data=lambda cast: {"organization": cast.school.pk}
    ),
    "confirmation_report": Row(
        only("director", "official", "operator"),
        args=lambda cast: [import_module("parta.confirmation.tests.fixtures").report(cast).pk],
    ),
    "confirmation_report_pdf": Row(
        only("director", "official", "operator"),
        args=lambda cast: [import_module("parta.confirmation.tests.fixtures").report(cast).pk],
    ),
    # --- end confirmation ---
    # --- registration and invitations (ACC-1, ACC-3) ---
    # Resending the confirmation letter names no address: without a pending sign-in in the
    # session it sends everyone to sign in.
    "registration_resend_confirmation": Row(EVERYONE, public=True, method="post", ok=302),
    # The class teacher invites into their class, the administration into the school; only
    # the director invites staff. The teacher still waiting for confirmation has no role.
    "registration_invitations": Row(only("class_teacher", "director")),
    "registration_invite_student": Row(only("class_teacher", "director")),
    "registration_invite_parent": Row(only("class_teacher", "director")),
    "registration_invite_staff": Row(only("director")),
    # 5А's class teacher invited the student's father: they and the director manage it.
    "registration_invitation_resend": Row(
        only("class_teacher", "director"),
        args=lambda cast: [_registration().parent_invitation(cast).pk],
        method="post",
        ok=302,
    ),
    "registration_invitation_revoke": Row(
        only("class_teacher", "director"),
        args=lambda cast: [_registration().parent_invitation(cast).pk],
        method="post",
        ok=302,
    ),
    # The invitee's link is public: the token is the check.
    "registration_accept": Row(
        EVERYONE,
        public=True,
        args=lambda cast: [_registration().parent_invitation(cast) and _registration().TOKEN],
    ),
    # --- end registration ---
    # --- ESIA sign-in (ACC-4) ---
    # The test settings configure no ESIA provider: then every ESIA URL answers 404 to
    # everyone, signed in or not. Configured, the same pages are walked for the whole cast in
    # parta/esia/tests/test_linking.py against a real OpenID Connect provider.
    "esia_start": Row(only(), public=True, ok=404),
    "esia_callback": Row(only(), public=True, ok=404),
    "esia_link": Row(only(), public=True, ok=404),
    "esia_links": Row(only(), public=True, ok=404),
    "esia_unlink": Row(only(), public=True, ok=404, method="post", args=lambda cast: [1]),
    "esia_queue": Row(only(), public=True, ok=404),
    "esia_confirm": Row(only(), public=True, ok=404, method="post", args=lambda cast: [1]),
    "esia_reject": Row(only(), public=True, ok=404, method="post", args=lambda cast: [1]),
    # --- end esia ---
    # --- login settings, sessions, two-factor (ACC-8, MFA) ---
    # One's own account only: every signed-in person, nobody else's data to reach.
    "security_settings": Row(EVERYONE),
    "security_name": Row(EVERYONE),
    "security_phone": Row(EVERYONE),
    "security_phone_confirm": Row(EVERYONE, ok=302),  # no code pending: back to the number
    "security_phone_remove": Row(EVERYONE, ok=302, method="post"),
    "security_sessions_end": Row(EVERYONE, ok=302, method="post"),
    "security_mfa_required": Row(EVERYONE, ok=302),  # nobody in the cast is required
    # An organization's two-factor rule: its director, the region's operator.
    "security_policies": Row(only("director", "operator")),
    "security_policy_edit": Row(only("director", "operator"), args=lambda cast: [cast.school.pk]),
    # A staff member's lost second factor: the class teacher of Школа № 1.
    "security_two_factor_reset": Row(
        only("director", "operator"),
        args=lambda cast: [cast.school.pk, cast.class_teacher.pk],
        ok=302,
        method="post",
    ),
    # --- end security ---
    # --- complaints (ACC-6) ---
    # Filed without signing in; the complainant follows it by the private link of the letter.
    "complaint_new": Row(EVERYONE, public=True),
    "complaint_schools": Row(EVERYONE, public=True),
    "complaint_status": Row(
        EVERYONE,
        public=True,
        args=lambda cast: [
            import_module("parta.complaints.tests.fixtures").school_complaint(cast).access_key
        ],
    ),
    # The department of the school's municipality and the regional operator; no school staff.
    "complaints_queue": Row(only("official", "operator")),
    "complaint_detail": Row(
        only("official", "operator"),
        args=lambda cast: [
            import_module("parta.complaints.tests.fixtures").school_complaint(cast).pk
        ],
    ),
    "complaint_take": Row(
        only("official", "operator"),
        method="post",
        ok=302,
        args=lambda cast: [
            import_module("parta.complaints.tests.fixtures").school_complaint(cast).pk
        ],
    ),
    # --- end complaints ---
    # --- family (ACC-9) ---
    # Any adult may ask for a child (a first link too); a second parent needs a child already.
    "family_index": Row(EVERYONE - {"student"}),
    "family_request_child": Row(EVERYONE - {"student"}),
    "family_school_options": Row(EVERYONE - {"student"}),
    "family_request_parent": Row(only("parent", "other_parent")),
    "family_request_withdraw": Row(
        only("parent"),
        method="post",
        ok=302,
        args=lambda cast: [import_module("parta.family.tests.fixtures").child_request(cast).pk],
    ),
    # The administration of the school the request names and the class teacher of its class.
    "family_school_requests": Row(only("director", "class_teacher")),
    "family_decide": Row(
        only("director", "class_teacher"),
        args=lambda cast: [import_module("parta.family.tests.fixtures").child_request(cast).pk],
    ),
    # --- end family ---
    # --- profile and documents (ACC-7) ---
    "profile": Row(EVERYONE),
    # The parent's marriage certificate: the owner, the administration of the child's school
    # and the regional operator download it; teachers, other parents, authorities do not.
    "profile_document_download": Row(
        only("parent", "director", "operator"),
        args=lambda cast: [import_module("parta.profiles.tests.fixtures").parent_document(cast).pk],
    ),
    "profile_document_delete": Row(
        only("parent"),
        args=lambda cast: [import_module("parta.profiles.tests.fixtures").parent_document(cast).pk],
    ),
    "profile_person": Row(
        only("parent", "director", "operator"), args=lambda cast: [cast.parent.pk]
    ),
    # --- end profiles ---
    # --- consents and the access log (152-FZ) ---
    "privacy_consents": Row(EVERYONE),
    "privacy_consent_text": Row(EVERYONE, args=lambda cast: ["child_ejournal", "2026-11"]),
    "privacy_consent_give": Row(
        only("parent"),
        method="post",
        ok=302,
        data=lambda cast: {"person": cast.student.pk, "purpose": "child_ejournal"},
    ),
    "privacy_consents_later": Row(EVERYONE, method="post", ok=302),
    # The parent's consent for the child: the parent withdraws it, the child only reads it.
    "privacy_consent_withdraw": Row(
        only("parent"),
        args=lambda cast: [import_module("parta.privacy.tests.fixtures").parent_consent(cast).pk],
    ),
    "privacy_access_log": Row(EVERYONE),
    "privacy_access_log_of": Row(only("parent", "student"), args=lambda cast: [cast.student.pk]),
    # --- end privacy ---
    # --- the year's structure, the timetable, lessons (JRN-1..3) ---
    # The school's administration: the year's structure, the template, one-off changes.
    "timetable_school": Row(only("director"), args=lambda cast: [cast.school.pk]),
    "timetable_terms": Row(only("director"), args=lambda cast: [cast.school.pk]),
    "timetable_bells": Row(only("director"), args=lambda cast: [cast.school.pk]),
    "timetable_settings": Row(only("director"), args=lambda cast: [cast.school.pk]),
    "timetable_grade_types": Row(only("director"), args=lambda cast: [cast.school.pk]),
    "timetable_grade_type": Row(only("director"), args=lambda cast: [_tt().grade_type(cast).pk]),
    "timetable_changes": Row(only("director"), args=lambda cast: [cast.school.pk]),
    "timetable_edit": Row(only("director"), args=THE_CLASS),
    "timetable_slot_add": Row(only("director"), args=THE_CLASS),
    "timetable_slot_change": Row(only("director"), args=lambda cast: [_tt().entry(cast).pk]),
    "timetable_slot_remove": Row(only("director"), args=lambda cast: [_tt().entry(cast).pk]),
    "timetable_generate": Row(
        only("director"),
        args=lambda cast: [_tt().entry(cast).school_class_id],
        method="post",
        ok=302,
    ),
    "lesson_add": Row(only("director"), args=THE_CLASS),
    "lesson_reschedule": Row(only("director"), args=lambda cast: [_tt().lesson(cast).pk]),
    "timetable_teacher_of": Row(only("director"), args=lambda cast: [cast.class_teacher.pk]),
    # Whoever has a timetable is sent to it; the authorities and the unconfirmed have none.
    "timetable_mine": Row(
        only("student", "parent", "other_parent", "class_teacher", "other_teacher", "director"),
        ok=302,
    ),
    # 5А's week and its lesson: its students and parents, the school's staff, the authorities.
    "timetable_class": Row(
        only("student", "parent", "class_teacher", "director", "official", "operator"),
        args=THE_CLASS,
    ),
    "lesson_detail": Row(
        only("student", "parent", "class_teacher", "director", "official", "operator"),
        args=lambda cast: [_tt().lesson(cast).pk],
    ),
    "lesson_file": Row(
        only("student", "parent", "class_teacher", "director", "official", "operator"),
        args=lambda cast: [_tt().lesson(cast).pk, _tt().lesson_file(cast).pk],
    ),
    # Removing a file: whoever writes the lesson (its teacher) and the administration.
    "lesson_file_delete": Row(
        only("class_teacher", "director"),
        args=lambda cast: [_tt().lesson(cast).pk, _tt().lesson_file(cast).pk],
        method="post",
        ok=302,
    ),
    # Staff who teach: their own week and their lessons to fill in.
    "timetable_teacher": Row(only("class_teacher", "other_teacher", "director")),
    "lessons_mine": Row(only("class_teacher", "other_teacher", "director")),
    # --- end timetable ---
    # --- the inbox (NTF-1, NTF-4): one's own messages only ---
    "inbox": Row(EVERYONE),
    "inbox_read_all": Row(EVERYONE, method="post", ok=302),
    "inbox_open": Row(
        only("parent"), args=lambda cast: [_tt().parent_notification(cast).pk], ok=302
    ),
    "inbox_read": Row(
        only("parent"),
        args=lambda cast: [_tt().parent_notification(cast).pk],
        method="post",
        ok=302,
    ),
    # --- the SMS balance (NTF-2): one's own balance, ledger and payments only ---
    "notification_settings": Row(EVERYONE),
    "sms_balance": Row(EVERYONE),
    "sms_top_up": Row(
        EVERYONE,
        method="post",
        ok=302,
        data=lambda cast: {"amount": "100", "key": uuid.uuid4().hex},
    ),
    "sms_payment_return": Row(only("parent"), args=lambda cast: [_sms_payment(cast)], ok=302),
    # YooKassa's webhook: nobody but YooKassa's networks (127.0.0.1 is not among them).
    "yookassa_webhook": Row(only(), public=True, method="post", ok=404),
    # --- push notifications in the browser (NTF-3): one's own browsers only ---
    # Anybody switches push on in their own browser (a fresh endpoint each time).
    "push_subscribe": Row(
        EVERYONE,
        method="post",
        json=True,
        ok=201,
        data=lambda cast: _browser().subscription(
            f"https://fcm.googleapis.com/fcm/send/{uuid.uuid4().hex}"
        ),
    ),
    # The parent's phone: only the parent switches it off; for anybody else it does not exist.
    "push_unsubscribe": Row(
        only("parent"),
        method="post",
        json=True,
        ok=204,
        data=lambda cast: {"endpoint": _push_subscription(cast).endpoint},
    ),
    "push_subscription_remove": Row(
        only("parent"), args=lambda cast: [_push_subscription(cast).pk], method="post", ok=302
    ),
    # The installable web app: the same for everybody, signed in or not.
    "web_manifest": Row(EVERYONE, public=True),
    "service_worker": Row(EVERYONE, public=True),
    "offline": Row(EVERYONE, public=True),
    # --- end inbox ---
    # --- messages (MSG-1): participants only; announcements (MSG-2): the group only ---
    "conversations": Row(EVERYONE),
    "message_recipients": Row(EVERYONE),
    "message_new": Row(
        only("student", "parent", "other_parent", "class_teacher", "other_teacher", "director")
    ),
    "conversation": Row(
        only("parent", "class_teacher"), args=lambda cast: [_conversation(cast).pk]
    ),
    "message_attachment": Row(
        only("parent", "class_teacher"),
        args=lambda cast: [
            _conversation(cast).pk,
            _conversation(cast).messages.get().attachments.get().pk,
        ],
    ),
    "announcements": Row(EVERYONE),
    "announcement_new": Row(only("class_teacher", "director")),
    "announcement": Row(
        only("student", "parent", "class_teacher", "director"),
        args=lambda cast: [_announcement(cast)],
    ),
    # --- end messages ---
    # --- journal statistics (JRN-9) ---
    # Whoever keeps journals; the lists are their own (the other school's teacher: empty).
    "journal_stats_index": Row(only("class_teacher", "other_teacher", "director")),
    # 5А's Mathematics: its teacher (the class teacher) and the school's administration.
    "journal_stats": Row(only("class_teacher", "director"), args=lambda cast: _math_5a(cast)),
    "journal_stats_attention": Row(
        only("class_teacher", "director"), args=lambda cast: _math_5a(cast)
    ),
    # 5А as a whole: its class teacher and the school's administration.
    "class_stats": Row(only("class_teacher", "director"), args=lambda cast: _math_5a(cast)[:1]),
    "class_stats_attention": Row(
        only("class_teacher", "director"), args=lambda cast: _math_5a(cast)[:1]
    ),
    "class_stats_export": Row(
        only("class_teacher", "director"), args=lambda cast: _math_5a(cast)[:1]
    ),
    # --- end journal statistics ---
    # --- the teacher's journal (JRN-4..7) ---
    # Whoever keeps journals; the lists are their own (the other school's teacher: empty).
    "journal_list": Row(only("class_teacher", "other_teacher", "director")),
    # 5А's Mathematics: its teacher (the class teacher) and the school's administration.
    "journal_grid": Row(only("class_teacher", "director"), args=lambda cast: _math_5a(cast)),
    "journal_changes": Row(only("class_teacher", "director"), args=lambda cast: _math_5a(cast)),
    "journal_final_save": Row(
        only("class_teacher", "director"),
        args=lambda cast: [*_math_5a(cast), cast.student.pk],
        method="post",
        data=lambda cast: {"term": "year", "value": "4"},
    ),
    "journal_cell_save": Row(
        only("class_teacher", "director"),
        args=_cell_5a,
        method="post",
        data=lambda cast: {"value": "5"},
    ),
    "journal_cell_history": Row(only("class_teacher", "director"), args=_cell_5a),
    "journal_lesson_grade_type": Row(
        only("class_teacher", "director"),
        args=lambda cast: _cell_5a(cast)[:1],
        method="post",
        data=lambda cast: {"grade_type": _grade_type("test")},
    ),
    # Closing a term: the school's administration only.
    "journal_term_close": Row(
        only("director"), args=lambda cast: [_journal(cast).term2.pk], ok=302, method="post"
    ),
    "journal_term_reopen": Row(
        only("director"), args=lambda cast: [_journal(cast).term1.pk], ok=302, method="post"
    ),
    # --- end the teacher's journal ---
    # --- the diary, achievements, the calendar (JRN-8) ---
    # Petrov's diary: himself and his parent; another family's parent gets a 404.
    "diary_week": Row(only("student", "parent"), data=lambda cast: {"child": cast.student.pk}),
    "diary_print": Row(only("student", "parent"), data=lambda cast: {"child": cast.student.pk}),
    "diary_record": Row(only("student", "parent"), data=lambda cast: {"child": cast.student.pk}),
    # Achievements of 5А: its class teacher and the school's administration.
    "achievements_class": Row(only("class_teacher", "director"), args=THE_CLASS),
    "achievements_student": Row(
        only("class_teacher", "director"), args=lambda cast: [cast.student.pk]
    ),
    "achievement_remove": Row(
        only("class_teacher", "director"),
        args=lambda cast: [cast.student.pk, _achievement(cast).pk],
        method="post",
        ok=302,
    ),
    # Whoever has a timetable of their own; the feed itself opens by its token alone.
    "calendar_settings": Row(
        only("student", "parent", "other_parent", "class_teacher", "other_teacher", "director")
    ),
    "calendar_feed": Row(EVERYONE, public=True, args=lambda cast: [_calendar_token(cast)]),
    # --- end the diary ---
}

# Namespaces tested as a whole elsewhere in this file.
EXCLUDED_NAMESPACES = {"admin", "api"}


@dataclass(frozen=True)
class AccountRow:
    """A sign-in page: what an anonymous visitor and what any signed-in person gets."""

    anonymous: int
    signed_in: int
    args: tuple[str, ...] = ()


# Allauth's pages under /accounts/: about one's own account only, so the same for every member.
ACCOUNT_PAGES: dict[str, AccountRow] = {
    "account_login": AccountRow(200, 302),
    "account_logout": AccountRow(302, 200),
    "account_inactive": AccountRow(200, 200),
    # Open to adult learners (ACC-1); school accounts stay issued (ACC-2) or invited (ACC-3).
    "account_signup": AccountRow(200, 302),
    "account_reauthenticate": AccountRow(302, 200),
    "account_email": AccountRow(302, 200),
    "account_email_verification_sent": AccountRow(200, 200),
    "account_change_password": AccountRow(302, 200),
    "account_set_password": AccountRow(302, 302),  # everyone in the cast has a password
    "account_reset_password": AccountRow(200, 200),
    "account_reset_password_done": AccountRow(200, 200),
    "account_reset_password_from_key_done": AccountRow(200, 200),
    "account_confirm_login_code": AccountRow(302, 302),  # sign-in by code is off
    # A made-up key: the "link is not valid" page, never someone's account.
    "account_confirm_email": AccountRow(200, 200, args=("made-up-key",)),
    "account_reset_password_from_key": AccountRow(200, 200, args=("0", "made-up-key")),
    # Two-factor sign-in and sessions (ACC-8, MFA; parta.security): nobody in the cast has an
    # authenticator, so its own pages are 404 and the changes ask for the password first.
    "mfa_index": AccountRow(302, 200),
    "mfa_authenticate": AccountRow(302, 302),  # only in the middle of a sign-in
    "mfa_reauthenticate": AccountRow(302, 302),
    "mfa_activate_totp": AccountRow(302, 302),  # the password again first
    "mfa_deactivate_totp": AccountRow(302, 404),
    "mfa_view_recovery_codes": AccountRow(302, 404),
    "mfa_generate_recovery_codes": AccountRow(302, 302),
    "mfa_download_recovery_codes": AccountRow(302, 404),
    "usersessions_list": AccountRow(302, 200),
}


def _named_patterns(
    patterns: list[URLPattern | URLResolver], prefix: str = "", namespace: str | None = None
) -> list[tuple[str | None, str, str]]:
    found: list[tuple[str | None, str, str]] = []
    for p in patterns:
        if isinstance(p, URLResolver):
            ns = p.namespace or namespace
            found += _named_patterns(p.url_patterns, prefix + str(p.pattern), ns)
        else:
            found.append((namespace, p.name or "", prefix + str(p.pattern)))
    return found


def site_views() -> list[tuple[str, str]]:
    """(name, route) of every view outside the excluded namespaces and allauth."""
    views = []
    for namespace, name, route in _named_patterns(get_resolver().url_patterns):
        if namespace in EXCLUDED_NAMESPACES:
            continue
        views.append((name, route))
    return views


def test_every_view_is_in_the_matrix():
    unnamed = [route for name, route in site_views() if not name]
    assert not unnamed, f"Views without a name cannot be checked: {unnamed}"
    rows = PAGES.keys() | ACCOUNT_PAGES.keys()
    missing = sorted({name for name, _ in site_views()} - rows)
    assert not missing, f"Add these views to the access matrix (PAGES): {missing}"
    stale = sorted(rows - {name for name, _ in site_views()})
    assert not stale, f"The matrix names views that no longer exist: {stale}"


def _request(client: Client, row: Row, name: str, cast: Cast) -> Any:
    url = reverse(name, args=row.args(cast))
    data = row.data(cast) if row.data else {}
    if row.method == "post" and row.json:
        return client.post(url, data, content_type="application/json")
    return client.post(url, data) if row.method == "post" else client.get(url, data)


@pytest.mark.parametrize("name", sorted(PAGES))
@pytest.mark.parametrize("member", MEMBERS)
def test_view_access_follows_the_policy(cast, client, name, member):
    row = PAGES[name]
    client.force_login(cast.members[member])
    response = _request(client, row, name, cast)
    expected = row.ok if member in row.allowed else 404
    assert response.status_code == expected, (
        f"{member} on {name}: got {response.status_code}, expected {expected}"
    )


@pytest.mark.parametrize("name", sorted(PAGES))
def test_anonymous_is_sent_to_sign_in(cast, client, name):
    row = PAGES[name]
    response = _request(client, row, name, cast)
    if row.public:
        assert response.status_code == row.ok
    else:
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


@pytest.mark.parametrize("name", sorted(ACCOUNT_PAGES))
@pytest.mark.parametrize("member", (None, *MEMBERS))
def test_account_pages_answer_as_declared(cast, client, name, member):
    row = ACCOUNT_PAGES[name]
    if member:
        client.force_login(cast.members[member])
    response = client.get(reverse(name, args=row.args))
    expected = row.signed_in if member else row.anonymous
    assert response.status_code == expected, f"{member or 'anonymous'} on {name}"
    if response.status_code == 200:
        assert 'class="navbar-brand' in response.content.decode(), "not in Parta's layout"


# --- the Django admin: only the regional operator, and only their region -------------------
@pytest.mark.parametrize("member", MEMBERS)
def test_admin_opens_only_for_the_operator(cast, client, member):
    client.force_login(cast.members[member])
    response = client.get(reverse("admin:index"))
    assert response.status_code == (200 if member == "operator" else 404)


def test_admin_sends_anonymous_to_its_sign_in(client):
    response = client.get(reverse("admin:index"))
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


# --- the API: every operation of the OpenAPI schema -----------------------------------------
CLASS_VIEWERS = only("student", "parent", "class_teacher", "director", "official", "operator")
API: dict[tuple[str, str], Row] = {
    ("get", "/api/v1/me"): Row(EVERYONE),
    ("get", "/api/v1/me/roles"): Row(EVERYONE),
    ("get", "/api/v1/me/children"): Row(EVERYONE),
    ("get", "/api/v1/children/{child_id}"): Row(
        only("parent"), args=lambda cast: [cast.student.pk]
    ),
    ("get", "/api/v1/me/classes"): Row(EVERYONE),
    ("get", "/api/v1/classes/{class_id}"): Row(CLASS_VIEWERS, args=THE_CLASS),
    ("get", "/api/v1/classes/{class_id}/students"): Row(CLASS_VIEWERS, args=THE_CLASS),
    ("post", "/api/v1/tokens"): Row(EVERYONE, ok=201, method="post"),
    ("get", "/api/v1/tokens"): Row(EVERYONE),
    # A token of the parent's: only its owner may revoke it.
    ("delete", "/api/v1/tokens/{token_id}"): Row(
        only("parent"), args=lambda cast: [parent_token(cast).pk], ok=204, method="delete"
    ),
    # --- the journal (JRN-3..8) ---
    # A diary is a student's own or a parent's child's; everybody else has none (404).
    ("get", "/api/v1/diary/week"): Row(only("student", "parent", "other_parent")),
    ("get", "/api/v1/homework"): Row(only("student", "parent", "other_parent")),
    # 5А's latest Mathematics lesson: its class, its parents and the school's staff.
    ("get", "/api/v1/lessons/{lesson_id}"): Row(
        only("student", "parent", "class_teacher", "director", "official", "operator"),
        args=lambda cast: _cell_5a(cast)[:1],
    ),
    ("put", "/api/v1/lessons/{lesson_id}/homework"): Row(
        only("class_teacher", "director"),
        args=lambda cast: _cell_5a(cast)[:1],
        method="put",
        data=lambda cast: {"topic": "Дроби"},
    ),
    ("get", "/api/v1/journals/{class_id}/{subject_id}"): Row(
        only("class_teacher", "director"), args=_math_5a
    ),
    ("put", "/api/v1/lessons/{lesson_id}/marks/{student_id}"): Row(
        only("class_teacher", "director"),
        args=_cell_5a,
        method="put",
        data=lambda cast: {"value": 5},
    ),
    ("put", "/api/v1/lessons/{lesson_id}/attendance/{student_id}"): Row(
        only("class_teacher", "director"),
        args=_cell_5a,
        method="put",
        data=lambda cast: {"attendance": "late"},
    ),
    # --- messages (MSG-1, MSG-2) ---
    ("get", "/api/v1/messages"): Row(EVERYONE),
    ("get", "/api/v1/messages/unread"): Row(EVERYONE),
    ("get", "/api/v1/messages/recipients"): Row(EVERYONE, data=lambda cast: {"q": "Смирнова"}),
    # Writing to the class teacher: whoever may write to her (her own family and colleagues).
    ("post", "/api/v1/messages"): Row(
        only("student", "parent", "director"),
        ok=201,
        method="post",
        data=lambda cast: {"to": [cast.class_teacher.pk], "body": "Здравствуйте"},
    ),
    ("get", "/api/v1/messages/{conversation_id}"): Row(
        only("parent", "class_teacher"), args=lambda cast: [_conversation(cast).pk]
    ),
    ("post", "/api/v1/messages/{conversation_id}"): Row(
        only("parent", "class_teacher"),
        args=lambda cast: [_conversation(cast).pk],
        ok=201,
        method="post",
        data=lambda cast: {"body": "Ответ"},
    ),
    ("get", "/api/v1/announcements"): Row(EVERYONE),
    ("get", "/api/v1/announcements/{announcement_id}"): Row(
        only("student", "parent", "class_teacher", "director"),
        args=lambda cast: [_announcement(cast)],
    ),
}


def parent_token(cast: Cast) -> Any:
    from parta.accounts.tokens import api_token_create

    return api_token_create(user=cast.parent, name="matrix").token


def api_operations() -> set[tuple[str, str]]:
    from parta.api import api

    schema = api.get_openapi_schema()
    return {
        (method, path)
        for path, operations in schema["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


def test_every_api_operation_is_in_the_matrix():
    assert api_operations() == set(API), (
        f"Missing: {sorted(api_operations() - set(API))}; stale: {sorted(set(API) - api_operations())}"
    )


def _api_request(client: Client, key: tuple[str, str], row: Row, cast: Cast) -> Any:
    method, path = key
    for value in row.args(cast):
        path = path.replace(path[path.index("{") : path.index("}") + 1], str(value), 1)
    if method == "post":
        data = row.data(cast) if row.data else {"name": "matrix"}
        return client.post(path, data, content_type="application/json")
    if method == "put":
        data = row.data(cast) if row.data else {}
        return client.put(path, data, content_type="application/json")
    return getattr(client, method)(path, row.data(cast) if row.data else None)


@pytest.mark.parametrize("key", sorted(API), ids=lambda k: f"{k[0]} {k[1]}")
@pytest.mark.parametrize("member", MEMBERS)
def test_api_access_follows_the_policy(cast, client, key, member):
    row = API[key]
    client.force_login(cast.members[member])
    response = _api_request(client, key, row, cast)
    expected = row.ok if member in row.allowed else 404
    assert response.status_code == expected, f"{member} on {key}: {response.status_code}"


@pytest.mark.parametrize("key", sorted(API), ids=lambda k: f"{k[0]} {k[1]}")
def test_api_refuses_anonymous_callers(cast, client, key):
    response = _api_request(client, key, API[key], cast)
    assert response.status_code == 401
