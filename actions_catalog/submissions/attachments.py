"""Checks of uploaded files: PDF, JPEG or PNG by their content (magic bytes, then a decoder), size-limited."""

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from PIL import Image

from .models import AttachmentType

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
