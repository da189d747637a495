"""Realistic synthetic weekly CRM exports (customers + sales reps) for demos, tests and benchmarks.

Pure: builds DataFrames only; :mod:`allocator.export.inputs` writes them. Every customer column is
drawn with whole-array numpy operations, so a million rows take seconds; only the reps (at most
about a thousand) are built in a Python loop. The same arguments always give the same book.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd

from . import sample_data as sd
from .headers import CUSTOMERS, REPS

__all__ = ["SampleBook", "generate_sample"]

DAY = 86_400 * 10**9
MINUTE = 60 * 10**9


@dataclass(frozen=True)
class SampleBook:
    """A generated workbook: frames keyed by sheet display name, plus optional title banners."""

    sheets: dict[str, pd.DataFrame]
    """Sheet display name → frame whose columns are the display headers of ``lang``."""
    banners: dict[str, str] = field(default_factory=dict)
    """Sheet display name → title line above the header (Chinese exports only)."""


def generate_sample(
    customers: int, reps: int, *, seed: int, lang: str, as_of: datetime
) -> SampleBook:
    """A weekly export of ``customers`` customers and ``reps`` reps as of ``as_of``, in ``lang``."""
    if lang not in ("zh", "en"):
        raise ValueError(f"unknown language {lang!r}")
    if customers < 0 or reps < 1:
        raise ValueError("need customers >= 0 and reps >= 1")
    rng = np.random.default_rng(seed)
    now = pd.Timestamp(as_of).tz_localize(None) if pd.Timestamp(as_of).tz else pd.Timestamp(as_of)
    li = 0 if lang == "zh" else 1
    team = _make_team(rng, reps, li, now)
    cust, unowned = _customers(rng, customers, team, li, int(now.value))
    team.set_capacities(rng, unowned)
    c_headers = [c.zh if lang == "zh" else c.name for c in CUSTOMERS.columns]
    r_headers = [c.zh if lang == "zh" else c.name for c in REPS.columns]
    cust.columns = pd.Index(c_headers)
    rep_frame = team.frame()
    rep_frame.columns = pd.Index(r_headers)
    c_sheet, r_sheet = (CUSTOMERS.zh, REPS.zh) if lang == "zh" else (CUSTOMERS.name, REPS.name)
    banners: dict[str, str] = {}
    if lang == "zh":
        year, week, _ = now.isocalendar()
        banners = {
            c_sheet: f"{year}年第{week}周 客户分配表（导出自CRM）",
            r_sheet: f"{year}年第{week}周 销售人员及本周容量（导出自CRM）",
        }
    return SampleBook(sheets={c_sheet: cust, r_sheet: rep_frame}, banners=banners)


_CN_DIGITS = "零一二三四五六七八九"


def _cn_number(k: int) -> str:
    """1 → 一, 12 → 十二, 23 → 二十三: how Chinese teams are numbered (华东一组)."""
    tens, ones = divmod(k, 10)
    head = "" if tens == 0 else ("十" if tens == 1 else _CN_DIGITS[tens] + "十")
    return head + (_CN_DIGITS[ones] if ones else "")


@dataclass
class _Team:
    """The sales reps, built one by one (a team is small), plus what the customers need of them."""

    regions: list[int]
    """Indexes into REGIONS that the team covers; customers are drawn only there."""
    rows: list[dict[str, object]] = field(default_factory=list)
    home: list[int] = field(default_factory=list)
    """Each rep's region index; -1 for the national rep whose territory is ``*``."""
    level: list[int] = field(default_factory=list)
    weight: list[float] = field(default_factory=list)
    skill: np.ndarray = field(default_factory=lambda: np.zeros(0))
    inactive: int = -1
    capacity: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    def draw_owners(
        self, rng: np.random.Generator, region: np.ndarray, owned: np.ndarray
    ) -> np.ndarray:
        """Rep index owning each owned customer (a rep of its region), -1 for the pool."""
        home = np.array(self.home)
        # Seniors have been around longer and hold more existing accounts.
        held = np.array([0.7, 1.2, 1.0])[np.array(self.level)] * np.where(home < 0, 0.4, 1.0)
        owner = np.full(region.size, -1, dtype=np.int64)
        for r in self.regions:
            cand = np.flatnonzero((home == r) | (home < 0))
            mask = owned & (region == r)
            owner[mask] = rng.choice(cand, int(mask.sum()), p=held[cand] / held[cand].sum())
        if self.inactive >= 0 and (owner == self.inactive).sum() < 2:
            # The departed rep must leave customers behind, or there is no handover to show.
            mine = np.flatnonzero(owned & (region == home[self.inactive]))[:3]
            owner[mine] = self.inactive
        return owner

    def owner_text(self, rng: np.random.Generator, owner: np.ndarray) -> np.ndarray:
        """What the CRM shows as owner: mostly the rep's name, sometimes the rep id."""
        names = sd.obj(str(r["name"]) for r in self.rows)
        ids = sd.obj(str(r["rep_id"]) for r in self.rows)
        o = np.maximum(owner, 0)
        return np.where(rng.random(owner.size) < 0.05, ids[o], names[o])

    def set_capacities(self, rng: np.random.Generator, unowned: int) -> None:
        """Split 60–90% of the pool over the reps by level and weight, at least 1 each."""
        share = np.array([0.8, 1.0, 0.7])[np.array(self.level)] * np.array(self.weight)
        share = share * rng.lognormal(0.0, 0.25, share.size)
        share[np.array(self.home) < 0] *= 0.5
        target = unowned * rng.uniform(0.6, 0.9)
        self.capacity = np.maximum(np.floor(target * share / share.sum()), 1).astype(np.int64)

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows, columns=[c.name for c in REPS.columns])
        frame["capacity"] = self.capacity
        frame["away_until"] = pd.to_datetime(frame["away_until"])
        return frame


def _make_team(rng: np.random.Generator, n: int, li: int, now: pd.Timestamp) -> _Team:
    """Reps grouped by region into teams of at most 8, each led by a lead."""
    national = n >= 6  # a key-account rep with territory "*" only exists in larger teams
    regular = n - int(national)
    k = min(len(sd.REGIONS), max(1, math.ceil(regular / 3)))
    w = np.array([r.weight for r in sd.REGIONS[:k]])
    counts = np.full(k, min(2, regular // k), dtype=np.int64)
    quota = w / w.sum() * (regular - counts.sum())
    counts += np.floor(quota).astype(np.int64)
    left = regular - int(counts.sum())
    counts[np.argsort(-(quota - np.floor(quota)), kind="stable")[:left]] += 1
    team = _Team(regions=list(range(k)))
    taken: set[str] = set()
    mails: set[str] = set()
    sep = "、" if li == 0 else ", "
    director = sd.rep_name(rng, li, taken)[0]
    slots: list[tuple[int, str, str | None]] = []  # (region, team name, lead name or None)
    for r, count in enumerate(counts.tolist()):
        region = sd.REGIONS[r]
        n_teams = math.ceil(count / 8)
        boss = sd.rep_name(rng, li, taken)[0] if n_teams > 1 else director
        for t, size in enumerate(np.array_split(np.arange(count), n_teams)):
            label = (
                (region.zh + (_cn_number(t + 1) if n_teams > 1 else "") + "组")
                if li == 0
                else (region.en + " Team" + (f" {t + 1}" if n_teams > 1 else ""))
            )
            slots += [(r, label, boss)] + [(r, label, None)] * (len(size) - 1)
    if national:
        slots.append((-1, "大客户组" if li == 0 else "Key Accounts", director))
    lead_name = ""
    for i, (r, team_name, chief) in enumerate(slots):
        name, local = sd.rep_name(rng, li, taken)
        mail = local
        while mail in mails:
            mail = local + str(int(rng.integers(2, 100)))
        mails.add(mail)
        level = 2 if chief else (1 if slots[i - 1][2] or rng.random() < 0.45 else 0)
        lead_name = name if chief else lead_name
        if r < 0:
            territory = "*"
        elif level == 2 or rng.random() < 0.65:
            territory = _say(sd.REGIONS[r], li)
        else:
            provinces = sd.REGIONS[r].provinces
            pick = rng.permutation(len(provinces))[: int(rng.integers(1, 4))]
            if rng.random() < 0.6:
                territory = sep.join(_say(provinces[j], li) for j in sorted(pick))
            else:
                territory = sep.join(_say(provinces[j].cities[0], li) for j in sorted(pick))
        inds = rng.permutation(len(sd.INDUSTRIES))[: int(rng.integers(1, 4))]
        # Juniors sometimes get a lighter share, seniors and leads sometimes a heavier one.
        weight = ([0.8, 1.0, 1.0, 1.0] if level == 0 else [1.0, 1.0, 1.0, 1.5])[
            int(rng.integers(0, 4))
        ]
        team.weight.append(weight)
        team.home.append(r)
        team.level.append(level)
        team.rows.append(
            {
                "rep_id": f"S{i + 1:0{max(3, len(str(len(slots))))}d}",
                "name": name,
                "email": f"{mail}@example.com",
                "team": team_name,
                "manager": chief if chief else lead_name,
                "territories": territory,
                "industries": None
                if rng.random() < 0.35
                else sep.join(_say(sd.INDUSTRIES[j], li) for j in sorted(inds)),
                "level": sd.LEVELS[level][li],
                "weight": weight,
                "active": sd.YES_NO[0][li],
                "away_until": None,
                "points_balance": round(float(rng.uniform(0, 200)), 1),
            }
        )
    base = np.array([0.35, 0.5, 0.58])[np.array(team.level)]
    team.skill = np.clip(base + rng.normal(0, 0.12, len(slots)), 0.12, 0.85)
    spare = [i for i, (r, _, boss) in enumerate(slots) if r >= 0 and not boss]
    if n >= 5 and spare:
        team.inactive = int(rng.choice(spare))
        team.rows[team.inactive]["active"] = sd.YES_NO[1][li]
        spare.remove(team.inactive)
    if n >= 8 and spare:
        away = int(rng.choice(spare))
        team.rows[away]["away_until"] = now.normalize() + pd.Timedelta(
            days=int(rng.integers(3, 15))
        )
    return team


def _say(item: tuple[Any, ...], li: int) -> str:
    """The Chinese (li 0) or English (li 1) text of a vocabulary entry."""
    return str(item[li])


def _blank(values: np.ndarray, keep: np.ndarray) -> np.ndarray:
    out = values.copy()
    out[~keep] = None
    return out


def _work_time(rng: np.random.Generator, ns: np.ndarray, now: int) -> np.ndarray:
    """Move each instant to a random office minute (08:30–19:30) of its day, never past now."""
    day = ns - ns % DAY
    out = day + (510 + rng.integers(0, 660, ns.size)) * MINUTE
    return np.where(out > now, out - DAY, out)


def _customers(
    rng: np.random.Generator, n: int, team: _Team, li: int, now: int
) -> tuple[pd.DataFrame, int]:
    """The customers sheet in canonical columns, and how many customers have no owner."""
    # Geography: one draw over every city of the regions the team covers.
    cities = [(r, p, c) for r in team.regions for p in sd.REGIONS[r].provinces for c in p.cities]
    w = np.array([sd.REGIONS[r].weight * p.weight * c.weight for r, p, c in cities])
    city = rng.choice(len(cities), n, p=w / w.sum())
    region = np.array([r for r, _, _ in cities], dtype=np.int64)[city]
    industry = rng.choice(len(sd.INDUSTRIES), n, p=sd.norm([i.weight for i in sd.INDUSTRIES]))
    source = rng.choice(len(sd.SOURCES), n, p=sd.norm([s[2] for s in sd.SOURCES]))
    # Referrals and trade-show visitors arrive warmer than cold calls.
    p_high = np.array([0.18, 0.3, 0.42, 0.1, 0.15, 0.25])[source]
    u = rng.random(n)
    intent = np.where(u < p_high, 0, np.where(u < p_high + 0.45, 1, 2))

    scale = np.array([i.value_scale for i in sd.INDUSTRIES])[industry]
    value = np.maximum(np.round(rng.lognormal(math.log(60_000), 1.1, n) * scale, -2), 1_000.0)
    has_history = rng.random(n) < 0.4
    history = np.where(
        has_history,
        np.maximum(np.round(rng.lognormal(math.log(30_000), 1.2, n), -2), 100.0),
        np.where(rng.random(n) < 0.35, np.nan, 0.0),
    )

    # Ownership and outcome: a rep's skill times the industry's difficulty decides won/lost.
    owned = rng.random(n) < 0.45
    owner = team.draw_owners(rng, region, owned)
    closed = owned & (rng.random(n) < 0.25)
    win_factor = np.array([i.win_factor for i in sd.INDUSTRIES])[industry]
    won = closed & (rng.random(n) < np.clip(team.skill[owner] * win_factor, 0.03, 0.95))
    open_owned = owned & ~closed
    open_stage = rng.choice(5, n, p=[0.15, 0.3, 0.25, 0.18, 0.12])
    untouched = open_owned & (open_stage == 0)  # assigned recently, not called yet
    stale = open_owned & ~untouched & (rng.random(n) < 0.12)
    stage = np.where(closed, np.where(won, 5, 6), np.where(open_owned, open_stage, 0))
    stage_known = owned | (rng.random(n) < 0.3)

    # Dates: an age per situation, placed at an office-hours minute; all within a year.
    cycle = np.clip(rng.lognormal(math.log(35), 0.6, n), 3, 300)
    age = np.where(rng.random(n) < 0.45, rng.uniform(0.2, 10, n), rng.uniform(1, 365, n))
    age = np.where(untouched, rng.uniform(1, 21, n), age)
    age = np.where(open_owned & ~untouched, rng.uniform(2, 365, n), age)
    age = np.where(stale, rng.uniform(40, 365, n), age)
    age = np.where(closed, cycle + rng.random(n) * (365 - cycle), age)
    created = _work_time(rng, now - (age * DAY).astype(np.int64), now)
    recent = np.maximum(created, now - 28 * DAY)  # < 30 days even after _work_time shifts
    last = recent + (rng.random(n) * (now - recent)).astype(np.int64)
    old = created + (rng.random(n) * np.maximum(now - 32 * DAY - created, 0)).astype(np.int64)
    # Pool customers someone worked long ago keep that old contact date.
    worked_before = ~owned & (age > 45) & (rng.random(n) < 0.3)
    last = np.where(stale | worked_before, old, last)
    closed_at = created + (cycle * DAY).astype(np.int64)
    last = np.where(closed, closed_at, last)
    last = np.minimum(np.maximum(_work_time(rng, last, now), created + 10 * MINUTE), now)
    contacted = (open_owned & ~untouched) | closed | worked_before
    closed_day = np.minimum(_work_time(rng, closed_at, now), now)
    closed_day -= closed_day % DAY
    deal = np.where(won, np.round(value * rng.uniform(0.6, 1.15, n), -2), np.nan)

    names, brand = sd.company_names(rng, li, industry, city, [_say(c, li) for _, _, c in cities])
    contact, email = sd.people(rng, li, brand)
    prefixes = np.array(
        [
            133,
            135,
            136,
            137,
            138,
            139,
            150,
            151,
            152,
            155,
            158,
            159,
            166,
            177,
            180,
            181,
            186,
            187,
            188,
            189,
            191,
            199,
        ]
    )
    phone = sd.codes(rng.choice(prefixes, n) * 10**8 + rng.integers(0, 10**8, n), 11)

    # Export order is creation order; ids are sequential with gaps left by deleted records.
    order = np.argsort(created, kind="stable")
    serial = 100 + np.cumsum(rng.geometric(0.7, n))
    ids = sd.codes(serial, max(7, len(str(int(serial[-1])))) if n else 7, "C")
    nat = np.iinfo(np.int64).min  # the int64 pattern of NaT

    def label(table: Iterable[tuple[Any, ...]], index: np.ndarray) -> np.ndarray:
        return sd.obj(_say(t, li) for t in table)[index[order]]

    columns = {
        "customer_id": ids,
        "customer": names[order],
        "industry": label(sd.INDUSTRIES, industry),
        "region": label(sd.REGIONS, region),
        "province": label((p for _, p, _ in cities), city),
        "city": label((c for _, _, c in cities), city),
        "value": value[order],
        "intent": label(sd.INTENTS, intent),
        "history": history[order],
        "source": label(sd.SOURCES, source),
        "owner": _blank(team.owner_text(rng, owner), owned)[order],
        "stage": _blank(sd.obj(_say(s, li) for s in sd.STAGES)[stage], stage_known)[order],
        "created": created[order].view("M8[ns]"),
        "last_contact": np.where(contacted, last, nat)[order].view("M8[ns]"),
        "closed": np.where(closed, closed_day, nat)[order].view("M8[ns]"),
        "deal_value": deal[order],
        "contact": contact[order],
        "phone": _blank(phone, rng.random(n) > 0.08)[order],
        "email": _blank(email, rng.random(n) > 0.15)[order],
        "referred_by": _referrals(rng, ids, source[order], (has_history | won)[order]),
    }
    # copy=False keeps one block per column: consolidating a million object rows costs a second.
    frame = pd.DataFrame(columns, copy=False)
    return frame, int((~owned).sum())


def _referrals(
    rng: np.random.Generator, ids: np.ndarray, source: np.ndarray, client: np.ndarray
) -> np.ndarray:
    """Referring customer ids for ~60% of referral rows: an earlier client, else anyone earlier."""
    n = ids.size
    pos = np.arange(n)
    wants = (source == sd.REFERRAL_SOURCE) & (rng.random(n) < 0.6) & (pos > 0)
    clients = np.flatnonzero(client)
    before = np.searchsorted(clients, pos)  # clients created before each row
    u = rng.random(n)
    pick = (
        clients[np.minimum((u * before).astype(np.int64), clients.size - 1)]
        if clients.size
        else pos
    )
    ref = np.where(before > 0, pick, (u * pos).astype(np.int64))
    out = np.full(n, None, dtype=object)
    out[wants] = ids[ref[wants]]
    return out
