"""What only projects have: their documents (business plans, pitch decks), checked
by content and stored under ``instance/uploads``."""
from __future__ import annotations

import secrets
import zipfile
from io import BytesIO
from pathlib import Path

from flask import current_app
from flask_babel import lazy_gettext as _l

from ..content.services import is_owner
from ..errors import NotAllowed, ServiceError, WrongState
from ..extensions import db
from .models import ProjectAttachment

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024


# --- attachments -----------------------------------------------------------------

_SIGNATURES = (
    (b"%PDF-", "application/pdf", ".pdf"),
    (b"\x89PNG\r\n\x1a\n", "image/png", ".png"),
    (b"\xff\xd8\xff", "image/jpeg", ".jpg"),
)
_OOXML = {
    "word/": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
    "ppt/": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", ".pptx"),
}


def sniff(data: bytes) -> tuple[str, str] | None:
    """(content type, extension) judged from the bytes themselves, or None."""
    for signature, content_type, extension in _SIGNATURES:
        if data.startswith(signature):
            return content_type, extension
    if data.startswith(b"PK\x03\x04"):
        try:
            names = zipfile.ZipFile(BytesIO(data)).namelist()
        except zipfile.BadZipFile:
            return None
        if "[Content_Types].xml" in names:
            for prefix, (content_type, extension) in _OOXML.items():
                if any(name.startswith(prefix) for name in names):
                    return content_type, extension
    return None


def upload_folder() -> Path:
    folder = Path(current_app.config["UPLOAD_FOLDER"]) / "projects"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def add_attachment(project, actor, filename: str, data: bytes, kind: str) -> ProjectAttachment:
    """Store an uploaded document after checking its count, size and real type."""
    if not is_owner(project, actor):
        raise NotAllowed(_l("Only the owner adds documents to this project."))
    if project.status == "closed":
        raise WrongState(_l("A closed project can no longer be edited."))
    if len(project.attachments) >= MAX_ATTACHMENTS:
        raise ServiceError(_l("A project carries at most three documents."))
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise ServiceError(_l("The file is larger than 10 MB."))
    if not data:
        raise ServiceError(_l("The file is empty."))
    sniffed = sniff(data)
    if sniffed is None:
        raise ServiceError(_l("Only PDF, PPTX, DOCX, PNG and JPEG files are accepted."))
    content_type, extension = sniffed
    storage_name = secrets.token_hex(16) + extension
    (upload_folder() / storage_name).write_bytes(data)
    display_name = (Path(filename or "document").name or "document")[:150]
    if not display_name.lower().endswith((extension, ".jpeg") if extension == ".jpg" else extension):
        display_name += extension
    attachment = ProjectAttachment(project=project, kind=kind, filename=display_name,
                                   storage_name=storage_name, content_type=content_type, size=len(data))
    db.session.add(attachment)
    db.session.flush()
    return attachment


def attachment_path(attachment: ProjectAttachment) -> Path:
    return upload_folder() / attachment.storage_name


def delete_attachment(attachment: ProjectAttachment) -> None:
    path = attachment_path(attachment)
    db.session.delete(attachment)
    db.session.flush()
    path.unlink(missing_ok=True)
