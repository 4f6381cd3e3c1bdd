"""Bot API methods that carry files: sendPhoto, sendDocument, sendMediaGroup, getFile (download: server.py)."""

from __future__ import annotations

import io
import secrets
from typing import Any

from tests.fakes.telegram.methods import Handler, chat_of, new_message, registrar, rendered
from tests.fakes.telegram.state import BotState, Hub, StoredFile
from tests.fakes.telegram.text import MAX_CAPTION
from tests.fakes.telegram.wire import Upload, bad_request, file_param

METHODS: dict[str, Handler] = {}
method = registrar(METHODS)
MAX_DOWNLOAD = 20 * 1024 * 1024  # bots may download files up to 20 MB


def stored_input(hub: Hub, value: str | Upload | None, *, kind: str, name: str) -> StoredFile:
    """A file sent by the bot: an upload, an existing file_id, or an HTTP URL (recorded without content)."""
    if isinstance(value, Upload):
        extension = "." + value.filename.rsplit(".", 1)[1] if "." in value.filename else ""
        return hub.store_file(
            value.data, kind=kind, mime_type=value.content_type, file_name=value.filename, extension=extension
        )
    if value is None or value == "":
        raise bad_request(f"there is no {name} in the request")
    if value in hub.files:
        return hub.files[value]
    if value.startswith(("http://", "https://")):
        return hub.store_file(None, kind=kind, file_name=value.rsplit("/", 1)[-1])
    raise bad_request("wrong remote file identifier specified: Wrong string length")


def photo_sizes(hub: Hub, stored: StoredFile) -> list[dict[str, Any]]:
    """PhotoSize list, smallest first: a <=90 px thumbnail (when Pillow can read the image) and the original."""
    width, height, thumb = 1280, 960, None
    if stored.data:
        try:
            from PIL import Image

            with Image.open(io.BytesIO(stored.data)) as image:
                width, height = image.size
                small = image.convert("RGB")
                small.thumbnail((90, 90))
                buffer = io.BytesIO()
                small.save(buffer, format="JPEG")
                thumb = (
                    hub.store_file(buffer.getvalue(), kind="photos", mime_type="image/jpeg", extension=".jpg"),
                    small.size,
                )
        except Exception:  # noqa: S110 — not an image Pillow knows: one size only
            pass
    sizes: list[dict[str, Any]] = []
    if thumb is not None:
        (small_file, (w, h)) = thumb
        sizes.append(
            {
                "file_id": small_file.file_id,
                "file_unique_id": small_file.file_unique_id,
                "file_size": small_file.file_size,
                "width": w,
                "height": h,
            }
        )
    size = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id, "width": width, "height": height}
    if stored.file_size is not None:
        size["file_size"] = stored.file_size
    sizes.append(size)
    return sizes


def document(stored: StoredFile) -> dict[str, Any]:
    doc: dict[str, Any] = {"file_id": stored.file_id, "file_unique_id": stored.file_unique_id}
    for key in ("file_name", "mime_type", "file_size"):
        if getattr(stored, key) is not None:
            doc[key] = getattr(stored, key)
    return doc


@method("sendPhoto")
def send_photo(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    chat = chat_of(hub, bot, params, strict=hub.strict_chats)
    stored = stored_input(hub, file_param(params, uploads, "photo"), kind="photos", name="photo")
    content = {
        "photo": photo_sizes(hub, stored),
        **rendered(params, "caption", "caption_entities", MAX_CAPTION, "message caption"),
    }
    if params.get("has_spoiler"):
        content["has_media_spoiler"] = True
    return new_message(hub, bot, chat, "sendPhoto", params, content)


@method("sendDocument")
def send_document(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    chat = chat_of(hub, bot, params, strict=hub.strict_chats)
    stored = stored_input(hub, file_param(params, uploads, "document"), kind="documents", name="document")
    content = {
        "document": document(stored),
        **rendered(params, "caption", "caption_entities", MAX_CAPTION, "message caption"),
    }
    return new_message(hub, bot, chat, "sendDocument", params, content)


@method("sendMediaGroup")
def send_media_group(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    chat = chat_of(hub, bot, params, strict=hub.strict_chats)
    media = params.get("media")
    if not isinstance(media, list) or not 2 <= len(media) <= 10:
        raise bad_request("wrong number of messages in the media group, must be between 2 and 10")
    group_id = str(secrets.randbelow(10**18))
    messages = []
    for item in media:
        kind = item.get("type")
        stored = stored_input(
            hub,
            file_param({"media": item.get("media")}, uploads, "media"),
            kind="photos" if kind == "photo" else "documents",
            name=str(kind),
        )
        content: dict[str, Any] = {"media_group_id": group_id}
        content |= {"photo": photo_sizes(hub, stored)} if kind == "photo" else {"document": document(stored)}
        content |= rendered(item, "caption", "caption_entities", MAX_CAPTION, "message caption")
        messages.append(new_message(hub, bot, chat, "sendMediaGroup", {**params, "media": [item]}, content))
    return messages


@method("getFile")
def get_file(hub: Hub, bot: BotState, params: dict[str, Any], uploads: dict[str, Upload]) -> Any:
    stored = hub.files.get(str(params.get("file_id", "")))
    if stored is None:
        raise bad_request("invalid file_id")
    if (stored.file_size or 0) > MAX_DOWNLOAD:
        raise bad_request("file is too big")
    return stored.as_file()
