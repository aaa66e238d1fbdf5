"""Attachments of action sheets: checks of uploaded files, and their storage in step with transactions.

Uploaded files are PDF, JPEG or PNG, checked by their content (magic bytes, then a decoder), size-limited.
"""

from contextlib import contextmanager
from contextvars import ContextVar
from datetime import timedelta

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.db import transaction
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from PIL import Image

from actions_catalog.core.submission_models import Attachment, AttachmentType

#: How many bytes ``filetype`` reads to recognize a format.
_HEAD_BYTES = 262
#: A complete PDF ends with ``%%EOF`` (possibly followed by a few bytes of whitespace or padding).
_PDF_TAIL_BYTES = 2048
ALLOWED_EXTENSIONS = ".pdf,.jpg,.jpeg,.png"


def check_upload(upload) -> AttachmentType:
    """The type of an uploaded file, or a ValidationError in French naming the file."""
    name = upload.name
    if upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            f"« {name} » pèse {filesizeformat(upload.size)} : chaque fichier doit peser "
            f"{filesizeformat(settings.ATTACHMENT_MAX_BYTES)} au plus.",
            code="too_large",
        )
    upload.seek(0)
    head = upload.read(_HEAD_BYTES)
    upload.seek(0)
    kind = filetype.guess(head)
    if kind is None or kind.mime not in AttachmentType.values:
        raise ValidationError(
            f"« {name} » n'est ni un PDF, ni une image JPEG ou PNG (c'est le contenu du fichier qui est vérifié, "
            "pas son nom).",
            code="bad_type",
        )
    content_type = AttachmentType(kind.mime)
    if content_type == AttachmentType.PDF:
        _check_pdf(upload)
    else:
        _check_image(upload, content_type)
    upload.seek(0)
    return content_type


def _check_pdf(upload):
    upload.seek(max(upload.size - _PDF_TAIL_BYTES, 0))
    tail = upload.read()
    if b"%%EOF" not in tail:
        raise ValidationError(f"« {upload.name} » est un PDF incomplet ou abîmé.", code="broken")


def _check_image(upload, content_type: AttachmentType):
    expected = {AttachmentType.JPEG: "JPEG", AttachmentType.PNG: "PNG"}[content_type]
    try:
        with Image.open(upload) as image:
            image.verify()
            actual = image.format
    except Exception as error:  # Pillow raises many kinds of errors on a broken or hostile image
        raise ValidationError(f"« {upload.name} » est une image illisible ou abîmée.", code="broken") from error
    if actual != expected:
        raise ValidationError(f"« {upload.name} » est une image illisible ou abîmée.", code="broken")


# -- Storage: files follow the transaction that writes their rows ----------------------------------------
# A file is written to storage before its row is committed, and deleted only once the deletion of its row is:
# - deletions run in ``transaction.on_commit`` (a rolled-back removal leaves the file with its row);
# - files written inside ``files_of_transaction()`` are deleted when the block fails (its transaction rolled back);
# - a process killed mid-transaction runs no code: ``sweep_orphan_files`` deletes files that no row names, once
#   older than a grace period (``manage.py sweep_attachments``).

_written: ContextVar[list[str] | None] = ContextVar("attachment_files_written", default=None)
#: Where attachments are stored in the ``default`` storage (``submission_models.attachment_upload_to``).
ATTACHMENTS_DIR = "pieces-jointes"


@contextmanager
def files_of_transaction():
    """Files stored inside this block are deleted if the block raises (wrap the ``atomic`` block with it)."""
    written: list[str] = []
    token = _written.set(written)
    try:
        yield
    except BaseException:
        for name in written:
            default_storage.delete(name)
        raise
    finally:
        _written.reset(token)


def add(action, upload, content_type: AttachmentType, *, user, revision=None) -> Attachment:
    """Store an uploaded file as an attachment of ``action`` (proposed by ``revision`` when given), unapproved."""
    attachment = Attachment(
        action=action,
        original_name=upload.name[-255:],
        content_type=content_type,
        size=upload.size,
        uploaded_by=user,
        revision=revision,
    )
    attachment.file.save(upload.name, upload, save=False)
    if (written := _written.get()) is not None:
        written.append(attachment.file.name)
    attachment.save()
    return attachment


def remove(attachments) -> None:
    """Delete attachments; their files go once the deletion is committed."""
    for attachment in attachments:
        name = attachment.file.name
        attachment.delete()
        transaction.on_commit(lambda name=name: default_storage.delete(name))


def sweep_orphan_files(*, older_than: timedelta) -> list[str]:
    """Delete stored attachment files that no attachment names, last modified more than ``older_than`` ago."""
    known = set(Attachment.objects.values_list("file", flat=True))
    limit = timezone.now() - older_than
    deleted = []
    for name in _stored_files(ATTACHMENTS_DIR):
        if name in known:
            continue
        try:
            modified = default_storage.get_modified_time(name)
        except (FileNotFoundError, NotImplementedError):
            continue
        if modified < limit:
            default_storage.delete(name)
            deleted.append(name)
    return deleted


def _stored_files(directory: str):
    try:
        folders, files = default_storage.listdir(directory)
    except FileNotFoundError:
        return
    for name in files:
        yield f"{directory}/{name}"
    for folder in folders:
        yield from _stored_files(f"{directory}/{folder}")
