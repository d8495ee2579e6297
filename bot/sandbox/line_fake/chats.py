"""Who the bot talks to: user profiles, groups (and rooms) and their members, the bot itself, and the two
chat-screen calls (loading animation, mark as read).

Faithful to LINE: unknown users and groups answer 404; a group member's profile is readable even
when they are not the bot's friend; the loading animation is for one-on-one chats only.
"""

from __future__ import annotations

from dataclasses import dataclass

from werkzeug.routing import Rule
from werkzeug.wrappers import Response

from .schema import ErrorDetail
from .wire import Call, Endpoints, error_response, is_group_or_room, json_response

ROUTES = [
    Rule("/v2/bot/profile/<user_id>", methods=["GET"], endpoint="profile"),
    Rule("/v2/bot/group/<group_id>/summary", methods=["GET"], endpoint="group_summary"),
    Rule("/v2/bot/group/<group_id>/member/<user_id>", methods=["GET"], endpoint="group_member"),
    Rule("/v2/bot/group/<group_id>/members/count", methods=["GET"], endpoint="group_count"),
    Rule("/v2/bot/room/<group_id>/members/count", methods=["GET"], endpoint="room_count"),
    Rule("/v2/bot/chat/loading/start", methods=["POST"], endpoint="loading"),
    Rule("/v2/bot/chat/markAsRead", methods=["POST"], endpoint="mark_as_read"),
    Rule("/v2/bot/info", methods=["GET"], endpoint="bot_info"),
]


@dataclass
class Profile:
    user_id: str
    display_name: str
    picture_url: str | None = None


@dataclass
class Group:
    group_id: str
    name: str
    member_ids: list[str]
    picture_url: str | None = None
    channel: str | None = None  # the access token of the one bot in it (None: the fake's own)


def _profile_dict(profile: Profile) -> dict:
    out = {"displayName": profile.display_name, "userId": profile.user_id}
    if profile.picture_url:
        out["pictureUrl"] = profile.picture_url
    return out


class ChatEndpoints(Endpoints):
    """Profiles, groups, bot info, loading animation and mark-as-read."""

    bot_user_id: str
    bot_display_name: str

    def _init_chats(self) -> None:
        self.profiles: dict[str, Profile] = {}
        self.groups: dict[str, Group] = {}
        self.loading_animations: list[tuple[str, int]] = []
        self.marked_as_read: list[str] = []

    def _forget_chats(self, *, keep_profiles: bool) -> None:
        self.loading_animations.clear()
        self.marked_as_read.clear()
        if not keep_profiles:
            self.profiles.clear()
            self.groups.clear()

    def set_profile(self, user_id: str, display_name: str, picture_url: str | None = None) -> None:
        with self._lock:
            self.profiles[user_id] = Profile(user_id, display_name, picture_url)

    def add_group(
        self,
        group_id: str,
        name: str,
        member_ids: list[str] | tuple[str, ...] = (),
        picture_url: str | None = None,
        channel: str | None = None,
    ) -> None:
        """Make a bot a member of `group_id`, a group (C...) or room (R...): the channel whose
        access token is `channel` (default: the fake's own). LINE lets one Official Account into
        a group, so pushes and group calls with another channel's token are refused there."""
        with self._lock:
            self.groups[group_id] = Group(group_id, name, list(member_ids), picture_url, channel)

    def _member_bot(self, group: Group, call: Call) -> bool:
        return (group.channel or self.access_token) == call.token

    def _h_profile(self, call: Call) -> Response:
        profile = self.profiles.get(call.args["user_id"])
        if profile is None:
            return error_response(404, "Not found")
        return json_response(200, _profile_dict(profile))

    def _group(self, call: Call) -> Group | Response:
        group = self.groups.get(call.args["group_id"])
        if group is None or not self._member_bot(group, call):  # another bot's group: not its to see
            return error_response(404, "Not found")
        return group

    def _h_group_summary(self, call: Call) -> Response:
        group = self._group(call)
        if isinstance(group, Response):
            return group
        out = {"groupId": group.group_id, "groupName": group.name}
        if group.picture_url:
            out["pictureUrl"] = group.picture_url
        return json_response(200, out)

    def _h_group_member(self, call: Call) -> Response:
        """Works for any member, friend or not; a member without a set profile gets a stub name."""
        group = self._group(call)
        if isinstance(group, Response):
            return group
        user_id = call.args["user_id"]
        if user_id not in group.member_ids:
            return error_response(404, "Not found")
        profile = self.profiles.get(user_id) or Profile(user_id, f"Member {user_id[:8]}")
        return json_response(200, _profile_dict(profile))

    def _h_group_count(self, call: Call) -> Response:
        group = self._group(call)
        if isinstance(group, Response):
            return group
        return json_response(200, {"count": len(group.member_ids)})

    def _h_room_count(self, call: Call) -> Response:
        """Rooms are kept with the groups (`add_group` with an R... id): same answer."""
        return self._h_group_count(call)

    def _h_bot_info(self, call: Call) -> Response:
        return json_response(
            200,
            {
                "userId": self.bot_user_id,
                "basicId": "@000fake",
                "displayName": self.bot_display_name,
                "chatMode": "bot",
                "markAsReadMode": "auto",
            },
        )

    def _h_loading(self, call: Call) -> Response:
        body, error = self._body(call, "ShowLoadingAnimationRequest")
        if error:
            return error
        chat_id = body["chatId"]
        if is_group_or_room(chat_id) or chat_id in self.groups:
            detail = ErrorDetail("the loading animation is only for one-on-one chats", "chatId")
            return error_response(400, "Invalid chat ID", [detail])
        self.loading_animations.append((chat_id, body.get("loadingSeconds", 20)))
        return json_response(202, {})

    def _h_mark_as_read(self, call: Call) -> Response:
        body, error = self._body(call, "MarkMessagesAsReadByTokenRequest")
        if error:
            return error
        self.marked_as_read.append(body["markAsReadToken"])
        return json_response(200, {})
