"""Pages of the journal's statistics (JRN-9). Thin: the numbers live in
``selectors.statistics``, the message to parents in ``services.attention``.

- /journal/stats/ — the journals and classes whose statistics the person may read.
- /journal/stats/<class>/<subject>/ — a teacher's journal per student and per class; its
  need-attention list with "write to the parents".
- /journal/stats/class/<class>/ — a class teacher's class per subject and over all subjects;
  its need-attention list; the students × subjects table as .xlsx.

A journal is the teacher's who teaches the subject in the class and the school's
administration's (the policy's ``lesson`` "mark"); a class is its class teacher's and the
administration's. Anything else is a 404. Each page costs a fixed number of queries (see the
comments), whatever the size of the class and the number of marks.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_http_methods

from parta.core.access import cabinet
from parta.core.errors import DomainError
from parta.journal.selectors import attention as needs
from parta.journal.selectors import statistics as stats
from parta.journal.selectors.statistics import ClassRef, JournalRef
from parta.journal.services import attention
from parta.journal.stats_xlsx import class_workbook

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _no_terms(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """A school that has not divided its year into terms yet gets a page that says so."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except stats.NoTerms as exc:
            return render(
                request, "journal/stats_no_terms.html", {"school_class": exc.school_class}
            )

    return wrapper


def _rules() -> dict[str, Any]:
    return {
        "recent_days": stats.RECENT_DAYS,
        "falling_by": needs.FALLING_BY,
        "min_marks": stats.MIN_MARKS_EACH_PART,
        "low_average": needs.LOW_AVERAGE,
        "missed_share": needs.MISSED_SHARE,
        "unexcused_limit": needs.UNEXCUSED_LIMIT,
    }


@login_required
@cabinet("journal")
@require_GET
def stats_index(request: HttpRequest) -> HttpResponse:
    """The journals and classes whose statistics the person may read.

    Queries: the layout's (the session, the person and their roles, the header's inbox
    badge: 4 today) and 2 of its own, the journals and the classes = 6, whatever the size
    of the school.
    """
    classes = stats.stats_classes(request.user)
    return render(
        request,
        "journal/stats_index.html",
        {
            "journals": stats.stats_journals(request.user),
            "classes": classes,
            "classes_schools": len({c.organization_id for c in classes}),
        },
    )


@login_required
@cabinet("journal")
@require_GET
@_no_terms
def journal_stats(request: HttpRequest, class_id: int, subject_id: int) -> HttpResponse:
    """JRN-9: a teacher's journal per student and per class.

    Queries: the layout's (4 today) and 7 of its own — the journal through the policy, its
    terms and the school's settings (3), the statistics (4) — = 11, whatever the size of the
    class or the number of marks (asserted in tests with growing data).
    """
    ref = stats.journal_ref(
        request.user, class_id=class_id, subject_id=subject_id, term_id=request.GET.get("term")
    )
    data = stats.journal_statistics(ref)
    return render(
        request,
        "journal/stats_journal.html",
        {
            "ref": ref,
            "stats": data,
            "attention_count": len(needs.journal_attention(data)),
            "low": ref.bands.scaled(needs.LOW_AVERAGE),
            "falling": ref.bands.scaled(needs.FALLING_BY),
            "rules": _rules(),
        },
    )


@login_required
@cabinet("class_statistics")
@require_GET
@_no_terms
def class_stats(request: HttpRequest, class_id: int) -> HttpResponse:
    """JRN-9: a class per subject and over all subjects.

    Queries: the layout's (4 today) and 6 of its own — the class, its terms and the school's
    settings (3), the statistics (3) — = 10, whatever the number of students, subjects or
    marks (asserted in tests with growing data).
    """
    ref = stats.class_ref(request.user, class_id=class_id, term_id=request.GET.get("term"))
    data = stats.class_statistics(ref)
    return render(
        request,
        "journal/stats_class.html",
        {
            "ref": ref,
            "stats": data,
            "attention_count": len(needs.class_attention(data)),
            "low": ref.bands.scaled(needs.LOW_AVERAGE),
            "rules": _rules(),
        },
    )


@login_required
@cabinet("class_statistics")
@require_GET
@_no_terms
def class_stats_export(request: HttpRequest, class_id: int) -> HttpResponse:
    """JRN-9: the class's table as .xlsx, the same numbers as the page. Queries: the
    session, the person and their roles (3) and the page's own 6 = 9, whatever the size."""
    ref = stats.class_ref(request.user, class_id=class_id, term_id=request.GET.get("term"))
    response = HttpResponse(class_workbook(stats.class_statistics(ref)), content_type=XLSX)
    name = f"parta-{ref.school_class.name}-{ref.period.term.name}.xlsx".replace(" ", "-")
    response["Content-Disposition"] = content_disposition_header(True, name) or "attachment"
    return response


@login_required
@cabinet("journal")
@require_http_methods(["GET", "POST"])
@_no_terms
def journal_attention(request: HttpRequest, class_id: int, subject_id: int) -> HttpResponse:
    """JRN-9: who needs attention in a teacher's journal; "write to the parents".

    Queries: the layout's (4 today) and 9 of its own — the journal's statistics (7), the
    parents and the messages sent today (2) — = 13, whatever the size.
    """
    ref = stats.journal_ref(
        request.user, class_id=class_id, subject_id=subject_id, term_id=request.GET.get("term")
    )
    return _attention_page(request, ref)


@login_required
@cabinet("class_statistics")
@require_http_methods(["GET", "POST"])
@_no_terms
def class_attention(request: HttpRequest, class_id: int) -> HttpResponse:
    """JRN-9: who needs attention in a class; "write to the parents".

    Queries: the layout's (4 today) and 8 of its own — the class's statistics (6), the
    parents and the messages sent today (2) — = 12, whatever the size.
    """
    ref = stats.class_ref(request.user, class_id=class_id, term_id=request.GET.get("term"))
    return _attention_page(request, ref)


def _chosen(request: HttpRequest) -> list[int]:
    """The student of the row's own button, else the ticked rows."""
    raw = [request.POST["one"]] if request.POST.get("one") else request.POST.getlist("students")
    return [int(x) for x in raw if x.isdigit()]


def _attention_page(request: HttpRequest, ref: JournalRef | ClassRef) -> HttpResponse:
    error = ""
    selected: set[int] = set()
    if request.method == "POST":
        selected = set(_chosen(request))
        try:
            sent = attention.attention_notify(
                actor=request.user, scope=ref, student_ids=sorted(selected)
            )
        except DomainError as exc:
            error = str(exc.message)
        else:
            _tell(request, sent)
            return redirect(request.get_full_path())
    items = needs.attention_of(ref)
    needs.add_contacts(ref, items)
    preview = None
    new_conversation = reverse("message_new")
    for item in items:
        # JRN-9, MSG-1: a conversation with the student's parents, the message ready to edit.
        title, body = attention.attention_message(actor=request.user, scope=ref, item=item).render()
        preview = preview or (title, body)
        pairs = [("to", pk) for pk in item.guardian_ids] + [("subject", title), ("body", body)]
        item.conversation_url = f"{new_conversation}?{urlencode(pairs)}"
    context = {
        "ref": ref,
        "items": items,
        "selected": selected,
        "error": error,
        "preview": preview,
        "rules": _rules(),
        "low": ref.bands.scaled(needs.LOW_AVERAGE),
        "falling": ref.bands.scaled(needs.FALLING_BY),
        "is_journal": isinstance(ref, JournalRef),
    }
    return render(request, "journal/stats_attention.html", context, status=400 if error else 200)


def _tell(request: HttpRequest, sent: attention.AttentionSent) -> None:
    """What was done, in words: how many parents were written to, and what was not."""
    if sent.parents:
        messages.success(
            request,
            ngettext(
                "Сообщение отправлено в Парте %(parents)s родителю (учеников: %(students)s).",
                "Сообщение отправлено в Парте %(parents)s родителям (учеников: %(students)s).",
                sent.parents,
            )
            % {"parents": sent.parents, "students": sent.students},
        )
    if sent.already:
        messages.info(
            request,
            ngettext(
                "Родителям %(n)s ученика сегодня уже написали: повторно сообщение не отправлено.",
                "Родителям %(n)s учеников сегодня уже написали: повторно сообщение не отправлено.",
                sent.already,
            )
            % {"n": sent.already},
        )
    if sent.without_parents:
        messages.warning(
            request,
            _("Родителей этих учеников нет в Парте, свяжитесь с семьёй иначе: %(names)s.")
            % {"names": ", ".join(s.short_name for s in sent.without_parents)},
        )
    if sent.skipped:
        messages.info(
            request,
            ngettext(
                "%(n)s отмеченному ученику особое внимание уже не нужно — ему не писали.",
                "%(n)s отмеченным ученикам особое внимание уже не нужно — им не писали.",
                sent.skipped,
            )
            % {"n": sent.skipped},
        )
