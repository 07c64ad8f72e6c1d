"""ACC-7: the questionnaire, its validation, and name-change documents with who may open them."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from parta import factories as f
from parta.core.validators import snils_checksum
from parta.privacy.models import AccessRecord
from parta.profiles.models import NameChangeDocument, Questionnaire
from parta.profiles.tests.fixtures import make_document, pdf_bytes, png_bytes

pytestmark = pytest.mark.django_db


def valid_snils(first_nine: str = "112233445") -> str:
    return f"{first_nine}{snils_checksum(first_nine):02d}"


def answers(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "birth_date": "1985-09-01",
        "gender": "female",
        "citizenship": "Российская Федерация",
        "snils": valid_snils(),
        "position": "Учитель математики",
        "delivery": "organization",
        "delivery_organization": "МБОУ «Школа № 1»",
        "delivery_address": "г. Энск, ул. Школьная, 1",
        "has_vocational_education": "on",
        "document_kind": "",
    }
    data.update(overrides)
    return data


def test_acc7_profile_saves_questionnaire_birth_date_and_snils(cast, client):
    client.force_login(cast.parent)
    response = client.post(reverse("profile"), answers())
    assert response.status_code == 302
    cast.parent.refresh_from_db()
    assert cast.parent.snils == valid_snils()
    assert str(cast.parent.birth_date) == "1985-09-01"
    q = Questionnaire.objects.get(person=cast.parent)
    assert (q.gender, q.citizenship, q.position, q.delivery) == (
        "female",
        "Российская Федерация",
        "Учитель математики",
        "organization",
    )
    assert q.delivery_organization == "МБОУ «Школа № 1»"
    assert q.has_vocational_education is True
    page = client.get(reverse("profile")).content.decode()
    assert "112-233-445" in page and "Учитель математики" in page


def test_acc7_wrong_snils_checksum_keeps_what_was_typed(cast, client):
    client.force_login(cast.parent)
    wrong = "112-233-445 96" if valid_snils().endswith("95") else "112-233-445 95"
    response = client.post(
        reverse("profile"), answers(snils=wrong, position="Завуч по воспитательной работе")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "не сходится контрольное число" in page
    assert wrong in page
    assert "Завуч по воспитательной работе" in page
    assert "г. Энск, ул. Школьная, 1" in page
    assert 'aria-invalid="true"' in page
    cast.parent.refresh_from_db()
    assert cast.parent.snils == ""
    assert not Questionnaire.objects.filter(person=cast.parent).exists()


def test_acc7_snils_of_another_person_is_refused(cast, client):
    cast.student.snils = valid_snils()
    cast.student.save()
    client.force_login(cast.parent)
    response = client.post(reverse("profile"), answers())
    assert response.status_code == 200
    assert "уже указан в другой учётной записи" in response.content.decode()
    assert not Questionnaire.objects.filter(person=cast.parent).exists()


def test_acc7_delivery_to_an_organization_needs_its_name(cast, client):
    client.force_login(cast.parent)
    response = client.post(reverse("profile"), answers(delivery_organization=""))
    assert response.status_code == 200
    assert "Укажите название организации" in response.content.decode()


def test_acc7_home_delivery_forgets_the_organization_name(cast, client):
    client.force_login(cast.parent)
    client.post(reverse("profile"), answers(delivery="home"))
    assert Questionnaire.objects.get(person=cast.parent).delivery_organization == ""


def test_acc7_disguised_file_is_refused_and_typed_fields_kept(cast, client):
    client.force_login(cast.parent)
    disguised = SimpleUploadedFile(
        "svidetelstvo.pdf", b"MZ\x90\x00 this is a program", content_type="application/pdf"
    )
    response = client.post(
        reverse("profile"),
        answers(document_kind="marriage", document=disguised, position="Методист"),
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "не является документом" in page
    assert "Выберите файл снова" in page
    assert "Методист" in page
    assert not NameChangeDocument.objects.exists()
    assert not Questionnaire.objects.filter(person=cast.parent).exists()


def test_acc7_oversized_file_is_refused_with_the_limit(cast, client, settings):
    settings.PARTA_MAX_DOCUMENT_BYTES = 300
    client.force_login(cast.parent)
    big = SimpleUploadedFile("scan.pdf", pdf_bytes("x" * 400), content_type="application/pdf")
    response = client.post(
        reverse("profile"), answers(document_kind="marriage", document=big, citizenship="РК")
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "а можно не больше 300" in page
    assert 'value="РК"' in page
    assert not NameChangeDocument.objects.exists()


def test_acc7_file_with_other_errors_asks_to_choose_it_again(cast, client):
    client.force_login(cast.parent)
    scan = SimpleUploadedFile("scan.png", png_bytes(), content_type="image/png")
    response = client.post(
        reverse("profile"), answers(document_kind="work_book", document=scan, snils="123")
    )
    assert response.status_code == 200
    assert "файл не загружен. Выберите файл снова" in response.content.decode()
    assert not NameChangeDocument.objects.exists()


def test_acc7_owner_uploads_lists_downloads_and_deletes_a_document(
    cast, client, django_capture_on_commit_callbacks
):
    client.force_login(cast.parent)
    scan = SimpleUploadedFile("Справка ЗАГС.png", png_bytes(), content_type="image/png")
    response = client.post(
        reverse("profile"), answers(document_kind="civil_registry", document=scan)
    )
    assert response.status_code == 302
    document = NameChangeDocument.objects.get(person=cast.parent)
    assert document.original_name == "Справка ЗАГС.png"
    assert "Справка ЗАГС" not in document.file.name  # the stored name says nothing
    page = client.get(reverse("profile")).content.decode()
    assert "Справка ЗАГС.png" in page
    download = client.get(reverse("profile_document_download", args=[document.pk]))
    assert download.status_code == 200
    assert download["Content-Type"] == "image/png"
    assert b"".join(download.streaming_content) == png_bytes()
    assert not AccessRecord.objects.exists()  # the owner's own look is not logged
    path = Path(document.file.path)
    assert path.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("profile_document_delete", args=[document.pk]))
    assert response.status_code == 302
    assert not NameChangeDocument.objects.exists()
    assert not path.exists()


@pytest.mark.parametrize("member", ["director", "operator"])
def test_acc7_authorized_staff_download_and_are_logged(cast, client, member):
    document = make_document(cast.parent)
    viewer = cast.members[member]
    client.force_login(viewer)
    response = client.get(reverse("profile_document_download", args=[document.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    record = AccessRecord.objects.get()
    assert (record.viewer, record.subject, record.what) == (
        viewer,
        cast.parent,
        "name_change_document",
    )
    assert record.params == {"name": "svidetelstvo.pdf"}


@pytest.mark.parametrize(
    "member", ["student", "other_parent", "class_teacher", "other_teacher", "official"]
)
def test_acc7_documents_are_404_for_everyone_else(cast, client, member):
    document = make_document(cast.parent)
    client.force_login(cast.members[member])
    assert client.get(reverse("profile_document_download", args=[document.pk])).status_code == 404
    assert client.get(reverse("profile_person", args=[cast.parent.pk])).status_code == 404
    assert client.post(reverse("profile_document_delete", args=[document.pk])).status_code == 404
    assert NameChangeDocument.objects.filter(pk=document.pk).exists()
    assert not AccessRecord.objects.exists()


def test_acc7_another_schools_director_gets_404(cast, client):
    other_director = f.UserFactory(username="direktor2")
    f.StaffPositionFactory(
        person=other_director, organization=cast.other_school, position="director"
    )
    document = make_document(cast.parent)
    client.force_login(other_director)
    assert client.get(reverse("profile_document_download", args=[document.pk])).status_code == 404
    assert client.get(reverse("profile_person", args=[cast.parent.pk])).status_code == 404
    # ...while the documents of their own school's people open.
    far_document = make_document(cast.far_student)
    response = client.get(reverse("profile_document_download", args=[far_document.pk]))
    assert response.status_code == 200


def test_acc7_staff_cannot_delete_a_document(cast, client):
    document = make_document(cast.parent)
    client.force_login(cast.director)
    assert client.post(reverse("profile_document_delete", args=[document.pk])).status_code == 404
    assert NameChangeDocument.objects.filter(pk=document.pk).exists()


def test_acc7_staff_read_the_questionnaire_and_are_logged(cast, client):
    Questionnaire.objects.create(person=cast.parent, citizenship="Республика Казахстан")
    make_document(cast.parent)
    client.force_login(cast.director)
    page = client.get(reverse("profile_person", args=[cast.parent.pk])).content.decode()
    assert "Республика Казахстан" in page and "svidetelstvo.pdf" in page
    record = AccessRecord.objects.get()
    assert (record.subject, record.what, record.viewer_role) == (cast.parent, "profile", "director")
    assert record.viewer_place == "Школа № 1"


def test_acc7_profile_page_queries_do_not_grow_with_documents(
    cast, client, django_assert_max_num_queries
):
    client.force_login(cast.parent)
    make_document(cast.parent)
    with django_assert_max_num_queries(12) as small:
        assert client.get(reverse("profile")).status_code == 200
    baseline = len(small)  # the log is reset by later requests: count now
    for n in range(15):
        make_document(cast.parent, name=f"scan-{n}.pdf")
    with django_assert_max_num_queries(baseline):
        page = client.get(reverse("profile")).content.decode()
    assert "scan-14.pdf" in page


def test_acc7_profile_is_in_the_user_menu(cast, client):
    client.force_login(cast.parent)
    page = client.get(reverse("parent_home")).content.decode()
    assert f'href="{reverse("profile")}"' in page
    assert f'href="{reverse("privacy_consents")}"' in page


def test_acc7_saving_reads_the_questionnaire_once(cast, client):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    Questionnaire.objects.create(person=cast.parent, citizenship="Республика Казахстан")
    client.force_login(cast.parent)
    with CaptureQueriesContext(connection) as queries:
        response = client.post(reverse("profile"), answers())
    assert response.status_code == 302
    reads = [
        q["sql"]
        for q in queries.captured_queries
        if q["sql"].lstrip().upper().startswith("SELECT")
        and 'FROM "profiles_questionnaire"' in q["sql"]
    ]
    assert len(reads) == 1, reads
    assert Questionnaire.objects.get(person=cast.parent).citizenship == "Российская Федерация"


def test_acc7_name_and_phone_link_to_their_settings_pages(cast, client):
    client.force_login(cast.parent)
    page = client.get(reverse("profile")).content.decode()
    assert f'href="{reverse("security_name")}"' in page
    assert f'href="{reverse("security_phone")}"' in page


def test_acc7_staff_see_only_the_documents_of_the_person_opened(cast, client):
    make_document(cast.parent)
    make_document(cast.far_student, name="chuzhoi.pdf")
    client.force_login(cast.director)
    page = client.get(reverse("profile_person", args=[cast.parent.pk])).content.decode()
    assert "svidetelstvo.pdf" in page and "chuzhoi.pdf" not in page
