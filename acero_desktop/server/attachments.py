"""Content-addressed storage of attachment bytes under the data dir.

A file lives at ``<dir>/<sha[:2]>/<sha>``: the path is built from the hash the server computed,
never from anything the client sent (its file name is only metadata), so no upload can write
or read outside the store. Identical files are stored once. Writes go to a temporary file in
the same directory and are renamed into place, so a crash never leaves a half file under a
valid name.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from pathlib import Path
from typing import BinaryIO

_SHA = re.compile(r"^[0-9a-f]{64}$")


class TooLarge(Exception):
    pass


class BlobStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def path_of(self, sha256: str) -> Path:
        if not _SHA.match(sha256):
            raise ValueError("not a sha256")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path_of(sha256).is_file()

    def put(self, source: BinaryIO, max_bytes: int) -> tuple[str, int]:
        """Copy ``source`` in, refusing more than ``max_bytes``; return (sha256, size)."""
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        size = 0
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                while True:
                    chunk = source.read(1 << 16)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > max_bytes:
                        raise TooLarge
                    digest.update(chunk)
                    out.write(chunk)
            sha = digest.hexdigest()
            final = self.path_of(sha)
            final.parent.mkdir(parents=True, exist_ok=True)
            if final.exists():
                os.unlink(tmp)
            else:
                os.replace(tmp, final)
            return sha, size
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
