"""Password-protected (encrypted) workbooks: recognised from their container, then decrypted.

Excel encrypts an xlsx/xlsm/xlsb by wrapping it in an OLE compound file holding the streams
``EncryptionInfo`` and ``EncryptedPackage``; an encrypted xls keeps its OLE container and marks the
workbook stream with a FilePass record. Both are decrypted with msoffcrypto-tool: an OOXML
package into memory, an xls through the anonymous temporary file msoffcrypto-tool rewrites the
container in (deleted by the system when closed); nothing decrypted is left on disk.

Excel's built-in password ``VelvetSweatshop`` (used for workbooks "encrypted" without the user
choosing a password, e.g. with a protected structure) is tried first, so such files open without
asking.

Sheet protection (a locked sheet, no password to open) is not encryption: such files are plain
workbooks and never come here.
"""

from __future__ import annotations

import io
from pathlib import Path

__all__ = [
    "DEFAULT_PASSWORD",
    "PASSWORD_ENV",
    "DecryptionFailed",
    "PasswordRequired",
    "WrongPassword",
    "decrypt",
    "encryption_of",
]

DEFAULT_PASSWORD = "VelvetSweatshop"
"""The password Excel uses when a workbook is encrypted without one being chosen."""
PASSWORD_ENV = "ALLOCATOR_PASSWORD"
"""The environment variable the command line reads the password from (instead of --password)."""


class PasswordRequired(Exception):  # noqa: N818 - a condition, not a failure of the code
    """The workbook is encrypted and no password was given (the default one did not open it)."""


class WrongPassword(Exception):  # noqa: N818
    """The given password does not open the workbook."""


class DecryptionFailed(Exception):  # noqa: N818
    """The workbook is encrypted in a way that cannot be decrypted (or is damaged)."""

    def __init__(self, why: str) -> None:
        super().__init__(why)
        self.why = why


def encryption_of(path: Path) -> str | None:
    """``ooxml`` (an encrypted xlsx/xlsm/xlsb), ``xls`` (an encrypted BIFF8 workbook) or None.

    Only called for files that start with the OLE signature. A damaged container is reported as
    not encrypted: the reader then explains what is wrong with it.
    """
    import olefile

    try:
        with olefile.OleFileIO(str(path)) as ole:
            if ole.exists("EncryptionInfo") and ole.exists("EncryptedPackage"):
                return "ooxml"
            if not ole.exists("Workbook"):
                return None
    except Exception:  # olefile raises OSError, struct.error, … on damaged containers
        return None
    return "xls" if _xls_is_encrypted(path) else None


def _xls_is_encrypted(path: Path) -> bool:
    from msoffcrypto.format.xls97 import Xls97File

    try:
        with path.open("rb") as handle:
            return bool(Xls97File(handle).is_encrypted())
    except Exception:  # a damaged BIFF stream (msoffcrypto asserts on it) is not encryption
        return False


def decrypt(path: Path, password: str | None) -> bytes:
    """The decrypted workbook, trying Excel's default password first, then ``password``.

    Raises :class:`PasswordRequired` when no password was given and the default does not open
    the file, :class:`WrongPassword` when the given one does not, :class:`DecryptionFailed` for
    an unsupported or damaged encryption.
    """
    import msoffcrypto
    from msoffcrypto import exceptions

    candidates = [DEFAULT_PASSWORD]
    if password and password != DEFAULT_PASSWORD:
        candidates.append(password)
    for candidate in candidates:
        try:
            with path.open("rb") as handle:
                office = msoffcrypto.OfficeFile(handle)
                if office.format == "ooxml":
                    office.load_key(password=candidate, verify_password=True)
                else:
                    office.load_key(password=candidate)
                plain = io.BytesIO()
                office.decrypt(plain)
        except exceptions.InvalidKeyError:
            continue
        except (KeyboardInterrupt, SystemExit):
            raise
        except exceptions.DecryptionError as exc:
            raise DecryptionFailed(f"unsupported encryption ({exc})") from None
        except Exception as exc:  # a damaged container or stream
            raise DecryptionFailed(f"damaged encrypted workbook ({type(exc).__name__})") from None
        return plain.getvalue()
    if password:
        raise WrongPassword
    raise PasswordRequired
