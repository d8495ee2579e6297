"""Message builders: LINE message JSON (as the API expects) and the short Thai texts users read."""

from __future__ import annotations

# Said only after a handler bug: what was sent was not acted on, so the user is asked to resend.
SORRY_ERROR = ("ขออภัยค่ะ ระบบขัดข้อง จึงยังดำเนินการตามที่ส่งมาไม่ได้ "
               "กรุณาส่งใหม่อีกครั้งในอีกสักครู่ หากยังไม่ได้ โปรดแจ้งผู้ดูแลระบบค่ะ")


def text(body: str, quick_replies: list[dict] | None = None) -> dict:
    message: dict = {"type": "text", "text": body}
    if quick_replies:
        message["quickReply"] = {"items": quick_replies[:13]}
    return message


def postback_action(label: str, data: str, display_text: str | None = None) -> dict:
    action = {"type": "postback", "label": label, "data": data}
    if display_text:
        action["displayText"] = display_text
    return action


def message_action(label: str, text_to_send: str) -> dict:
    return {"type": "message", "label": label, "text": text_to_send}


def quick(action: dict) -> dict:
    return {"type": "action", "action": action}


def flex(alt_text: str, contents: dict, quick_replies: list[dict] | None = None) -> dict:
    message: dict = {"type": "flex", "altText": alt_text[:1500], "contents": contents}
    if quick_replies:
        message["quickReply"] = {"items": quick_replies[:13]}
    return message


def image(url: str, preview_url: str) -> dict:
    return {"type": "image", "originalContentUrl": url, "previewImageUrl": preview_url}
