"""Identity keys of customers and reps: normalised names, stable derived ids, duplicate groups."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from .errors import InternalError

__all__ = [
    "LEGAL_SUFFIXES",
    "company_key",
    "company_keys",
    "derive_customer_ids",
    "duplicate_groups",
    "email_key",
    "email_keys",
    "name_key",
    "phone_key",
    "phone_keys",
]

_SPACES = re.compile(r"\s+")
_PUNCTUATION = re.compile(r"[\s\W_]+", flags=re.UNICODE)
_COMMON_MARKS = (" ", ".", ",", "(", ")")
"""The usual part of what ``_PUNCTUATION`` removes: ``str.replace`` is faster than the regex."""
LEGAL_SUFFIXES = (
    "股份有限公司",
    "有限责任公司",
    "有限公司",
    "集团股份",
    "集团",
    "公司",
)
"""Chinese legal suffixes, stripped from the end of a name once punctuation is gone."""
_LATIN_SUFFIXES = re.compile(
    r"(?:[\s,.&]*\b(?:co|ltd|inc|llc|corp|corporation|company|limited|group|gmbh|plc)\b\.?)+\s*$"
)
"""English legal suffixes, only as whole words: ``Acme Co., Ltd.`` → ``acme`` but ``Costco``
stays ``costco``."""
# A run of suffixes at the end of a name is matched on the reversed name, longest suffix first:
# for these suffixes the greedy match is the longest run (wherever a shorter suffix could stand
# for a longer one, what remains of the longer one is itself a suffix; tests/test_identity.py
# checks it against the plain end-anchored regex), and it costs no scan from every position.
_REVERSED_SUFFIXES = re.compile(
    "(?:"
    + "|".join(re.escape(s[::-1]) for s in sorted(LEGAL_SUFFIXES, key=len, reverse=True))
    + ")+"
)


def name_key(text: object) -> str:
    """Comparison key for a person or rep reference: NFKC, casefold, no whitespace."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", str(text)).casefold())


def company_key(text: object) -> str:
    """Comparison key for a company: legal suffixes (有限公司, Co., Ltd., Inc., …) and
    punctuation removed, so ``上海华信科技有限公司`` and ``上海华信科技`` compare equal."""
    value = unicodedata.normalize("NFKC", str(text)).casefold()
    if value[-1:].isascii():
        value = _LATIN_SUFFIXES.sub("", value) or value
    if not value.isalnum():  # exact shortcut: isalnum() text has nothing to remove
        for mark in _COMMON_MARKS:
            value = value.replace(mark, "")
        if not value.isalnum():
            value = _PUNCTUATION.sub("", value)
    if not value.endswith(LEGAL_SUFFIXES):
        return value
    run = _REVERSED_SUFFIXES.match(value[::-1])
    stripped = value[: len(value) - run.end()] if run else value
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


MIN_NAME_KEY = 2
"""Company keys shorter than this (``A``, ``某``) identify nobody."""
MIN_PHONE_DIGITS = 7
"""Phones with fewer digits (extensions, ``110``, typos) identify nobody."""
_MOBILE_SECOND = frozenset("3456789")
"""Mainland mobiles are 1[3-9] and nine more digits."""
_NON_DIGITS = re.compile(r"[^0-9]+")
_PHONE_MARKS = str.maketrans("", "", " +-()./#*,;")
"""What usually sits between a phone's digits: removed at C speed before the regex fallback."""


def phone_key(text: object) -> str:
    """The digits of a phone number (NFKC first, so full-width digits count); a mainland mobile
    is its last 11 digits when they look like one (1[3-9] and nine more), so ``+86 138-1234-5678``,
    ``0086 13812345678`` and ``13812345678`` compare equal. ``""`` (no key) for fewer than 7
    digits and for one digit repeated (``00000000`` is a placeholder, not somebody's number)."""
    # A number typed into a phone cell: 13812345678.0 is 13812345678, not ...780.
    value = str(int(text)) if isinstance(text, float) and text.is_integer() else str(text)
    if not value.isascii():
        value = unicodedata.normalize("NFKC", value)
    digits = value.translate(_PHONE_MARKS)
    if not (digits.isascii() and digits.isdigit()):
        digits = _NON_DIGITS.sub("", digits)
    if len(digits) > 11 and digits[-11] == "1" and digits[-10] in _MOBILE_SECOND:
        digits = digits[-11:]
    if len(digits) < MIN_PHONE_DIGITS or digits == digits[0] * len(digits):
        return ""
    return digits


def email_key(text: object) -> str:
    """Trimmed, lower-cased email (NFKC); ``""`` (no key) for text without ``@`` (``无``,
    ``N/A``)."""
    value = unicodedata.normalize("NFKC", str(text)).strip().lower()
    return value if "@" in value else ""


def _company_keys(names: pd.Series) -> pd.Series:
    keys = (company_key(name) for name in names.tolist())
    return pd.Series([key if len(key) >= MIN_NAME_KEY else "" for key in keys], dtype=object)


def _phone_keys(phones: pd.Series) -> pd.Series:
    return pd.Series([phone_key(phone) for phone in phones.tolist()], dtype=object)


def _email_keys(emails: pd.Series) -> pd.Series:
    return pd.Series([email_key(email) for email in emails.tolist()], dtype=object)


KeyFunction = Callable[[pd.Series], pd.Series]


def _distinct(values: pd.Series, keys_of: KeyFunction) -> tuple[np.ndarray, np.ndarray]:
    """Per row the position of its value among the distinct values (the last for blanks), and
    the keys of the distinct values followed by ``""``: each distinct text is normalised once."""
    raw, uniques = pd.factorize(values.to_numpy(dtype=object), use_na_sentinel=True)
    keys = keys_of(pd.Series(uniques, dtype=object)).to_numpy(dtype=object)
    return np.where(raw < 0, len(keys), raw), np.append(keys, "")


def _keys(values: pd.Series, keys_of: KeyFunction) -> pd.Series:
    raw, keys = _distinct(values, keys_of)
    return pd.Series(keys[raw], index=values.index, dtype=object)


def _codes(values: pd.Series, keys_of: KeyFunction) -> np.ndarray:
    """An integer per row, equal for equal keys, ``-1`` for no key."""
    raw, keys = _distinct(values, keys_of)
    codes, _ = pd.factorize(keys)
    codes[keys == ""] = -1
    return codes[raw]


def company_keys(names: pd.Series) -> pd.Series:
    """:func:`company_key` of every name; ``""`` (no key) for blanks and keys under 2
    characters."""
    return _keys(names, _company_keys)


def phone_keys(phones: pd.Series) -> pd.Series:
    """:func:`phone_key` of every phone; ``""`` for blanks."""
    return _keys(phones, _phone_keys)


def email_keys(emails: pd.Series) -> pd.Series:
    """:func:`email_key` of every email; ``""`` for blanks."""
    return _keys(emails, _email_keys)


def duplicate_groups(customers: pd.DataFrame) -> pd.Series:
    """Duplicate group (撞单组) of every row, SPEC §3.1: rows sharing any identity key (company
    key, phone, email; see the ``*_keys`` functions) are one group, transitively. The group id
    is the smallest index value (Excel row number) in the group, so it depends neither on row
    order nor on other groups. Each distinct text is normalised once; grouping is linear per
    round and never compares pairs of rows (see :func:`_components`)."""
    index = customers.index
    order = np.argsort(index.to_numpy(), kind="stable")
    blank = pd.Series(pd.NA, index=index, dtype=object)
    codes = []
    for column, keys_of in (
        ("customer", _company_keys),
        ("phone", _phone_keys),
        ("email", _email_keys),
    ):
        values = customers[column] if column in customers.columns else blank
        codes.append(_codes(values, keys_of)[order])
    label = _components(codes, len(index))
    group = np.empty(len(index), dtype=np.int64)
    group[order] = index.to_numpy()[order][label]
    return pd.Series(group, index=index, name="group")


def _components(codes: Sequence[np.ndarray], n: int) -> np.ndarray:
    """Connected components of rows linked by equal codes (``-1`` = no code): for each row the
    smallest row position of its component.

    Label propagation with root hooking and pointer jumping, all numpy. Invariants: ``label[i]``
    is a row of ``i``'s component and never above ``i``, and labels only decrease. A round
    lowers every member of a code group (and the row its label points at) to the group's
    smallest label, then replaces each label by its label's label until that changes nothing.
    A round that changes no label is a fixed point: every code group agrees and every label
    points at a row that labels itself, so a component has one label, its smallest row. Plain
    propagation alone gives each row, after ``r`` rounds, a label no larger than any row within
    ``r`` links, so a component of ``k`` rows settles within ``k - 1`` rounds plus one to see
    it; hooking and jumping only make labels smaller sooner (a few rounds on real data). The
    loops are bounded by ``n`` accordingly and a miss is a bug.
    """
    label = np.arange(n, dtype=np.int64)
    segments = []
    for code in codes:
        rows = np.flatnonzero(code >= 0)
        rows = rows[np.argsort(code[rows], kind="stable")]
        sorted_code = code[rows]
        starts = np.flatnonzero(np.r_[True, sorted_code[1:] != sorted_code[:-1]])[: len(rows)]
        sizes = np.diff(np.r_[starts, len(rows)])
        shared = sizes > 1  # a code held by one row links nothing
        rows = rows[np.repeat(shared, sizes)]
        sizes = sizes[shared]
        if len(rows):
            segments.append((rows, np.r_[0, np.cumsum(sizes)[:-1]], sizes))
    for _ in range(n + 1):
        before = label.copy()
        for rows, starts, sizes in segments:
            member = label[rows]
            low = np.repeat(np.minimum.reduceat(member, starts), sizes)
            np.minimum.at(label, member, low)
            label[rows] = np.minimum(label[rows], low)
        for _ in range(n + 1):
            jumped = label[label]
            if np.array_equal(jumped, label):
                break
            label = jumped
        if np.array_equal(label, before):
            return label
    raise InternalError("duplicate groups did not converge; please report this bug")
