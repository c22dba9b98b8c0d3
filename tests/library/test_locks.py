"""The per-recording lock: exclusive between open files, gone on release, never through a link."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from callreview.library.locks import FileLock, is_held_elsewhere


def test_one_holder_at_a_time_and_the_file_goes_with_the_lock(tmp_path: Path) -> None:
    path = tmp_path / "ringyo_call_1.lock"
    first, second = FileLock(path), FileLock(path)
    assert first.try_acquire()
    assert not second.try_acquire()  # flock conflicts between open files, in one process too
    assert is_held_elsewhere(path)
    first.release()
    assert not path.exists()
    assert not is_held_elsewhere(path)
    assert second.try_acquire()
    second.release()


def test_a_waiter_gets_the_lock_once_it_is_released(tmp_path: Path) -> None:
    path = tmp_path / "x.lock"
    holder = FileLock(path)
    assert holder.try_acquire()

    async def wait() -> tuple[bool, bool]:
        waiter = FileLock(path)
        too_soon = await waiter.acquire(timeout=0.15)
        asyncio.get_running_loop().call_later(0.05, holder.release)
        later = await waiter.acquire(timeout=2)
        waiter.release()
        return too_soon, later

    assert asyncio.run(wait()) == (False, True)


def test_a_lock_file_that_is_a_link_is_refused_and_its_target_untouched(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere.txt"
    target.write_text("keep me", encoding="utf-8")
    link = tmp_path / "ringyo_call_1.lock"
    link.symlink_to(target)
    with pytest.raises(OSError):
        FileLock(link).try_acquire()
    assert target.read_text(encoding="utf-8") == "keep me"
    dangling = tmp_path / "ringyo_call_2.lock"
    dangling.symlink_to(tmp_path / "created-through-the-link")
    with pytest.raises(OSError):
        FileLock(dangling).try_acquire()
    assert not (tmp_path / "created-through-the-link").exists()
