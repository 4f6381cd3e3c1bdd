"""What both bots need to know about Telegram chats."""

from __future__ import annotations


def is_private_chat(chat_id: int) -> bool:
    """Private chats have the user's (positive) id; groups and channels negative ones. Both bots link private chats
    only, but a link made in a group before that rule would send report numbers and places to the whole group."""
    return chat_id > 0
