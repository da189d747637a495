"""Identity keys of customers and reps: normalised names, stable derived ids."""

from __future__ import annotations

import re
import unicodedata

import numpy as np
import pandas as pd

__all__ = ["company_key", "derive_customer_ids", "name_key"]

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[\s\W_]+", flags=re.UNICODE)
_LEGAL_SUFFIXES = re.compile(
    r"(股份有限公司|有限责任公司|有限公司|集团股份|集团|公司|"
    r"co\.?,?ltd\.?|coltd|co\.?|ltd\.?|inc\.?|llc|corp\.?|corporation|limited|group|gmbh|plc)+$"
)


def name_key(text: object) -> str:
    """Comparison key for a person or rep reference: NFKC, casefold, no whitespace."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def company_key(text: object) -> str:
    """Comparison key for a company: legal suffixes (有限公司, Co., Ltd., Inc., …) and
    punctuation removed, so ``上海华信科技有限公司`` and ``上海华信科技`` compare equal."""
    value = unicodedata.normalize("NFKC", str(text)).casefold()
    value = _PUNCTUATION.sub("", value)
    stripped = _LEGAL_SUFFIXES.sub("", value)
    return stripped or value


def derive_customer_ids(customers: pd.DataFrame) -> pd.Series:
    """The given ``customer_id``, else a stable id from the identity keys (name, phone, email).

    Derived ids look like ``C-5f3a9c0d1e2b4a68``; rows with equal keys get ``-2``, ``-3`` in row
    order so every row keeps a distinct id.
    """
    given = customers["customer_id"]
    missing = given.isna()
    if not missing.any():
        return given
    keys = pd.DataFrame(
        {
            "name": customers.loc[missing, "customer"].fillna("").map(company_key),
            "phone": customers.loc[missing, "phone"]
            .fillna("")
            .astype(str)
            .str.replace(r"\D", "", regex=True),
            "email": customers.loc[missing, "email"].fillna("").astype(str).str.strip().str.lower(),
        }
    )
    hashed = pd.util.hash_pandas_object(keys, index=False).to_numpy(dtype=np.uint64)
    derived = pd.Series(
        np.char.add("C-", np.char.zfill(np.char.mod("%x", hashed), 16)), index=keys.index
    )
    repeat = derived.groupby(derived).cumcount()
    derived = derived.where(repeat.eq(0), derived + "-" + (repeat + 1).astype(str))
    result = given.astype(object).copy()
    result[missing] = derived
    return result
