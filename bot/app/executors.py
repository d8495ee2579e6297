"""Every outbox effect this application performs, beyond the sender's own reply and push.

One explicit list: a kind missing here is refused by the sender ("no executor"), so adding an
effect means adding it here, not importing a module somewhere for its side effects.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.office import richmenus
from bot.publishing import website, website_send
from bot.spine.claims import MESSAGE_LANE
from bot.spine.sender import Executor, OnFailed
from bot.workflow import albums, personal_data, submissions

EXECUTORS: Mapping[str, Executor] = {
    "download": submissions.download,
    "album_check": albums.album_check,
    "richmenu_link": richmenus.link_rich_menu,
    "richmenu_unlink": richmenus.unlink_rich_menu,
    **website_send.EXECUTORS,
    "scan": personal_data.scan,
}

ON_FAILED: Mapping[str, OnFailed] = {
    "download": submissions.download_failed,
    "scan": personal_data.scan_failed,
}

# Kinds whose rows for one target go strictly one after another, in the order written: a chat's
# messages, a person's rich-menu changes (a link and a later unlink must not swap), and a
# publication's website effects (a retraction waits for the post it takes down). Downloads, album
# checks and personal-data scans run as soon as they are due.
LANES: Sequence[Sequence[str]] = (
    MESSAGE_LANE,
    ("richmenu_link", "richmenu_unlink"),
    website.KINDS,
)
