"""Where submitted files are kept: by the hash of their bytes, written whole or not at all."""

from __future__ import annotations

import os
import re
import tempfile
from hashlib import sha256
from pathlib import Path

_SHA_RE = re.compile(r"[0-9a-f]{64}")


class ContentStore:
    """Files kept by the SHA-256 of their bytes under ``root/ab/cd/<sha>``: the same upload
    stored twice takes the space once, and a file on disk is always complete."""

    def __init__(self, root: Path | str) -> None:
        self.root = Path(root)

    def path(self, sha: str) -> Path:
        if not isinstance(sha, str) or not _SHA_RE.fullmatch(sha):
            raise ValueError(f"not a SHA-256 hex digest: {sha!r}")
        return self.root / sha[:2] / sha[2:4] / sha

    def exists(self, sha: str) -> bool:
        """A malformed id simply does not exist."""
        try:
            return self.path(sha).is_file()
        except ValueError:
            return False

    def put(self, data: bytes) -> str:
        sha = sha256(data).hexdigest()
        target = self.path(sha)
        if target.is_file():
            return sha
        target.parent.mkdir(parents=True, exist_ok=True)
        # Write beside the target and rename, so readers never see half a file.
        fd, temp = tempfile.mkstemp(dir=target.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, target)
        except BaseException:
            Path(temp).unlink(missing_ok=True)
            raise
        return sha

    def open(self, sha: str) -> bytes:
        return self.path(sha).read_bytes()

