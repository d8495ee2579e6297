"""The office: units, people, roles, invites, group chats and acting assignments.

Everything that belongs to an office carries office_id, so one deployment could hold several.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from models.base import Base, utcnow

ROLES = ("staff", "unit_director", "office_director", "ict", "pr", "admin")
DEFAULT_CHAINS = {
    "document": ["unit_director", "office_director"],
    "announcement": ["unit_director", "office_director"],
    "photos": ["unit_director"],
    "regulated": ["unit_director", "office_director"],
}


class Office(Base):
    __tablename__ = "offices"

    id: Mapped[int] = mapped_column(primary_key=True)
    # The office's name in addresses: /callback/<key>, /o/<key>/ (org file `office: key:`).
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(60))
    # Host names its portal answers on (org file `portal: hosts:`); the Host header picks the office.
    hosts: Mapped[list] = mapped_column(JSON, default=list)
    # Its LINE Official Account. None: the deployment's LINE_CHANNEL_* settings (one office only).
    # line_bot_user_id is the webhook body's `destination`; secret and token are sealed
    # (bot.spine.sealed), never logged, never shown.
    line_channel_id: Mapped[str | None] = mapped_column(String(32))
    line_bot_user_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    line_channel_secret: Mapped[str | None] = mapped_column(Text)
    line_access_token: Mapped[str | None] = mapped_column(Text)
    # How the public reaches the office (told to strangers who write to the bot); optional.
    phone: Mapped[str | None] = mapped_column(String(60))
    website_url: Mapped[str | None] = mapped_column(String(300))  # its public site, for strangers
    # Its postal address and logo (an image file's path), for the notice's letterhead; optional.
    address: Mapped[str | None] = mapped_column(Text)
    # Its own holidays (ISO dates: a provincial day), beside the deployment's HOLIDAYS_FILE.
    holidays: Mapped[list] = mapped_column(JSON, default=list, server_default="[]")
    logo: Mapped[str | None] = mapped_column(String(500))
    director_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", use_alter=True, name="fk_offices_director_id_people")
    )
    chains: Mapped[dict] = mapped_column(JSON, default=lambda: dict(DEFAULT_CHAINS))
    # portal: publish at the final approval; ict: wait for an ICT person's tap.
    publish_mode: Mapped[str] = mapped_column(String(12), default="portal")
    # thai (๐-๙) or arabic (0-9): the one digit style of every message the office's people read.
    digits: Mapped[str] = mapped_column(String(8), default="thai", server_default="thai")
    rich_menus: Mapped[dict] = mapped_column(JSON, default=dict)
    # The office's own website, from the org file's `website:` (bot.publishing.website); None: none.
    website: Mapped[dict | None] = mapped_column(JSON)
    # Its application password, sealed (bot.spine.sealed); set by `flask website password` only.
    website_password: Mapped[str | None] = mapped_column(Text)
    # ITA: {"lists": {"2570": "oit-2569" | "/path/own-list.yaml"}} from the org file's `ita:`.
    ita: Mapped[dict] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    director: Mapped[Person | None] = relationship(foreign_keys=[director_id], post_update=True)


class Unit(Base):
    __tablename__ = "units"
    __table_args__ = (UniqueConstraint("office_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    director_id: Mapped[int | None] = mapped_column(
        ForeignKey("people.id", use_alter=True, name="fk_units_director_id_people")
    )
    active: Mapped[bool] = mapped_column(default=True)
    # The categories (1.1 …) this unit supplies: who should supply an ITA indicator fed by them.
    categories: Mapped[list] = mapped_column(JSON, default=list)

    director: Mapped[Person | None] = relationship(foreign_keys=[director_id], post_update=True)


class Person(Base):
    __tablename__ = "people"
    # A LINE user id is unique per office, not globally: one human may work for two offices,
    # each with its own bot (and LINE gives each channel its own id for the same human anyway).
    __table_args__ = (UniqueConstraint("office_id", "key"),
                      UniqueConstraint("office_id", "line_user_id", name="uq_people_office_line_user"))

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    key: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(200))
    position: Mapped[str] = mapped_column(String(200), default="")
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("units.id"))
    line_user_id: Mapped[str | None] = mapped_column(String(64), index=True)
    linked_at: Mapped[datetime | None]
    # The rich menu LINE shows this person ("staff" | "director"), once linked.
    rich_menu: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    # Roles named in the org file; unit_director is implied by directing a unit.
    roles: Mapped[list] = mapped_column(JSON, default=list)

    unit: Mapped[Unit | None] = relationship(foreign_keys=[unit_id])
    office: Mapped[Office] = relationship(foreign_keys=[office_id])


class Category(Base):
    """A kind of information an office publishes: by default the announcement's 18 (ข้อ ๑.๑–๑.๑๘),
    or the office's own list from its org file. Items point at (office_id, code)."""

    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("office_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    code: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(Text)
    # The label of buttons and cards (LINE labels are short); the full name stays the record.
    short_name: Mapped[str] = mapped_column(String(60))
    sort_order: Mapped[int]
    # ข้อ ๓.๓: the superior's review applies (the office's "regulated" chain).
    regulated: Mapped[bool] = mapped_column(default=False)
    # Part of the minimum set the website must always carry (ข้อ ๒.๑).
    minimum: Mapped[bool] = mapped_column(default=False)
    # False: no longer offered for new items; its items keep it and its page stays.
    active: Mapped[bool] = mapped_column(default=True)


class Invite(Base):
    __tablename__ = "invites"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    used_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class LinkAttempt(Base):
    """Failed code attempts per LINE user, for the hourly limit."""

    __tablename__ = "link_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    line_user_id: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)


class GroupChat(Base):
    """A LINE group one office's bot is in; two offices' bots in one group are two rows."""

    __tablename__ = "group_chats"
    __table_args__ = (UniqueConstraint("office_id", "group_id", name="uq_group_chats_office_group"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int | None] = mapped_column(ForeignKey("offices.id"))
    group_id: Mapped[str] = mapped_column(String(64), index=True)
    # pr | management | None (joined, not registered)
    purpose: Mapped[str | None] = mapped_column(String(16))
    active: Mapped[bool] = mapped_column(default=True)
    joined_at: Mapped[datetime] = mapped_column(default=utcnow)
    registered_at: Mapped[datetime | None]
    left_at: Mapped[datetime | None]


class GroupCode(Base):
    __tablename__ = "group_codes"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    purpose: Mapped[str] = mapped_column(String(16))
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class ActingAssignment(Base):
    """รักษาราชการแทน: while it holds, what is meant for `absent` goes to `acting`."""

    __tablename__ = "acting_assignments"

    id: Mapped[int] = mapped_column(primary_key=True)
    office_id: Mapped[int] = mapped_column(ForeignKey("offices.id"))
    absent_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    acting_id: Mapped[int] = mapped_column(ForeignKey("people.id"))
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    order_text: Mapped[str] = mapped_column(String(300), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # When it was ended ahead of its dates (ends_on then says the last day it held); None: it
    # runs, or ran, as ordered. Tells "ended early" from "called off before it began".
    ended_at: Mapped[datetime | None]

    absent: Mapped[Person] = relationship(foreign_keys=[absent_id])
    acting: Mapped[Person] = relationship(foreign_keys=[acting_id])


class Conversation(Base):
    """Per-LINE-user chat state with one office's bot; the row is locked while one of the
    user's events is handled. office_id 0: the settings' channel before any office exists."""

    __tablename__ = "conversations"

    office_id: Mapped[int] = mapped_column(primary_key=True, default=0, server_default="0")
    line_user_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    state: Mapped[str] = mapped_column(String(40), default="idle")
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)
