"""Personal data at rest (PIPL, GB/T 35273; 密评 GB/T 39786): SM4 encryption and a blind index.

A value is stored as `sm4:<key id>:<base64 of nonce, ciphertext and GCM tag>` — SM4 (GB/T 32907) in GCM mode,
authenticated, with a fresh 96-bit nonce each time, through `cryptography` (OpenSSL 3). A raw read of the
table shows no number. Where a number must be found (a caller's phone at the intake desk), a blind index is
stored beside it: HMAC-SM3 of the normalised number under a second key, equal for equal numbers, useless
without the key.

Keys come from the environment: QIHU_PII_KEY is `<id>:<64 hex digits>` (or the digits alone, id "1"); the
encryption and index keys are derived from it (HKDF-SM3). Rotation: set the new key as QIHU_PII_KEY, the old one
in QIHU_PII_OLD_KEYS (comma-separated, read only to decrypt), run `manage.py pii_rotate` (re-encrypts every
value and recomputes every index), then drop the old key. Without QIHU_PII_KEY a public demo key is used and
`check --deploy` fails (privacy/checks.py).
"""

import base64
import os
from functools import cache

from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.db import models

PREFIX = "sm4:"
DEMO_KEY = "demo:" + "71" * 32  # public: the embedded demo and the tests only (check --deploy refuses it)


def _parse(spec: str) -> tuple[str, bytes]:
    key_id, _sep, digits = spec.strip().rpartition(":")
    material = bytes.fromhex(digits)
    if len(material) < 16:
        raise ValueError("QIHU_PII_KEY needs at least 32 hex digits")
    return key_id or "1", material


def _derive(material: bytes, purpose: bytes, length: int) -> bytes:
    return HKDF(algorithm=hashes.SM3(), length=length, salt=None, info=b"qihu-pii-" + purpose).derive(material)


@cache
def _keys() -> tuple[str, dict[str, bytes], bytes]:
    """(current key id, encryption key by id, current index key); settings are read once per process."""
    current_id, material = _parse(settings.QIHU["PII_KEY"] or DEMO_KEY)
    encryption = {current_id: _derive(material, b"sm4", 16)}
    for spec in settings.QIHU["PII_OLD_KEYS"]:
        key_id, old = _parse(spec)
        encryption.setdefault(key_id, _derive(old, b"sm4", 16))
    return current_id, encryption, _derive(material, b"index", 32)


def encrypt(plain: str) -> str:
    key_id, keys, _index = _keys()
    nonce = os.urandom(12)
    encryptor = Cipher(algorithms.SM4(keys[key_id]), modes.GCM(nonce)).encryptor()
    sealed = encryptor.update(plain.encode()) + encryptor.finalize()
    return f"{PREFIX}{key_id}:{base64.b64encode(nonce + sealed + encryptor.tag).decode()}"


def decrypt(stored: str) -> str:
    """The plain value; a value stored before encryption (no prefix) is returned as it is (the migration
    encrypts those)."""
    if not stored or not stored.startswith(PREFIX):
        return stored
    key_id, _sep, body = stored[len(PREFIX) :].partition(":")
    raw = base64.b64decode(body)
    nonce, sealed, tag = raw[:12], raw[12:-16], raw[-16:]
    decryptor = Cipher(algorithms.SM4(_keys()[1][key_id]), modes.GCM(nonce, tag)).decryptor()
    return (decryptor.update(sealed) + decryptor.finalize()).decode()


def normalise_phone(phone: str) -> str:
    """Digits only, without China's +86: 138-0570-1234, +86 13805701234 and 13805701234 are one number."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    return digits[2:] if digits.startswith("86") and len(digits) == 13 else digits


def blind_index(phone: str) -> str:
    if not phone:
        return ""
    mac = hmac.HMAC(_keys()[2], hashes.SM3())
    mac.update(normalise_phone(phone).encode())
    return mac.finalize().hex()


def forget_keys() -> None:
    """After a settings change (the tests, key rotation in one process)."""
    _keys.cache_clear()


class EncryptedCharField(models.CharField):
    """A CharField stored SM4-encrypted; Python sees the plain text. `index_field`, if named, is set to the
    value's blind index on every save (declare it after this field). Lookups other than an empty value cannot
    match (each encryption differs): search through the index."""

    def __init__(self, *args, plain_max_length: int = 30, index_field: str = "", **kwargs):
        self.plain_max_length, self.index_field = plain_max_length, index_field
        kwargs.setdefault("max_length", 255)
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        kwargs["plain_max_length"] = self.plain_max_length
        if self.index_field:
            kwargs["index_field"] = self.index_field
        return name, path, args, kwargs

    def from_db_value(self, value, expression, connection):
        return decrypt(value) if value else value

    def get_prep_value(self, value):
        value = super().get_prep_value(value)
        return encrypt(value) if value and not value.startswith(PREFIX) else value

    def pre_save(self, model_instance, add):
        value = super().pre_save(model_instance, add)
        if self.index_field:
            setattr(model_instance, self.index_field, blind_index(value or ""))
        return value

    def formfield(self, **kwargs):
        return super().formfield(**{"max_length": self.plain_max_length, **kwargs})


def encrypt_existing(model_label: str, field: str, index_field: str = ""):
    """A migration step: the values stored in plain before this field existed, encrypted (and indexed)."""

    def forwards(apps, schema_editor):
        _rewrite(apps.get_model(model_label)._base_manager, field, index_field)  # plain values read as they are

    return forwards


def _rewrite(manager, field: str, index_field: str) -> int:
    """Every non-empty value read (decrypted with the key it names) and written with the current key."""
    rows = list(manager.exclude(**{field: ""}).only("pk", field))
    for row in rows:
        if index_field:
            setattr(row, index_field, blind_index(getattr(row, field)))
    manager.bulk_update(rows, [field, index_field] if index_field else [field], batch_size=1000)
    return len(rows)


def encrypted_fields():
    """Every (model, field) stored encrypted, from the models themselves."""
    from django.apps import apps

    for model in apps.get_models():
        for field in model._meta.concrete_fields:
            if isinstance(field, EncryptedCharField):
                yield model, field


def reencrypt_all() -> dict[str, int]:
    """Key rotation: each value read with whichever key it names, written with the current one."""
    return {
        f"{model._meta.label_lower}.{field.name}": _rewrite(model._base_manager, field.name, field.index_field)
        for model, field in encrypted_fields()
    }
