"""Fuzzed webhook bodies with valid signatures (issue #11.5): whatever a well-signed body holds, the
webhook answers 200 (a `{"events": [...]}` body) or 400 (anything else), never a 500; every event
is recorded once and whole; and the handler stage never wedges — it leaves nothing pending, and a
good message sent after the fuzzed ones is answered.

Each test runs its hypothesis examples inside one app, one database and one fake LINE (fixtures
are made once per test function and shared by its examples on purpose: the database fills up as
LINE's would), and prints one line of counts for docs/RELIABILITY.md (`pytest -s`).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select

from bot.spine import messages
from bot.spine import stage as stage_module
from models import InboundEvent, OutboxMessage
from models.events import EVENT_OUTCOMES
from tests.conftest import SECRET
from tests.line_driver import BOT_ID, sign, user_id

# FUZZ_EXAMPLES=1000 for a deeper run by hand; CI runs the default.
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None, database=None, suppress_health_check=[
    HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
BODY_LIMIT = 1024 * 1024
NOT_LINKED_START = "สวัสดีค่ะ ที่นี่คือบัญชี LINE ของ"  # the greeting strangers get

# --- values LINE never sends where it sends something else ---------------------------------------
ODD_STRINGS = st.sampled_from(["", " ", "\x00", "a\x00b", "\udc80", "x\ud800y", "\ud83d\ude00",
                               "U" * 65, "ก" * 300, "null", "0", "invalid:x", "\u202e", "\n"])
CHARS = st.one_of(st.characters(), st.sampled_from(["\x00", "\ud800", "\udfff", "ก", "\n"]))
SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70),
    st.sampled_from([2**63, 2**64, -(2**63) - 1, 10**20, 253_402_300_800_000, -1, 0]),
    st.floats(allow_nan=True, allow_infinity=True), st.text(CHARS, max_size=20), ODD_STRINGS)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4)
                    | st.dictionaries(st.text(CHARS, max_size=8), inner, max_size=4), max_leaves=12)

# `{"events": [...]}` of anything: events that are JSON values, or objects of any keys and values.
BODIES = st.fixed_dictionaries(
    {"events": st.lists(JSON | st.dictionaries(st.sampled_from(
        ["type", "webhookEventId", "timestamp", "source", "mode", "message"]), JSON),
        min_size=1, max_size=6)},
    optional={"destination": JSON})

# Known fields and the wrong types the issue names; any other field may get any JSON value.
TARGETED = [
    (("source", "userId"), {"id": "U1"}), (("source", "userId"), ["U1"]), (("source", "userId"), 7),
    (("source", "groupId"), {"g": 1}), (("source", "roomId"), [1, 2]), (("source",), "user"),
    (("source",), None), (("source", "type"), 5), (("timestamp",), 1.5),
    (("timestamp",), "1700000000000"), (("timestamp",), 10**30), (("timestamp",), True),
    (("message", "text"), {"text": "x"}), (("message", "text"), None), (("message",), []),
    (("message", "type"), "hologram"), (("message", "id"), 12), (("postback", "data"), ["a"]),
    (("postback", "params"), "date"), (("replyToken",), "r" * 10_000), (("replyToken",), 1),
    (("type",), "teleport"), (("type",), ""), (("mode",), "sleepy"), (("mode",), "standby"),
    (("webhookEventId",), None), (("webhookEventId",), 12345), (("webhookEventId",), "a\x00b"),
    (("webhookEventId",), "x" * 65), (("webhookEventId",), "\udc80"),
    (("deliveryContext",), "yes"), (("deliveryContext", "isRedelivery"), "true"),
]
FIELDS = sorted({path for path, _ in TARGETED} | {("joined",), ("unsend",), ("beacon",),
                                                  ("link",), ("message", "emojis")})
KINDS = ["text", "text", "image", "sticker", "location", "file", "postback", "follow", "unfollow",
         "join", "leave", "memberJoined", "unsend", "videoPlayComplete", "beacon", "accountLink",
         "teleport"]
WHO = [("fuzzer", None), ("kanya", None), ("somchai", None), ("fuzzer", "fuzz-group")]


def mutation():
    targeted = st.sampled_from(TARGETED).map(lambda pv: ("set", *pv))
    anything = st.tuples(st.just("set"), st.sampled_from(FIELDS), JSON)
    dropped = st.tuples(st.just("drop"), st.sampled_from(FIELDS), st.none())
    return st.one_of(targeted, anything, dropped)


def _apply(event: dict, change: tuple) -> None:
    how, path, value = change
    parent = event
    for key in path[:-1]:
        if not isinstance(parent.get(key), dict):
            parent[key] = {}
        parent = parent[key]
    if how == "drop":
        parent.pop(path[-1], None)
    else:
        parent[path[-1]] = value


def base_event(line, kind: str, who: tuple[str, str | None]) -> dict:
    """A well-formed LINE event of this kind, from this user (and group)."""
    user, group = who
    if kind == "text":
        return line.text_event(user, "สวัสดีค่ะ", group=group)
    fields: dict = {}
    if kind in ("image", "sticker", "location", "file"):
        message = {"type": kind, "id": line.next_message_id()}
        message.update({"image": {"contentProvider": {"type": "line"}, "quoteToken": "q1"},
                        "sticker": {"packageId": "1", "stickerId": "1", "stickerResourceType": "STATIC",
                                    "quoteToken": "q2"},
                        "location": {"latitude": 13.75, "longitude": 100.5, "address": "กรุงเทพฯ"},
                        "file": {"fileName": "a.pdf", "fileSize": 10}}[kind])
        fields["message"] = message
        kind = "message"
    elif kind == "postback":
        fields["postback"] = {"data": "v=1&a=x"}
    elif kind == "memberJoined":
        fields["joined"] = {"members": [{"type": "user", "userId": user_id("new")}]}
    elif kind == "unsend":
        fields["unsend"] = {"messageId": "1"}
    elif kind == "videoPlayComplete":
        fields["videoPlayComplete"] = {"trackingId": "t"}
    elif kind == "beacon":
        fields["beacon"] = {"hwid": "d41d8cd98f", "type": "enter"}
    elif kind == "accountLink":
        fields["link"] = {"result": "ok", "nonce": "n"}
    reply = kind not in ("unfollow", "leave", "unsend", "teleport")
    return line.event(kind, user=user, group=group, reply=reply, **fields)


def fuzzed_events(data, line, *, most: int = 10, changes: int = 3) -> list:
    events: list = []
    for _ in range(data.draw(st.integers(1, most))):
        event = base_event(line, data.draw(st.sampled_from(KINDS)), data.draw(st.sampled_from(WHO)))
        for change in data.draw(st.lists(mutation(), max_size=changes)):
            _apply(event, change)
        events.append(event)
    for _ in range(data.draw(st.integers(0, 3))):  # duplicate ids inside the body
        twin = dict(data.draw(st.sampled_from(events)))
        if data.draw(st.booleans()):
            twin["timestamp"] = 1  # the same id with other content: still once
        events.insert(data.draw(st.integers(0, len(events))), twin)
    return events


# --- the oracle: what the rule says should happen to a body ---------------------------------------
def _parseable(raw: bytes) -> list | None:
    try:
        payload = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        return None
    if isinstance(payload, dict) and isinstance(payload.get("events"), list):
        return payload["events"]
    return None


def _key(event: object) -> tuple[str, str]:
    """An event is recorded under its webhookEventId when that is a usable id (a string of 1 to 64
    characters a database can store), else under its content (docs/ARCHITECTURE.md)."""
    value = event.get("webhookEventId") if isinstance(event, dict) else None
    if isinstance(value, str) and 0 < len(value) <= 64 and "\x00" not in value:
        try:
            value.encode("utf-8")
            return ("id", value)
        except UnicodeEncodeError:
            pass
    return ("content", json.dumps(event, sort_keys=True, ensure_ascii=True))


@dataclass
class Tally:
    bodies: int = 0  # bodies posted
    refused: int = 0  # bodies answered 400 (not `{"events": [...]}`) or 413 (over 1 MiB)
    events: int = 0  # events in the bodies answered 200
    recorded: int = 0  # distinct events among them: new rows
    outcomes: dict = field(default_factory=dict)  # what the stage made of them
    answered: int = 0  # good messages answered after a fuzzed body
    lost: int = 0  # acknowledged ids without a row

    def line(self, name: str) -> str:
        outcomes = " ".join(f"{k}={v}" for k, v in sorted(self.outcomes.items()))
        acknowledged = self.bodies - self.refused
        return (f"[fuzz {name}] bodies sent={self.bodies} acknowledged={acknowledged} "
                f"refused={self.refused} | events acknowledged={self.events} "
                f"recorded={self.recorded} handled={sum(self.outcomes.values())} ({outcomes}) "
                f"pending=0 | good message after each: answered={self.answered}/{acknowledged} "
                f"| duplicates=0 lost={self.lost}")


class Fuzzer:
    """Posts bodies and checks every invariant after each one."""

    def __init__(self, line, runtime):
        self.line, self.runtime, self.tally = line, runtime, Tally()
        self.seen: set[tuple[str, str]] = set()

    def _rows_after(self, last_id: int) -> list[InboundEvent]:
        with self.runtime.factory() as session:
            return list(session.scalars(select(InboundEvent).where(InboundEvent.id > last_id)))

    def post(self, raw: bytes) -> None:
        with self.runtime.factory() as session:
            last_id = session.scalar(select(func.max(InboundEvent.id))) or 0
        response = self.line.client.post("/callback", data=raw, headers={
            "X-Line-Signature": sign(SECRET, raw), "Content-Type": "application/json"})
        events = _parseable(raw) if len(raw) <= BODY_LIMIT else None
        self.tally.bodies += 1
        expected = 413 if len(raw) > BODY_LIMIT else 200 if events is not None else 400
        assert response.status_code == expected, (response.status_code, response.data[:200])
        rows = self._rows_after(last_id)
        if events is None:
            self.tally.refused += 1
            assert rows == []  # nothing written for a refused body
            return
        self.tally.events += len(events)
        keys = {_key(e) for e in events}
        new = keys - self.seen
        self.seen |= keys
        assert len(rows) == len(new), "one row per distinct event, none twice"
        self.tally.recorded += len(rows)
        for row in rows:
            _complete(row)
        ids = [v for kind, v in keys if kind == "id"]
        with self.runtime.factory() as session:
            found = session.scalar(select(func.count()).select_from(InboundEvent).where(
                InboundEvent.webhook_event_id.in_(ids))) if ids else 0
        self.tally.lost += len(ids) - found
        assert found == len(ids), "an acknowledged event has no row"
        self._handle_and_answer(last_id)

    def _handle_and_answer(self, last_id: int) -> None:
        """The stage takes everything; then a good event from a fuzzed chat is answered (a follow:
        a stranger's texts are greeted once a day, a follow every time)."""
        good = self.line.event("follow", user="fuzzer", follow={"isUnblocked": True})
        assert self.line.post(good).status_code == 200  # posts, then runs the stage to idle
        with self.runtime.factory() as session:
            pending = session.scalar(select(func.count()).select_from(InboundEvent).where(
                InboundEvent.outcome == "pending"))
            assert pending == 0, "the handler stage left events pending"
            for outcome, n in session.execute(
                    select(InboundEvent.outcome, func.count()).where(InboundEvent.id > last_id)
                    .where(InboundEvent.webhook_event_id != good["webhookEventId"])
                    .group_by(InboundEvent.outcome)):
                self.tally.outcomes[outcome] = self.tally.outcomes.get(outcome, 0) + n
            crashed = session.scalars(select(InboundEvent.last_error).where(
                InboundEvent.id > last_id, InboundEvent.outcome == "error")).all()
            assert crashed == [], "a handler crashed on an event LINE's model accepts"
        self.line.drain()
        with self.runtime.factory() as session:
            answer = session.scalars(select(OutboxMessage).where(
                OutboxMessage.webhook_event_id == good["webhookEventId"])).one()
        assert answer.status == "sent", (answer.status, answer.last_error)
        [delivery] = [d for d in self.line.fake.deliveries if d.request_id == answer.line_request_id]
        assert delivery.to == user_id("fuzzer")
        assert delivery.messages[0]["text"].startswith(NOT_LINKED_START)
        self.tally.answered += 1


def _complete(row: InboundEvent) -> None:
    """A row is whole: every column set, a known outcome, final or pending, never in between."""
    assert row.webhook_event_id and len(row.webhook_event_id) <= 64
    assert isinstance(row.type, str) and row.type and isinstance(row.mode, str)
    assert isinstance(row.chat_key, str) and isinstance(row.timestamp_ms, int)
    assert isinstance(row.payload, dict) and row.received_at is not None
    assert row.outcome in EVENT_OUTCOMES
    assert (row.outcome == "pending") == (row.handled_at is None)
    if row.outcome == "invalid":
        assert row.type == "invalid" and set(row.payload) == {"invalid"}


def _body(events: list, *, ascii_only: bool = True) -> bytes:
    text = json.dumps({"destination": BOT_ID, "events": events}, ensure_ascii=ascii_only)
    return text.encode("utf-8", "surrogatepass")  # a raw surrogate is not UTF-8: refused whole


# --- the tests ---------------------------------------------------------------------------------
def test_random_json_bodies_are_refused_or_recorded_never_a_500(line, runtime, people):
    fuzzer = Fuzzer(line, runtime)

    anything = st.one_of(JSON, st.dictionaries(st.text(CHARS, max_size=6), JSON))

    @FUZZ
    @given(st.data())
    def examples(data):
        value = data.draw(st.sampled_from([BODIES, BODIES, BODIES, anything]).flatmap(lambda s: s))
        ascii_only = data.draw(st.sampled_from([True, True, True, False]))  # False: raw surrogates
        fuzzer.post(json.dumps(value, ensure_ascii=ascii_only).encode("utf-8", "surrogatepass"))

    examples()
    assert fuzzer.tally.refused and fuzzer.tally.events  # both paths were taken
    print(fuzzer.tally.line("random JSON"))


def test_line_shaped_events_with_wrong_types_never_wedge_the_stage(line, runtime, people):
    fuzzer = Fuzzer(line, runtime)

    @FUZZ
    @given(st.data())
    def examples(data):
        fuzzer.post(_body(fuzzed_events(data, line), ascii_only=data.draw(st.booleans())))

    examples()
    assert fuzzer.tally.outcomes.get("invalid") and fuzzer.tally.outcomes.get("refused")
    print(fuzzer.tally.line("LINE-shaped, wrong types"))


def test_huge_strings_up_to_the_body_limit(line, runtime, people):
    fuzzer = Fuzzer(line, runtime)
    where = st.sampled_from([("message", "text"), ("replyToken",), ("webhookEventId",),
                             ("source", "userId"), ("postback", "data"), ("type",), ("extra",)])

    @settings(FUZZ, max_examples=max(12, FUZZ.max_examples // 5))
    @given(st.data())
    def examples(data):
        event = base_event(line, data.draw(st.sampled_from(["text", "postback", "follow"])),
                           data.draw(st.sampled_from(WHO)))
        room = BODY_LIMIT - len(_body([event])) - 64
        size = data.draw(st.one_of(st.integers(0, room // 3), st.just(room // 3),
                                   st.just(room), st.just(room + 200)))
        letter = data.draw(st.sampled_from(["ก", "a", "\\", "\udc80"]))
        _apply(event, ("set", data.draw(where), letter * size))
        fuzzer.post(_body([event], ascii_only=letter != "ก"))

    examples()
    print(fuzzer.tally.line("huge strings"))


def test_a_hundred_events_in_one_body_with_duplicate_ids(line, runtime, people):
    fuzzer = Fuzzer(line, runtime)

    @settings(FUZZ, max_examples=max(8, FUZZ.max_examples // 8))
    @given(st.data())
    def examples(data):
        events = [base_event(line, "text", WHO[n % len(WHO)]) for n in range(100)]
        for n in data.draw(st.lists(st.integers(0, 99), max_size=10)):
            _apply(events[n], data.draw(mutation()))
        for n in data.draw(st.lists(st.integers(0, 99), min_size=1, max_size=10)):
            events[n]["webhookEventId"] = events[(n + 1) % 100].get("webhookEventId")
        fuzzer.post(_body(events))

    examples()
    assert fuzzer.tally.events == 100 * fuzzer.tally.bodies
    print(fuzzer.tally.line("100 events a body"))


# --- what the fuzzing found, pinned --------------------------------------------------------------
def test_text_no_database_can_store_is_an_invalid_event_not_a_500(line, runtime, fake):
    """Found by the fuzzer: a lone UTF-16 surrogate (`"\\udc80"` is valid JSON) in the id, the
    type, the mode or a user id could not be encoded for the database, and a NUL in the id is
    refused by PostgreSQL: the webhook answered 500 (or 503) for the whole body, on every redelivery."""
    good = line.text_event("a", "สวัสดีค่ะ")
    poisons = []
    for path in (("webhookEventId",), ("type",), ("mode",), ("source", "userId"), ("replyToken",)):
        event = line.text_event("p", "x")
        _apply(event, ("set", path, "x\udc80"))
        poisons.append(event)
    nul_id = line.text_event("p", "x")
    nul_id["webhookEventId"] = "a\x00b"
    lone_in_text = line.text_event("p", "x")
    lone_in_text["message"]["text"] = "\ud800 ชื่อเรื่อง"
    poisons += [nul_id, lone_in_text]
    raw = _body([*poisons, good])
    assert line.post(raw=raw).status_code == 200
    assert line.post(raw=raw).status_code == 200  # a redelivery adds nothing
    with runtime.factory() as session:
        outcomes = session.scalars(select(InboundEvent.outcome).order_by(InboundEvent.id)).all()
    assert sorted(outcomes) == sorted(["invalid"] * len(poisons) + ["refused"])
    line.drain()
    assert [t.startswith(NOT_LINKED_START) for t in line.texts_to("a")] == [True]


def test_a_number_json_allows_but_no_database_stores_is_an_invalid_event(line, runtime, fake):
    """Found by the fuzzer: NaN and Infinity (Python's json reads them, PostgreSQL's json type
    refuses them) anywhere in an event made every redelivery of its body a 503 on PostgreSQL."""
    good = line.text_event("a", "สวัสดีค่ะ")
    poisons = []
    for value in ("NaN", "Infinity", "-Infinity", "1e400"):
        event = line.text_event("p", "x")
        event["message"]["extra"] = "__NUMBER__"
        poisons.append(json.dumps(event).replace('"__NUMBER__"', value))
    events = ", ".join([*poisons, json.dumps(good)])
    raw = f'{{"destination": "{BOT_ID}", "events": [{events}]}}'.encode()
    for _ in range(2):
        assert line.post(raw=raw).status_code == 200
    with runtime.factory() as session:
        outcomes = session.scalars(select(InboundEvent.outcome)).all()
    assert sorted(outcomes) == sorted(["invalid"] * len(poisons) + ["refused"])
    line.drain()
    assert [t.startswith(NOT_LINKED_START) for t in line.texts_to("a")] == [True]


def test_an_unknown_event_type_that_fits_no_model_is_invalid_and_the_stage_goes_on(line, runtime):
    """Found by the fuzzer: an unknown type whose source has no `type` made line-bot-sdk's
    UnknownEvent raise inside the stage; the event stayed pending and every pass of the stage
    took it first and failed again, so no chat was answered any more."""
    poison = line.event("teleport", user="p", reply=False)
    del poison["source"]["type"]
    line.post(raw=_body([poison]), handle=False)
    good = line.text_event("a", "สวัสดีค่ะ")
    line.post(good)  # runs the stage until nothing is due
    with runtime.factory() as session:
        outcomes = dict(session.execute(select(InboundEvent.webhook_event_id, InboundEvent.outcome)).all())
    assert outcomes == {poison["webhookEventId"]: "invalid", good["webhookEventId"]: "refused"}
    line.drain()
    assert [t.startswith(NOT_LINKED_START) for t in line.texts_to("a")] == [True]


def test_a_failure_outside_the_handler_ends_its_event_once_and_never_blocks_the_rest(
        line, runtime, fake, monkeypatch):
    """The general case of the wedge above: whatever fails for one event outside its handler
    (here a bug put into the SDK's parser) ends that event as `error` with the one apology, and
    the stage goes on with the other chats instead of taking the same event again forever."""
    real = stage_module._parse

    def broken(payload: dict):
        if (payload.get("message") or {}).get("text") == "พัง":
            raise RuntimeError("a bug in the parser")
        return real(payload)

    monkeypatch.setattr(stage_module, "_parse", broken)
    poison, good = line.text_event("p", "พัง"), line.text_event("a", "สวัสดีค่ะ")
    line.post(poison, handle=False)
    line.post(good)
    with runtime.factory() as session:
        outcomes = dict(session.execute(select(InboundEvent.webhook_event_id, InboundEvent.outcome)).all())
    assert outcomes == {poison["webhookEventId"]: "error", good["webhookEventId"]: "refused"}
    line.drain()
    assert line.texts_to("p") == [messages.SORRY_ERROR]
    assert [t.startswith(NOT_LINKED_START) for t in line.texts_to("a")] == [True]
