"""The fake LINE API, driven through the real line-bot-sdk v3 client over HTTP on 127.0.0.1."""

from __future__ import annotations

import io
import json
import uuid

import pytest
import urllib3
from linebot.v3.messaging import (
    ApiClient,
    ApiException,
    Configuration,
    FlexBox,
    FlexBubble,
    FlexButton,
    FlexComponent,
    FlexImage,
    FlexMessage,
    FlexText,
    MessagingApi,
    MessagingApiBlob,
    MulticastRequest,
    PostbackAction,
    PushMessageRequest,
    ReplyMessageRequest,
    RichMenuArea,
    RichMenuBounds,
    RichMenuRequest,
    RichMenuSize,
    ShowLoadingAnimationRequest,
    TextMessage,
)
from PIL import Image

from bot.sandbox.line_fake import FakeLine, validate_messages, validate_request

TOKEN = "test-token"
USER = "U" + "1" * 32
OTHER = "U" + "2" * 32
GROUP = "C" + "3" * 32


@pytest.fixture(scope="module")
def server():
    fake = FakeLine(access_token=TOKEN).start()
    yield fake
    fake.stop()


@pytest.fixture
def fake(server):
    server.reset()
    return server


@pytest.fixture
def client(fake):
    with ApiClient(Configuration(host=fake.url, access_token=TOKEN)) as api_client:
        yield api_client


@pytest.fixture
def api(client):
    return MessagingApi(client)


@pytest.fixture
def blob(client):
    return MessagingApiBlob(client)


def body_of(exc: ApiException) -> dict:
    return json.loads(exc.body)


def push(api, text="hello", to=USER, **kwargs):
    return api.push_message(PushMessageRequest(to=to, messages=[TextMessage(text=text)]), **kwargs)


# ---------------------------------------------------------------------------- reply


def test_reply_delivers_to_the_tokens_chat(fake, api):
    token = fake.issue_reply_token(to=USER)
    response = api.reply_message(
        ReplyMessageRequest(
            reply_token=token, messages=[TextMessage(text="hi"), TextMessage(text="2")]
        )
    )
    assert len(response.sent_messages) == 2
    assert response.sent_messages[0].id.isdigit()
    assert response.sent_messages[0].quote_token
    assert fake.messages_to(USER) == [{"type": "text", "text": "hi"}, {"type": "text", "text": "2"}]
    [delivery] = fake.deliveries
    assert (delivery.kind, delivery.to, delivery.retry_key) == ("reply", USER, None)
    assert fake.pushes_count == 0  # replies are free


def test_reply_token_is_single_use(fake, api):
    token = fake.issue_reply_token(to=USER)
    request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="once")])
    api.reply_message(request)
    with pytest.raises(ApiException) as exc:
        api.reply_message(request)
    assert exc.value.status == 400
    assert body_of(exc.value) == {"message": "Invalid reply token"}
    assert fake.messages_to(USER) == [{"type": "text", "text": "once"}]


@pytest.mark.parametrize("how", ["expire", "ttl", "unknown"])
def test_expired_or_unknown_reply_token(fake, api, how):
    token = fake.issue_reply_token(to=USER, ttl=0.0 if how == "ttl" else 60.0)
    if how == "expire":
        fake.expire_reply_token(token)
    if how == "unknown":
        token = "f" * 32
    with pytest.raises(ApiException) as exc:
        api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="x")]))
    assert exc.value.status == 400
    assert body_of(exc.value)["message"] == "Invalid reply token"
    assert fake.deliveries == []


# ---------------------------------------------------------------------------- retry key


def test_push_retry_key_repeat_is_409_and_delivers_once(fake, api):
    key = str(uuid.uuid4())
    first = api.push_message_with_http_info(
        PushMessageRequest(to=USER, messages=[TextMessage(text="doc ready")]), x_line_retry_key=key
    )
    assert first.status_code == 200
    first_id = first.headers["x-line-request-id"]
    with pytest.raises(ApiException) as exc:
        push(api, "doc ready", x_line_retry_key=key)
    assert exc.value.status == 409
    assert exc.value.headers["x-line-accepted-request-id"] == first_id
    assert exc.value.headers["x-line-request-id"] != first_id
    sent = [m.to_dict() for m in first.data.sent_messages]
    assert body_of(exc.value) == {
        "message": "The retry key is already accepted",
        "sentMessages": sent,
    }
    assert len(fake.deliveries) == 1
    assert fake.deliveries[0].retry_key == key
    assert fake.pushes_count == 1
    fake.retry_key_ttl = 0.0  # as if 24 h had passed: the key counts as new
    push(api, "doc ready", x_line_retry_key=key)
    assert len(fake.deliveries) == 2


def test_retry_key_must_be_uuid_and_only_on_push_or_multicast(fake, api):
    with pytest.raises(ApiException) as exc:
        push(api, x_line_retry_key="not-a-uuid")
    assert exc.value.status == 400
    token = fake.issue_reply_token(to=USER)
    with pytest.raises(ApiException) as exc:
        api.reply_message(
            ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="x")]),
            _headers={"X-Line-Retry-Key": str(uuid.uuid4())},
        )
    assert exc.value.status == 400
    assert fake.deliveries == []
    # the refused reply did not use the token up
    api.reply_message(ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="x")]))
    assert len(fake.deliveries) == 1


def test_multicast_counts_each_recipient_and_refuses_groups(fake, api):
    key = str(uuid.uuid4())
    api.multicast(
        MulticastRequest(to=[USER, OTHER], messages=[TextMessage(text="m")]), x_line_retry_key=key
    )
    with pytest.raises(ApiException) as exc:
        api.multicast(
            MulticastRequest(to=[USER, OTHER], messages=[TextMessage(text="m")]),
            x_line_retry_key=key,
        )
    assert exc.value.status == 409
    assert "sentMessages" not in body_of(exc.value)
    assert fake.pushes_count == 2
    assert fake.messages_to(OTHER) == [{"type": "text", "text": "m"}]
    with pytest.raises(ApiException) as exc:
        api.multicast(MulticastRequest(to=[USER, GROUP], messages=[TextMessage(text="m")]))
    assert exc.value.status == 400
    assert body_of(exc.value)["details"][0]["property"] == "to[1]"


# ---------------------------------------------------------------------------- auth, faults, quota


def test_bad_or_missing_token_is_401(fake):
    for token in ("wrong", ""):
        config = Configuration(host=fake.url, access_token=token)
        with ApiClient(config) as client, pytest.raises(ApiException) as exc:
            push(MessagingApi(client))
        assert exc.value.status == 401
        assert body_of(exc.value)["message"].startswith("Authentication failed")
        assert uuid.UUID(exc.value.headers["x-line-request-id"])
    assert fake.deliveries == []
    assert [r.status for r in fake.requests] == [401, 401]


def test_fail_next_500_has_no_side_effect_then_succeeds(fake, api):
    fake.fail_next(1, status=500)
    key = str(uuid.uuid4())
    with pytest.raises(ApiException) as exc:
        push(api, x_line_retry_key=key)
    assert exc.value.status == 500
    assert fake.deliveries == [] and fake.pushes_count == 0
    push(api, x_line_retry_key=key)  # same key: not consumed by the failed call
    assert len(fake.deliveries) == 1
    assert [r.status for r in fake.requests] == [500, 200]
    assert fake.requests[0].headers["x-line-retry-key"] == key
    assert fake.requests[0].json["messages"] == [{"type": "text", "text": "hello"}]


def test_fail_next_only_matches_its_path_and_keeps_reply_token(fake, api):
    fake.fail_next(2, status=503, path="/v2/bot/message/reply")
    push(api)  # not matched
    token = fake.issue_reply_token(to=USER)
    request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="r")])
    for _ in range(2):
        with pytest.raises(ApiException) as exc:
            api.reply_message(request)
        assert exc.value.status == 503
    api.reply_message(request)
    assert [d.kind for d in fake.deliveries] == ["push", "reply"]


def test_a_fault_after_delivery_performs_the_call_and_only_loses_its_answer(fake, api):
    fake.fail_next(1, status=500, path="/v2/bot/message/", after_delivery=True)
    key = str(uuid.uuid4())
    with pytest.raises(ApiException) as exc:
        push(api, x_line_retry_key=key)
    assert exc.value.status == 500
    assert len(fake.deliveries) == 1 and fake.pushes_count == 1  # delivered all the same
    with pytest.raises(ApiException) as exc:
        push(api, x_line_retry_key=key)  # LINE remembers the key it accepted
    assert exc.value.status == 409
    assert [r.status for r in fake.requests] == [500, 409]


def test_a_stalled_call_is_performed_after_the_client_gave_up(fake, api):
    token = fake.issue_reply_token(to=USER)
    fake.stall_next(0.6)
    request = ReplyMessageRequest(reply_token=token, messages=[TextMessage(text="r")])
    with pytest.raises(urllib3.exceptions.ReadTimeoutError):
        api.reply_message(request, _request_timeout=0.2)
    assert fake.deliveries == []
    [delivery] = fake.wait_for_deliveries(1, timeout=5)
    assert (delivery.kind, delivery.to) == ("reply", USER)
    with pytest.raises(ApiException) as exc:
        api.reply_message(request)  # the stall is spent, and so is the token
    assert body_of(exc.value) == {"message": "Invalid reply token"}


def test_429_with_retry_after_header(fake, api):
    fake.fail_next(
        1, status=429, headers={"Retry-After": "7"}, body={"message": "Too Many Requests"}
    )
    with pytest.raises(ApiException) as exc:
        push(api)
    assert exc.value.status == 429
    assert exc.value.headers["Retry-After"] == "7"
    assert body_of(exc.value) == {"message": "Too Many Requests"}


def test_monthly_quota_and_group_push_counting(fake, api):
    fake.add_group(GROUP, "Directors", member_ids=[USER, OTHER, "U" + "4" * 32])
    push(api, to=GROUP)
    assert fake.pushes_count == 3
    assert api.get_message_quota_consumption().total_usage == 3
    assert api.get_message_quota().type == "none"
    fake.quota_limit = 4
    assert api.get_message_quota().value == 4
    with pytest.raises(ApiException) as exc:
        push(api, to=GROUP)  # would need 3 more
    assert exc.value.status == 429
    assert body_of(exc.value) == {"message": "You have reached your monthly limit."}
    push(api)  # 1 fits
    fake.monthly_quota_exhausted = True
    with pytest.raises(ApiException) as exc:
        push(api)
    assert exc.value.status == 429
    assert fake.pushes_count == 4


def test_push_to_unknown_group_is_refused(fake, api):
    with pytest.raises(ApiException) as exc:
        push(api, to=GROUP)
    assert exc.value.status == 400
    assert fake.deliveries == []


def test_a_group_has_one_bot_and_another_channels_token_is_not_in_it(fake, api):
    """LINE lets one Official Account into a group: another office's bot can neither push to
    it nor read it."""
    other = "other-channel-token"
    fake.add_channel(other)
    fake.add_group(GROUP, "Directors", member_ids=[USER], channel=other)
    with pytest.raises(ApiException) as exc:
        push(api, to=GROUP)  # the fake's own channel: not the group's bot
    assert exc.value.status == 400 and fake.deliveries == []
    with pytest.raises(ApiException) as exc:
        api.get_group_summary(GROUP)
    assert exc.value.status == 404
    with ApiClient(Configuration(host=fake.url, access_token=other)) as theirs:
        push(MessagingApi(theirs), to=GROUP)
        assert MessagingApi(theirs).get_group_summary(GROUP).group_name == "Directors"
    assert [d.token for d in fake.deliveries] == [other]


# ---------------------------------------------------------------------------- validation


def invalid_bubble() -> FlexBubble:
    return FlexBubble(
        hero=FlexImage(url="http://example.com/a.png"),
        body=FlexBox(
            layout="vertical",
            contents=[FlexText(text="ok"), FlexComponent(type="chart")],
        ),
        footer=FlexBox(
            layout="vertical",
            contents=[FlexButton(action=PostbackAction(label="x" * 41, data="approve=1"))],
        ),
    )


def test_invalid_flex_is_400_with_details(fake, api):
    message = FlexMessage(alt_text="card", contents=invalid_bubble())
    with pytest.raises(ApiException) as exc:
        api.push_message(PushMessageRequest(to=USER, messages=[message]))
    assert exc.value.status == 400
    body = body_of(exc.value)
    assert body["message"] == "The request body has 3 error(s)"
    assert {d["property"] for d in body["details"]} == {
        "messages[0].contents.hero.url",
        "messages[0].contents.body.contents[1].type",
        "messages[0].contents.footer.contents[0].action.label",
    }
    label = next(d for d in body["details"] if d["property"].endswith("label"))
    assert label["message"] == "Length must be between 1 and 40"
    assert fake.deliveries == []
    assert fake.validation_errors[0][0] == "/v2/bot/message/push"
    assert "messages[0].contents.hero.url: must be an HTTPS URL" in fake.validation_errors[0][1]


def test_six_messages_are_refused(fake, api):
    # The SDK model refuses 6 client-side; construct() skips that so the server must say no.
    request = PushMessageRequest.construct(
        to=USER, messages=[TextMessage(text=str(i)) for i in range(6)]
    )
    with pytest.raises(ApiException) as exc:
        api.push_message(request)
    assert exc.value.status == 400
    assert body_of(exc.value)["details"] == [
        {"message": "Size must be between 1 and 5", "property": "messages"}
    ]


def test_text_limit_counts_utf16_units(fake, api):
    assert len("😀" * 2500) == 2500  # code points; 5000 UTF-16 units
    push(api, "😀" * 2500)
    with pytest.raises(ApiException) as exc:
        push(api, "😀" * 2500 + "a")
    assert exc.value.status == 400
    assert body_of(exc.value)["details"] == [
        {"message": "Length must be between 1 and 5000", "property": "messages[0].text"}
    ]
    assert len(fake.deliveries) == 1


def test_validate_messages_accepts_a_flex_bubble_with_postback_buttons():
    bubble = FlexBubble(
        hero=FlexImage(url="https://example.com/doc.png", size="full"),
        body=FlexBox(
            layout="vertical", contents=[FlexText(text="Approve document 42?", wrap=True)]
        ),
        footer=FlexBox(
            layout="horizontal",
            contents=[
                FlexButton(
                    style="primary",
                    action=PostbackAction(label="Approve", data="a=42", display_text="Approve"),
                ),
                FlexButton(action=PostbackAction(label="Reject", data="r=42")),
            ],
        ),
    )
    message = FlexMessage(alt_text="Approval request", contents=bubble).to_dict()
    assert validate_messages([message]) == []


def test_validate_messages_refuses_a_carousel_of_13():
    bubble = {
        "type": "bubble",
        "body": {"type": "box", "layout": "vertical", "contents": [{"type": "text", "text": "x"}]},
    }
    message = {
        "type": "flex",
        "altText": "list",
        "contents": {"type": "carousel", "contents": [bubble] * 13},
    }
    assert validate_messages([message]) == [
        "messages[0].contents.contents: Size must be between 1 and 12"
    ]
    message["contents"]["contents"] = [bubble] * 12
    assert validate_messages([message]) == []


def test_validate_request_other_limits():
    def props(op, body):
        return [(e.property, e.message) for e in validate_request(op, body)]

    uri = {"type": "uri", "label": "open", "uri": "ftp://example.com"}
    assert props(
        "PushMessageRequest",
        {
            "to": USER,
            "messages": [
                {
                    "type": "template",
                    "altText": "a" * 1501,
                    "template": {"type": "buttons", "text": "t", "actions": [uri]},
                }
            ],
        },
    ) == [
        (
            "messages[0].template.actions[0].uri",
            "invalid uri scheme; must be one of http, https, line, tel",
        ),
        ("messages[0].altText", "Length must be between 1 and 1500"),
    ]
    quick = {
        "items": [{"type": "action", "action": {"type": "message", "label": "l" * 21, "text": "t"}}]
        * 14
    }
    errors = props(
        "PushMessageRequest",
        {"to": USER, "messages": [{"type": "text", "text": "t", "quickReply": quick}]},
    )
    assert ("messages[0].quickReply.items", "Size must be between 0 and 13") in errors
    assert (
        "messages[0].quickReply.items[0].action.label",
        "Length must be between 1 and 20",
    ) in errors
    assert props("PushMessageRequest", {"to": USER, "messages": [{"type": "sticker2"}]}) == [
        (
            "messages[0].type",
            "invalid type 'sticker2'; must be one of: text, textV2, sticker, image, video, "
            "audio, location, imagemap, template, flex, coupon",
        ),
    ]
    assert props(
        "MulticastRequest", {"to": [USER] * 501, "messages": [{"type": "text", "text": "t"}]}
    ) == [
        ("to", "Size must be between 1 and 500"),
    ]
    postback = {"type": "postback", "label": "ok", "data": "d" * 301, "displayText": "t" * 301}
    assert props("Action", postback) == [
        ("data", "Length must be between 0 and 300"),
        ("displayText", "Length must be between 0 and 300"),
    ]


# ---------------------------------------------------------------------------- content


def test_content_download_404_and_410(fake, blob):
    fake.add_content("1001", b"%PDF-1.7 fake", content_type="application/pdf")
    response = blob.get_message_content_with_http_info("1001")
    assert response.status_code == 200
    assert bytes(response.data) == b"%PDF-1.7 fake"
    assert response.headers["Content-Type"] == "application/pdf"
    assert bytes(blob.get_message_content_preview("1001")) == b"%PDF-1.7 fake"
    with pytest.raises(ApiException) as exc:
        blob.get_message_content("9999")
    assert exc.value.status == 404
    fake.mark_content_gone("1001")
    with pytest.raises(ApiException) as exc:
        blob.get_message_content("1001")
    assert exc.value.status == 410


# ---------------------------------------------------------------------------- profiles, groups, bot


def test_profile_group_and_bot_info(fake, api):
    fake.set_profile(USER, "Somchai", picture_url="https://example.com/p.png")
    fake.add_group(GROUP, "Directors", member_ids=[USER, OTHER])
    profile = api.get_profile(USER)
    assert (profile.display_name, profile.user_id, profile.picture_url) == (
        "Somchai",
        USER,
        "https://example.com/p.png",
    )
    with pytest.raises(ApiException) as exc:
        api.get_profile(OTHER)
    assert exc.value.status == 404
    assert api.get_group_summary(GROUP).group_name == "Directors"
    assert api.get_group_member_count(GROUP).count == 2
    assert api.get_group_member_profile(GROUP, USER).display_name == "Somchai"
    with pytest.raises(ApiException) as exc:
        api.get_group_member_profile(GROUP, "U" + "9" * 32)
    assert exc.value.status == 404
    assert api.get_bot_info().user_id == fake.bot_user_id


def test_room_member_count_for_a_room_the_bot_is_in(fake, api):
    room = "R" + "4" * 32
    fake.add_group(room, "ad hoc", member_ids=[USER, OTHER, "U" + "5" * 32])
    assert api.get_room_member_count(room).count == 3
    with pytest.raises(ApiException) as exc:
        api.get_room_member_count("R" + "6" * 32)
    assert exc.value.status == 404


def test_loading_animation_only_in_one_to_one_chats(fake, api):
    response = api.show_loading_animation_with_http_info(
        ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=10)
    )
    assert response.status_code == 202
    assert fake.loading_animations == [(USER, 10)]
    with pytest.raises(ApiException) as exc:
        api.show_loading_animation(ShowLoadingAnimationRequest(chat_id=GROUP, loading_seconds=10))
    assert exc.value.status == 400
    with pytest.raises(ApiException) as exc:
        api.show_loading_animation(ShowLoadingAnimationRequest(chat_id=USER, loading_seconds=7))
    assert exc.value.status == 400
    assert body_of(exc.value)["details"] == [
        {"message": "must be a multiple of 5", "property": "loadingSeconds"}
    ]
    assert fake.loading_animations == [(USER, 10)]


# ---------------------------------------------------------------------------- rich menu


def png(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (20, 90, 160)).save(out, format="PNG")
    return out.getvalue()


def test_rich_menu_create_upload_and_link(fake, api, blob):
    menu = RichMenuRequest(
        size=RichMenuSize(width=2500, height=843),
        selected=True,
        name="main",
        chat_bar_text="Menu",
        areas=[
            RichMenuArea(
                bounds=RichMenuBounds(x=0, y=0, width=2500, height=843),
                action=PostbackAction(label="Submit", data="menu=submit"),
            )
        ],
    )
    rich_menu_id = api.create_rich_menu(menu).rich_menu_id
    assert rich_menu_id.startswith("richmenu-")
    assert [m.rich_menu_id for m in api.get_rich_menu_list().richmenus] == [rich_menu_id]
    with pytest.raises(ApiException) as exc:  # no image yet
        api.set_default_rich_menu(rich_menu_id)
    assert exc.value.status == 400
    with pytest.raises(ApiException) as exc:
        blob.set_rich_menu_image(
            rich_menu_id, png(600, 200), _headers={"Content-Type": "image/png"}
        )
    assert exc.value.status == 400
    assert "width 600" in body_of(exc.value)["message"]
    blob.set_rich_menu_image(rich_menu_id, png(2500, 843), _headers={"Content-Type": "image/png"})
    assert fake.rich_menus[rich_menu_id].image_size == (2500, 843)
    api.set_default_rich_menu(rich_menu_id)
    api.link_rich_menu_id_to_user(USER, rich_menu_id)
    assert fake.default_rich_menu_id == rich_menu_id
    assert api.get_rich_menu_id_of_user(USER).rich_menu_id == rich_menu_id
    assert fake.user_rich_menu == {USER: rich_menu_id}
    api.delete_rich_menu(rich_menu_id)
    assert fake.rich_menus == {} and fake.user_rich_menu == {}
    with pytest.raises(ApiException) as exc:
        api.get_rich_menu_id_of_user(USER)
    assert exc.value.status == 404


def test_rich_menu_request_limits(fake, api):
    request = RichMenuRequest(
        size=RichMenuSize(width=2500, height=2000),
        selected=False,
        name="n",
        chat_bar_text="Menu",
        areas=[],
    )
    with pytest.raises(ApiException) as exc:
        api.create_rich_menu(request)
    assert exc.value.status == 400
    assert {(d["property"], d["message"]) for d in body_of(exc.value)["details"]} == {
        ("areas", "Size must be between 1 and 20"),
        ("size", "width / height must be at least 1.45"),
    }
    assert fake.rich_menus == {}


def test_concurrent_retries_with_one_key_deliver_once(fake):
    """The threaded server checks and records a retry key atomically."""
    from concurrent.futures import ThreadPoolExecutor

    key = str(uuid.uuid4())

    def attempt(_):
        with ApiClient(Configuration(host=fake.url, access_token=TOKEN)) as client:
            try:
                push(MessagingApi(client), "once", x_line_retry_key=key)
                return 200
            except ApiException as exc:
                return exc.status

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = sorted(pool.map(attempt, range(8)))
    assert statuses == [200] + [409] * 7
    assert len(fake.wait_for_deliveries(1, timeout=1)) == 1
    assert fake.messages_to(USER) == [{"type": "text", "text": "once"}]
