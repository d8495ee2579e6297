"""Every outbox effect this application performs, beyond the sender's own reply and push.

One explicit list: a kind missing here is refused by the sender ("no executor"), so adding an
effect means adding it here, not importing a module somewhere for its side effects.
"""

from __future__ import annotations

from collections.abc import Mapping

from bot.office import richmenus
from bot.spine.sender import Executor, OnFailed
from bot.workflow import albums, submissions

EXECUTORS: Mapping[str, Executor] = {
    "download": submissions.download,
    "album_check": albums.album_check,
    "richmenu_link": richmenus.link_rich_menu,
    "richmenu_unlink": richmenus.unlink_rich_menu,
}

ON_FAILED: Mapping[str, OnFailed] = {
    "download": submissions.download_failed,
}
