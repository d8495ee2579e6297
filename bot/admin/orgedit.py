"""Changing the office the way an org file does: the console builds the office's document
(bot.office.orgexport), changes it, and loads it back through bot.office.orgfile, so a form and
a file pass the same checks and are applied the same way."""

from __future__ import annotations

import re
from pathlib import Path

from flask import current_app, has_app_context
from sqlalchemy.orm import Session

from bot.admin import logos
from bot.admin.orgerrors import thai
from bot.office import orgexport, orgfile
from models import Office

LINE_PREFIX = re.compile(r"^line \d+: ")


def _uploaded(path: str, office: Office) -> bool:
    """A logo the console stored for this office (bot.admin.logos), under DATA_DIR/logos."""
    if not has_app_context():
        return False
    candidate = Path(path).resolve()
    return candidate.parent == logos.folder(current_app.extensions["prakat"].config) \
        and candidate.name.startswith(f"{office.key}-")


class EditRefused(ValueError):
    """The change breaks a rule of the org file; the message says which, in Thai (and nothing
    changed)."""


def current(session: Session, office: Office) -> dict:
    return orgexport.document(session, office)


def save(session: Session, office: Office, doc: dict) -> dict:
    """Load the changed document; line numbers of the generated YAML would mean nothing here."""
    try:
        return _load(session, office, orgfile.parse(orgexport.to_yaml(doc)))
    except orgfile.OrgFileError as exc:
        raise EditRefused(thai(LINE_PREFIX.sub("", str(exc)))) from None


def import_file(session: Session, office: Office, text: str) -> dict:
    """An uploaded org file, for this office only; errors keep the file's line numbers."""
    try:
        spec = orgfile.parse(text)
        if spec.key and spec.key != office.key:
            raise EditRefused(f"ไฟล์นี้เป็นของสำนักงานรหัส '{spec.key}' ไม่ใช่ '{office.key}' "
                              "(ลบ key: ในส่วน office ออก หรือแก้เป็นรหัสของสำนักงานนี้)")
        return _load(session, office, spec)
    except orgfile.OrgFileError as exc:
        raise EditRefused(thai(str(exc))) from None


def _load(session: Session, office: Office, spec: orgfile.OrgSpec) -> dict:
    spec.key = office.key  # never another office, whatever the file's short name matches
    if spec.logo not in (None, office.logo) and not _uploaded(spec.logo, office):
        # A path typed into a form or an imported file could name any picture on the server,
        # which the notice would then print and the office page serve: only uploads count.
        raise EditRefused("ตราสำนักงานเปลี่ยนได้ด้วยการอัปโหลดภาพในหน้าสำนักงานเท่านั้นค่ะ "
                          "(ลบบรรทัด logo: ออกจากไฟล์ หรือใช้ค่าที่ส่งออกมา)")
    with session.begin_nested():  # a refusal inside apply (a host taken) leaves nothing behind
        return orgfile.apply(session, spec)
