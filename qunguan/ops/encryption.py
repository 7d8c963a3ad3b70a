"""Encrypted backup archives (``qunguan backup --encrypt-key FILE``).

A backup holds the whole roster and every stored message. Encrypted, it can be copied to a
file server or a USB disk that other people can read, and is useless without the key file.

The key file holds a passphrase or random key text (``openssl rand -base64 32``), at least
``MIN_KEY_CHARS`` characters; surrounding whitespace is ignored. The archive's key is derived
from it with scrypt and a random salt, and the archive is sealed with AES-256-GCM in chunks
of 1 MiB (the STREAM construction: each chunk's nonce is a random prefix, the chunk's number
and a last-chunk flag, so a chunk cannot be altered, dropped, reordered or cut off without
decryption failing). Layout::

    MAGIC (8) | log2(scrypt n) (1) | salt (16) | nonce prefix (7) | chunk … | last chunk

each chunk being the ciphertext of up to 1 MiB followed by its 16-byte tag; the header is
authenticated with every chunk.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

MAGIC = b"QGBAK\x00\x01\n"
MIN_KEY_CHARS = 16
CHUNK = 1 << 20
TAG = 16
_SALT = 16
_PREFIX = 7
# scrypt n = 2**15, r = 8: 32 MiB and a fraction of a second, once per backup or restore.
_LOG_N = 15
_MAX_LOG_N = 20  # a header asking for more is refused (not a backup of ours, or tampered)
_HEADER = len(MAGIC) + 1 + _SALT + _PREFIX


class EncryptionError(Exception):
    """The key file or the encrypted archive is unusable; the message is Chinese and names the file."""


def read_key(path: Path) -> bytes:
    """Return the passphrase in the key file ``path``; raise ``EncryptionError`` naming the file."""
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise EncryptionError(f"{path}：无法读取密钥文件（{exc.strerror or exc}）。") from exc
    key = raw.strip()
    if len(key) < MIN_KEY_CHARS:
        raise EncryptionError(
            f"{path}：密钥太短（{len(key)} 个字符，至少 {MIN_KEY_CHARS} 个）；"
            "可用 openssl rand -base64 32 生成一个。"
        )
    return key


def is_encrypted(path: Path) -> bool:
    """Return whether ``path`` starts like an encrypted backup."""
    try:
        with path.open("rb") as stream:
            return stream.read(len(MAGIC)) == MAGIC
    except OSError:
        return False


def _derive(key: bytes, salt: bytes, log_n: int) -> AESGCM:
    return AESGCM(Scrypt(salt=salt, length=32, n=1 << log_n, r=8, p=1).derive(key))


def _nonce(prefix: bytes, counter: int, last: bool) -> bytes:
    return prefix + struct.pack(">I?", counter, last)


def _chunks(stream: BinaryIO, size: int) -> Iterator[tuple[bytes, bool]]:
    """Yield ``(chunk, is_last)``; an empty stream yields one empty last chunk."""
    current = stream.read(size)
    while True:
        following = stream.read(size)
        yield current, not following
        if not following:
            return
        current = following


def encrypt_file(source: Path, target: Path, key: bytes) -> None:
    """Write ``source`` encrypted with ``key`` to ``target`` (created with mode 600)."""
    salt, prefix = os.urandom(_SALT), os.urandom(_PREFIX)
    header = MAGIC + bytes([_LOG_N]) + salt + prefix
    aead = _derive(key, salt, _LOG_N)
    fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)
    with source.open("rb") as plain, os.fdopen(fd, "wb") as out:
        out.write(header)
        for counter, (chunk, last) in enumerate(_chunks(plain, CHUNK)):
            out.write(aead.encrypt(_nonce(prefix, counter, last), chunk, header))


def decrypt_file(source: Path, target: Path, key: bytes, *, key_path: Path | None = None) -> None:
    """Write the decryption of ``source`` to ``target`` (mode 600).

    Raises ``EncryptionError`` for a file that is not an encrypted backup, a wrong key, and an
    archive altered or cut short; ``target`` may then hold a part and is the caller's to remove.
    """
    with source.open("rb") as sealed:
        header = sealed.read(_HEADER)
        if len(header) < _HEADER or not header.startswith(MAGIC):
            raise EncryptionError(f"{source}：不是加密的群管备份。")
        log_n = header[len(MAGIC)]
        if not 10 <= log_n <= _MAX_LOG_N:
            raise EncryptionError(f"{source}：加密参数不正确，不是群管写出的加密备份。")
        salt = header[len(MAGIC) + 1 : len(MAGIC) + 1 + _SALT]
        prefix = header[-_PREFIX:]
        aead = _derive(key, salt, log_n)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "wb") as out:
            for counter, (chunk, last) in enumerate(_chunks(sealed, CHUNK + TAG)):
                try:
                    out.write(aead.decrypt(_nonce(prefix, counter, last), chunk, header))
                except InvalidTag as exc:
                    if counter == 0:
                        named = f"密钥文件 {key_path} " if key_path else "密钥"
                        raise EncryptionError(
                            f"{source}：无法解密：{named}与备份不符，或备份已损坏。"
                        ) from exc
                    raise EncryptionError(
                        f"{source}：第 {counter + 1} 段无法解密：备份已被改动或不完整，拒绝恢复。"
                    ) from exc


__all__ = ["EncryptionError", "decrypt_file", "encrypt_file", "is_encrypted", "read_key"]
