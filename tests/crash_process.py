"""A real Prakat process that takes a webhook, commits, and then waits to be killed (SIGKILL).

argv: DATABASE_URL LINE_API_URL CHANNEL_SECRET ACCESS_TOKEN BODY_FILE SIGNATURE MODE
MODE after_record: stop right after the webhook recorded the event (nothing handled).
MODE after_commit: stop right after the handler stage's commit (nothing claimed or sent).
MODE after_claim: the sender has claimed the row, the process dies before calling LINE.
MODE after_send: LINE accepted the push, the process dies before recording it.
"""

import sys
import time

from bot.spine.config import Config
from bot.spine.sender import Sender
from webhook import create_app

db_url, api, secret, token, body_file, signature, mode = sys.argv[1:8]
config = Config(
    line_channel_secret=secret,
    line_channel_access_token=token,
    line_api_base=api,
    line_data_api_base=api,
    database_url=db_url,
    data_dir="/tmp/prakat-crash",
    testing=True,
).validated()
app = create_app(config)
runtime = app.extensions["prakat"]
with open(body_file, "rb") as fh:
    body = fh.read()
response = app.test_client().post("/callback", data=body, headers={"X-Line-Signature": signature})
assert response.status_code == 200, response.data
if mode != "after_record":
    runtime.stage().run_until_idle()
if mode == "after_claim":
    runtime.sender(worker="doomed").claim()
elif mode == "after_send":

    def die_before_recording(self, row, outcome):
        print("SENT", flush=True)
        time.sleep(3600)

    Sender.record = die_before_recording
    runtime.sender(worker="doomed").run_once()
print("READY", flush=True)
time.sleep(3600)
