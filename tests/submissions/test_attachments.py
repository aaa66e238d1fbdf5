"""Files of a sheet: checked by their content, bounded in size and number, served only when allowed."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from PIL import Image

from actions_catalog.core.choices import PublicationState
from actions_catalog.core.models import Action
from actions_catalog.core.submission_models import Attachment
from tests.submissions.conftest import CREATE_URL, edit_url, review_url, sheet_post

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 200 + b"This program cannot be run"


def image_bytes(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), (200, 30, 30)).save(buffer, fmt)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


def post_with_files(client, url, centre, files, **fields):
    return client.post(url, {**sheet_post(centre, **fields), "attachments": files})


@pytest.fixture
def moderator_browser(moderator):
    client = Client()
    client.force_login(moderator)
    return client


def test_pdf_jpeg_and_png_are_accepted_and_stored_under_a_server_name(member_client, centre, settings):
    files = [
        upload("compte-rendu.pdf", PDF),
        upload("photo.jpg", image_bytes("JPEG")),
        upload("affiche.png", image_bytes("PNG")),
    ]
    response = post_with_files(member_client, CREATE_URL, centre, files)
    assert response.status_code == 302, response.content.decode()[-2000:]
    rows = list(Attachment.objects.order_by("pk"))
    assert [(a.original_name, a.content_type) for a in rows] == [
        ("compte-rendu.pdf", "application/pdf"),
        ("photo.jpg", "image/jpeg"),
        ("affiche.png", "image/png"),
    ]
    action = Action.objects.get()
    for attachment in rows:
        assert attachment.file.name.startswith(f"pieces-jointes/{action.pk}/")
        assert "compte-rendu" not in attachment.file.name
        assert (settings.MEDIA_ROOT / attachment.file.name).is_file()
        assert attachment.approved_at is None


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("rapport.pdf", EXE, "« rapport.pdf » n&#x27;est ni un PDF, ni une image JPEG ou PNG"),
        ("photo.png", b"GIF89a" + b"\x00" * 100, "« photo.png » n&#x27;est ni un PDF"),
        ("photo.jpg", image_bytes("JPEG")[:60], "« photo.jpg » est une image illisible ou abîmée."),
        ("photo.png", image_bytes("PNG")[:40] + b"\x00" * 40, "« photo.png » est une image illisible ou abîmée."),
        ("tronque.pdf", PDF[:40], "« tronque.pdf » est un PDF incomplet ou abîmé."),
        ("vide.pdf", b"", "Le fichier soumis est vide."),
    ],
)
def test_files_are_judged_by_their_content_not_their_name(member_client, centre, name, content, message):
    response = post_with_files(member_client, CREATE_URL, centre, [upload(name, content, "application/pdf")])
    page = response.content.decode()
    assert response.status_code == 400
    assert message in page
    assert "choisissez-les à nouveau" in page
    assert not Action.objects.exists()
    assert not Attachment.objects.exists()


def test_a_file_over_10_mb_is_refused(member_client, centre):
    big = PDF[:-6] + b"0" * (11 * 1024 * 1024) + b"\n%%EOF\n"
    response = post_with_files(member_client, CREATE_URL, centre, [upload("gros.pdf", big)])
    assert response.status_code == 400
    assert "« gros.pdf » pèse 11,0\xa0Mio : chaque fichier doit peser 10,0\xa0Mio au plus." in response.content.decode()
    assert not Attachment.objects.exists()


def test_a_sixth_file_is_refused(member_client, centre):
    post_with_files(member_client, CREATE_URL, centre, [upload(f"f{i}.pdf", PDF) for i in range(4)])
    action = Action.objects.get()
    assert post_with_files(member_client, edit_url(action), centre, [upload("f4.pdf", PDF)]).status_code == 302
    response = post_with_files(member_client, edit_url(action), centre, [upload("f5.pdf", PDF)])
    assert response.status_code == 400
    assert "Une action a au plus 5 fichiers associés" in response.content.decode()
    assert Attachment.objects.count() == 5


def test_six_files_at_once_are_refused(member_client, centre):
    response = post_with_files(member_client, CREATE_URL, centre, [upload(f"f{i}.pdf", PDF) for i in range(6)])
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_removing_a_file_makes_room_and_deletes_it(member_client, centre, settings, django_capture_on_commit_callbacks):
    post_with_files(member_client, CREATE_URL, centre, [upload(f"f{i}.pdf", PDF) for i in range(5)])
    action = Action.objects.get()
    first = Attachment.objects.order_by("pk").first()
    path = settings.MEDIA_ROOT / first.file.name
    with django_capture_on_commit_callbacks(execute=True):  # the file goes once the removal is committed
        response = post_with_files(
            member_client, edit_url(action), centre, [upload("nouveau.pdf", PDF)], remove_attachments=[str(first.pk)]
        )
    assert response.status_code == 302
    assert Attachment.objects.count() == 5
    assert not Attachment.objects.filter(pk=first.pk).exists()
    assert not path.exists()


def test_another_action_file_cannot_be_removed(member_client, centre, outsider, other_centre):
    other = Client()
    other.force_login(outsider)
    post_with_files(other, CREATE_URL, other_centre, [upload("autre.pdf", PDF)], title="Atelier vélo")
    foreign = Attachment.objects.get()
    member_client.post(CREATE_URL, sheet_post(centre))
    action = Action.objects.get(centre=centre)
    response = member_client.post(edit_url(action), sheet_post(centre, remove_attachments=[str(foreign.pk)]))
    assert response.status_code == 400
    assert "Ce fichier n&#x27;appartient pas à cette action." in response.content.decode()
    assert Attachment.objects.filter(pk=foreign.pk).exists()


def download(client, attachment):
    return client.get(reverse("attachment_download", kwargs={"pk": attachment.pk}))


def test_files_of_an_unpublished_action_are_not_served_publicly(member_client, member, moderator, centre, outsider):
    post_with_files(member_client, CREATE_URL, centre, [upload("photo.png", image_bytes("PNG"))], intent="send")
    attachment = Attachment.objects.get()
    assert download(Client(), attachment).status_code == 404
    stranger = Client()
    stranger.force_login(outsider)
    assert download(stranger, attachment).status_code == 404
    response = download(member_client, attachment)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content) == image_bytes("PNG")
    moderator_client = Client()
    moderator_client.force_login(moderator)
    assert download(moderator_client, attachment).status_code == 200


def test_approval_publishes_the_files_and_the_detail_page_lists_them(member_client, moderator_browser, centre):
    post_with_files(member_client, CREATE_URL, centre, [upload("compte-rendu.pdf", PDF)], intent="send")
    action = Action.objects.get()
    assert "compte-rendu.pdf" in moderator_browser.get(review_url(action)).content.decode()
    moderator_browser.post(review_url(action), {"decision": "approve"})
    attachment = Attachment.objects.get()
    response = download(Client(), attachment)
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "sandbox" in response["Content-Security-Policy"]
    page = Client().get(action.get_absolute_url()).content.decode()
    assert '<h2 id="titre-files_text">Fichiers associés</h2>' in page
    assert page.count("Fichiers associés") == 2  # the section and its entry in the table of contents
    assert page.count(f'<a href="{attachment.get_absolute_url()}">compte-rendu.pdf</a>') == 1


def test_a_file_added_to_a_published_action_waits_for_approval(member_client, moderator_browser, centre):
    member_client.post(CREATE_URL, sheet_post(centre, intent="send"))
    action = Action.objects.get()
    moderator_browser.post(review_url(action), {"decision": "approve"})
    post_with_files(member_client, edit_url(action), centre, [upload("photo.jpg", image_bytes("JPEG"))], intent="send")
    attachment = Attachment.objects.get()
    action.refresh_from_db()
    assert action.state == PublicationState.PUBLISHED
    assert download(Client(), attachment).status_code == 404
    assert "photo.jpg" not in Client().get(action.get_absolute_url()).content.decode()
    moderator_browser.post(review_url(action), {"decision": "approve"})
    assert download(Client(), attachment).status_code == 200
    assert "photo.jpg" in Client().get(action.get_absolute_url()).content.decode()


def test_the_detail_page_lists_files_in_one_query(member_client, moderator_browser, centre, django_assert_num_queries):
    from tests.catalog.test_detail_page import DETAIL_QUERIES

    post_with_files(member_client, CREATE_URL, centre, [upload(f"f{i}.pdf", PDF) for i in range(3)], intent="send")
    action = Action.objects.get()
    moderator_browser.post(review_url(action), {"decision": "approve"})
    client = Client()
    client.get("/")  # builds the catalogue index
    with django_assert_num_queries(DETAIL_QUERIES - 1):  # no related action to read
        html = client.get(action.get_absolute_url()).content.decode()
    files = html[html.index('<ul class="files">') : html.index("</ul>", html.index('<ul class="files">'))]
    assert files.count("<li>") == 3
    for attachment in Attachment.objects.filter(action=action).order_by("created_at", "pk"):
        link = f'<a href="{attachment.get_absolute_url()}">{attachment.original_name}</a>'
        assert f'{link} <span class="muted">({attachment.get_content_type_display()}, ' in files
    assert files.index("f0.pdf") < files.index("f1.pdf") < files.index("f2.pdf")
