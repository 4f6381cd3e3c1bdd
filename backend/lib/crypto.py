"""Keyed hashes, signatures and secret sealing. Every comparison of secrets is constant-time."""

from __future__ import annotations

import base64
import functools
import hashlib
import hmac
import os
import time

import msgspec
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat


def hmac_hex(key: bytes | str, message: bytes | str) -> str:
    k = key.encode() if isinstance(key, str) else key
    m = message.encode() if isinstance(message, str) else message
    return hmac.new(k, m, hashlib.sha256).hexdigest()


def equal(a: str | bytes, b: str | bytes) -> bool:
    a_b = a.encode() if isinstance(a, str) else a
    b_b = b.encode() if isinstance(b, str) else b
    return hmac.compare_digest(a_b, b_b)


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _subkey(secret_key: str, purpose: str) -> bytes:
    """Derive a separate key per purpose so a leak of one token kind cannot forge another."""
    return hmac.new(secret_key.encode(), f"zan:{purpose}".encode(), hashlib.sha256).digest()


@functools.lru_cache(maxsize=16)  # asked once per seal when a whole ledger is verified
def key_id(secret_key: str) -> str:
    """A public name for a key (stored beside what it keyed, so a rotation can tell which key to use): it reveals
    nothing of the key."""
    return hmac_hex(_subkey(secret_key, "key-id"), "")[:16]


@functools.lru_cache(maxsize=16)
def _signing_key(secret_key: str, purpose: str) -> Ed25519PrivateKey:
    return Ed25519PrivateKey.from_private_bytes(_subkey(secret_key, f"sign:{purpose}"))


def sign(secret_key: str, purpose: str, message: bytes) -> str:
    """Ed25519 signature (hex) by a key pair derived from ZAN_SECRET_KEY: unlike an HMAC, anyone holding the public
    key can check it, and nobody can make one with the public key alone."""
    return _signing_key(secret_key, purpose).sign(message).hex()


def public_key(secret_key: str, purpose: str) -> str:
    """The public half (hex, 32 bytes) of the key pair `sign` uses: what a third party needs to check."""
    return _signing_key(secret_key, purpose).public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def signature_valid(public_key_hex: str, message: bytes, signature_hex: str) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key_hex)).verify(bytes.fromhex(signature_hex), message)
    except (InvalidSignature, ValueError):
        return False
    return True


def keyed_hash(secret_key: str, purpose: str, value: str) -> str:
    """Deterministic pseudonym for personal identifiers (IIN, phone): lookup works, reversal doesn't."""
    return hmac_hex(_subkey(secret_key, purpose), value)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class TokenError(Exception):
    pass


def sign_token(secret_key: str, purpose: str, payload: dict[str, object], ttl_s: int | None = None) -> str:
    """Compact signed token `<b64 json>.<b64 mac>` for cursors and upload links (not for sessions)."""
    body = dict(payload)
    if ttl_s is not None:
        body["exp"] = int(time.time()) + ttl_s
    raw = msgspec.json.encode(body)
    mac = hmac.new(_subkey(secret_key, purpose), raw, hashlib.sha256).digest()
    return f"{_b64(raw)}.{_b64(mac)}"


def verify_token(secret_key: str, purpose: str, token: str) -> dict[str, object]:
    try:
        raw_b64, mac_b64 = token.split(".", 1)
        raw = _unb64(raw_b64)
        mac = _unb64(mac_b64)
    except (ValueError, TypeError) as exc:
        raise TokenError("malformed") from exc
    expected = hmac.new(_subkey(secret_key, purpose), raw, hashlib.sha256).digest()
    if not hmac.compare_digest(mac, expected):
        raise TokenError("bad signature")
    try:
        payload = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise TokenError("malformed") from exc
    if not isinstance(payload, dict):
        raise TokenError("malformed")
    exp = payload.get("exp")
    if isinstance(exp, int) and exp < time.time():
        raise TokenError("expired")
    return payload


_NONCE, _TAG = 12, 16  # AES-GCM: a random 96-bit nonce per seal, a 128-bit tag


def seal(secret_key: str, plaintext: str) -> str:
    """Encrypt a stored secret (partner HMAC keys) with AES-GCM under a key derived from ZAN_SECRET_KEY."""
    nonce = os.urandom(_NONCE)
    ct = AESGCM(_subkey(secret_key, "seal")).encrypt(nonce, plaintext.encode(), b"zan-seal-v1")
    return "v1." + _b64(nonce + ct)


def unseal(secret_keys: tuple[str, ...], sealed: str) -> str:
    """Open a stored secret sealed under any of `secret_keys` (the current key first: after a rotation the others
    open what `zan keys reseal` has not re-sealed yet)."""
    return unseal_with(secret_keys, sealed)[0]


def unseal_with(secret_keys: tuple[str, ...], sealed: str) -> tuple[str, str]:
    """The secret and the key that opened it."""
    version, _, data = sealed.partition(".")
    if version != "v1":
        raise TokenError("unknown seal version")
    try:
        blob = _unb64(data)
    except ValueError as exc:  # binascii.Error, or a character that is not ASCII
        raise TokenError("malformed seal") from exc
    # a damaged value (a bad restore, a hand edit) is one no key opens, as its callers treat it, not a ValueError
    # from the cipher that none of them catches (a partner's every request was a 500, `zan keys reseal` a traceback)
    if len(blob) < _NONCE + _TAG:
        raise TokenError("malformed seal")
    for secret_key in secret_keys:
        try:
            plain = AESGCM(_subkey(secret_key, "seal")).decrypt(blob[:_NONCE], blob[_NONCE:], b"zan-seal-v1")
        except InvalidTag:
            continue
        return plain.decode(), secret_key
    raise TokenError("sealed under a key that is not configured")
