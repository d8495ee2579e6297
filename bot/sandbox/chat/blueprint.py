"""The /sandbox routes: the page, and a small JSON API it calls.

Everything a person does becomes a webhook body signed with the sandbox secret and POSTed to
this app's own /callback, so the bot runs its production path; only LINE's API base differs.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import asdict, dataclass, field

from flask import Blueprint, abort, current_app, jsonify, render_template, request
from werkzeug.wrappers import Response

from bot.sandbox.chat import events
from bot.sandbox.chat.transcript import Transcripts

MAX_PHOTOS = 20  # LINE sends at most 20 photos as one set


@dataclass(frozen=True)
class Persona:
    """Someone to be on the page: a person's one-on-one chat, or a group chat with a speaker."""

    chat_id: str
    name: str
    detail: str
    speaker: str  # the LINE user id that speaks (a person's own id; a member's in a group)
    speaker_name: str
    tools: tuple[tuple[str, str], ...] = field(default_factory=tuple)  # (key, Thai label)

    @property
    def is_group(self) -> bool:
        return self.chat_id != self.speaker


def chat_blueprint(line: Callable[[], object], secret: str, personas: Callable[[], list[Persona]],
                   run_tool: Callable[[str], str] | None = None) -> Blueprint:
    """`line()` gives the running fake LINE; `personas` lists who may be picked (read fresh each time); `run_tool(key)` runs a persona's
    tool, e.g. sending this quarter's digest, and returns a Thai line saying what it did."""
    bp = Blueprint("sandbox", __name__, url_prefix="/sandbox", static_folder="static",
                   static_url_path="/static")
    transcripts = Transcripts(line)
    photos: dict[str, tuple[bytes, str]] = {}  # what people sent, to show their own bubbles

    def persona(chat_id: str) -> Persona:
        found = next((p for p in personas() if p.chat_id == chat_id), None)
        if found is None:
            abort(404)
        return found

    def post(*built: dict) -> None:
        """Sign and POST the events to /callback, as LINE does; LINE would retry a refusal."""
        body = events.body(line().bot_user_id, list(built))
        response = current_app.test_client().post(
            "/callback", data=body,
            headers={"X-Line-Signature": events.sign(secret, body), "Content-Type": "application/json"})
        if response.status_code != 200:
            abort(502, f"/callback answered {response.status_code}")

    def source(who: Persona) -> tuple[dict, str]:
        return events.source(who.chat_id, who.speaker), line().issue_reply_token(to=who.chat_id)

    @bp.get("")
    @bp.get("/")
    def page():
        return render_template("sandbox/chat.html")

    @bp.get("/api/personas")
    def list_personas():
        return jsonify([{**asdict(p), "group": p.is_group, "unread": transcripts.unread(p.chat_id)}
                        for p in personas()])

    @bp.get("/api/chat/<chat_id>")
    def chat(chat_id: str):
        who = persona(chat_id)
        return jsonify({"messages": transcripts.chat(chat_id),
                        "richmenu": None if who.is_group else rich_menu(who.speaker)})

    def rich_menu(user_id: str) -> dict | None:
        menu_id = line().user_rich_menu.get(user_id) or line().default_rich_menu_id
        menu = line().rich_menus.get(menu_id) if menu_id else None
        if menu is None or menu.image is None:
            return None
        return {"id": menu.rich_menu_id, "size": menu.request["size"],
                "areas": menu.request["areas"], "chatBarText": menu.request.get("chatBarText", "เมนู"),
                "image": f"/sandbox/api/richmenu/{menu.rich_menu_id}"}

    @bp.get("/api/richmenu/<menu_id>")
    def rich_menu_image(menu_id: str):
        menu = line().rich_menus.get(menu_id)
        if menu is None or menu.image is None:
            abort(404)
        return Response(menu.image, content_type=menu.image_content_type)

    @bp.get("/api/photo/<message_id>")
    def photo(message_id: str):
        if message_id not in photos:
            abort(404)
        data, kind = photos[message_id]
        return Response(data, content_type=kind)

    @bp.post("/api/chat/<chat_id>/text")
    def text(chat_id: str):
        who = persona(chat_id)
        said = (request.get_json(silent=True) or {}).get("text", "").strip()
        if not said:
            abort(400)
        message = events.text_message(said[:5000])
        src, token = source(who)
        transcripts.said(chat_id, who.speaker_name, message)
        post(events.event("message", src, token, message=message))
        return {"ok": True}

    @bp.post("/api/chat/<chat_id>/postback")
    def postback(chat_id: str):
        """A postback action (button, quick reply, date picker, rich-menu area)."""
        who = persona(chat_id)
        sent = request.get_json(silent=True) or {}
        if not isinstance(sent.get("data"), str):
            abort(400)
        if sent.get("displayText"):  # LINE shows it as the person's message
            transcripts.said(chat_id, who.speaker_name, {"type": "text", "text": sent["displayText"]})
        payload = {"data": sent["data"]}
        if isinstance(sent.get("params"), dict):
            payload["params"] = {k: str(v) for k, v in sent["params"].items()}
        src, token = source(who)
        post(events.event("postback", src, token, postback=payload))
        return {"ok": True}

    @bp.post("/api/chat/<chat_id>/files")
    def files(chat_id: str):
        """Photos go as one LINE image set (one event each); any other file goes on its own."""
        who = persona(chat_id)
        uploads = request.files.getlist("file")
        if not uploads:
            abort(400)
        images = [u for u in uploads if (u.mimetype or "").startswith("image/")][:MAX_PHOTOS]
        others = [u for u in uploads if not (u.mimetype or "").startswith("image/")]
        built = []
        set_id = secrets.token_hex(16).upper() if len(images) > 1 else None
        for index, upload in enumerate(images, start=1):
            data, mid = upload.read(), events.message_id()
            line().add_content(mid, data, upload.mimetype)
            photos[mid] = (data, upload.mimetype)
            message = events.image_message(mid, set_id, index, len(images))
            transcripts.said(chat_id, who.speaker_name, {**message, "src": f"/sandbox/api/photo/{mid}"})
            src, token = source(who)
            built.append(events.event("message", src, token, message=message))
        for upload in others:
            data, mid = upload.read(), events.message_id()
            line().add_content(mid, data, upload.mimetype or "application/octet-stream")
            message = events.file_message(mid, upload.filename or "file", len(data))
            transcripts.said(chat_id, who.speaker_name, message)
            src, token = source(who)
            built.append(events.event("message", src, token, message=message))
        for one in built:  # LINE sends a set's photos as separate webhook calls
            post(one)
        return {"ok": True, "sent": len(built)}

    @bp.post("/api/chat/<chat_id>/tool/<key>")
    def tool(chat_id: str, key: str):
        who = persona(chat_id)
        if run_tool is None or key not in dict(who.tools):
            abort(404)
        return {"ok": True, "said": run_tool(key)}

    return bp
