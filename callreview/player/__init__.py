"""Playback: a Player facade over QtMultimedia and the transcript sync that follows it."""

from callreview.player.player import Player, PlayerState
from callreview.player.sync import TranscriptSync

__all__ = ["Player", "PlayerState", "TranscriptSync"]
