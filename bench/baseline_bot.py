"""The bot Prakat is compared with: the usual shape of a LINE bot, after line-bot-sdk's kitchen-sink.

It verifies the signature and parses the events with the SDK's WebhookHandler, then calls LINE
from inside the request (downloads an image, replies to every event) and answers 200 only when
those calls are done. So its acknowledgement waits for LINE: that is the point of comparison.
Nothing is stored. Served like Prakat:

    LINE_CHANNEL_SECRET=… LINE_CHANNEL_ACCESS_TOKEN=… LINE_API_BASE=http://127.0.0.1:9000 \\
        gunicorn -w 4 -b 127.0.0.1:8001 'bench.baseline_bot:create_app()'
"""

from __future__ import annotations

import os
import tempfile

from flask import Flask, abort, request
from linebot.v3 import WebhookHandler
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MessagingApiBlob,
    ReplyMessageRequest,
    TextMessage,
)
from linebot.v3.webhooks import (
    FollowEvent,
    ImageMessageContent,
    MessageEvent,
    PostbackEvent,
    TextMessageContent,
)


def create_app() -> Flask:
    """The app, configured from the environment as the kitchen-sink example is."""
    app = Flask(__name__)
    handler = WebhookHandler(os.environ["LINE_CHANNEL_SECRET"])
    configuration = Configuration(host=os.environ.get("LINE_API_BASE", "https://api.line.me"),
                                  access_token=os.environ["LINE_CHANNEL_ACCESS_TOKEN"])

    def reply(reply_token: str, text: str) -> None:
        # A client per event, as in the example: nothing is shared between requests.
        with ApiClient(configuration) as api_client:
            MessagingApi(api_client).reply_message_with_http_info(
                ReplyMessageRequest(reply_token=reply_token, messages=[TextMessage(text=text)]))

    @app.post("/callback")
    def callback():
        signature = request.headers.get("X-Line-Signature", "")
        body = request.get_data(as_text=True)
        try:
            handler.handle(body, signature)
        except InvalidSignatureError:
            abort(400)
        return "OK"

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    @handler.add(MessageEvent, message=TextMessageContent)
    def on_text(event: MessageEvent) -> None:
        reply(event.reply_token, event.message.text)

    @handler.add(MessageEvent, message=ImageMessageContent)
    def on_image(event: MessageEvent) -> None:
        with ApiClient(configuration) as api_client:
            content = MessagingApiBlob(api_client).get_message_content(message_id=event.message.id)
        with tempfile.NamedTemporaryFile(prefix="jpg-", suffix=".jpg") as saved:
            saved.write(content)
            size = saved.tell()
        reply(event.reply_token, f"Saved an image of {size} bytes")

    @handler.add(PostbackEvent)
    def on_postback(event: PostbackEvent) -> None:
        reply(event.reply_token, f"Got postback: {event.postback.data}")

    @handler.add(FollowEvent)
    def on_follow(event: FollowEvent) -> None:
        reply(event.reply_token, "Got follow event")

    return app
