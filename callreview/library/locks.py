"""Advisory locks between processes (`flock`): one downloader per recording at a time.

A window and a command line on the same library is normal use. Each recording's download
holds `<name>.lock` beside it for as long as it writes the `.part`, renames it into place and
records it; another process waits for it (or skips, when the deadline passes), and the library
sweep at open removes only what no live process holds. The lock file is removed by its holder
on release; a holder that finds, once locked, that the file it opened is no longer the one at
the path (removed by the previous holder meanwhile) tries again, so two processes never both
believe they hold the lock.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
from pathlib import Path
from types import TracebackType

from callreview.paths import PRIVATE_FILE_MODE

# How often a waiting downloader looks again (flock has no async wait).
POLL_SECONDS = 0.1


class FileLock:
    """An exclusive, non-blocking `flock` on one file, removed again on release."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fd: int | None = None

    @property
    def held(self) -> bool:
        return self._fd is not None

    def try_acquire(self) -> bool:
        """Take the lock if no one holds it; never blocks. OSError if the folder is unusable."""
        if self._fd is not None:
            return True
        while True:
            # Never through a link: a lock file is ours, in our own folder.
            flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | getattr(os, "O_NOFOLLOW", 0)
            fd = os.open(self.path, flags, PRIVATE_FILE_MODE)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                return False
            except BaseException:
                os.close(fd)
                raise
            try:
                same = os.stat(self.path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._fd = fd
                return True
            os.close(fd)  # the previous holder removed the file after we opened it: again

    async def acquire(self, timeout: float | None = None) -> bool:
        """Wait (without blocking the loop) until the lock is ours; False after `timeout`."""
        loop = asyncio.get_running_loop()
        give_up = None if timeout is None else loop.time() + timeout
        while not self.try_acquire():
            if give_up is not None and loop.time() >= give_up:
                return False
            await asyncio.sleep(POLL_SECONDS)
        return True

    def release(self) -> None:
        """Remove the lock file, then unlock (removing first keeps a waiter from locking a
        file that is about to disappear: it sees the inode change and opens the path again)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        try:
            self.path.unlink(missing_ok=True)
        finally:
            os.close(fd)  # closing releases the flock

    def __enter__(self) -> FileLock:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.release()


def is_held_elsewhere(path: Path) -> bool:
    """Whether another open lock holds `path` right now (a missing file is not held)."""
    if not path.exists():
        return False
    probe = FileLock(path)
    try:
        if not probe.try_acquire():
            return True
    except OSError:
        return True  # can't tell: treat as held, and leave its files alone
    probe.release()
    return False
