"""``allocator.toml`` (SPEC §1.4): defaults, typed parsing with key paths and did-you-mean hints."""

from __future__ import annotations

import dataclasses
import math
import tomllib
from pathlib import Path

import pytest
from conftest import MakeWorkbook

from allocator.errors import AllocatorError, SettingsError
from allocator.settings import (
    CONFIG_FILENAME,
    STRATEGIES,
    Settings,
    load_settings,
    parse_settings,
)

# The defaults block of SPEC §1.4, verbatim.
SPEC_DEFAULTS = """
strategy = "points"            # round_robin | weighted | points | balanced | performance | optimal
language = "auto"              # auto (from the input headers) | zh | en
[scoring]                      # score = weighted sum of normalised components, 0..100
value = 0.4
intent = 0.3                   # high 1.0, medium 0.6, low 0.2
history = 0.2                  # log-scaled history; returning customers rank up
source = 0.1                   # per-source points in [scoring.sources], default 0.5
tiers = { A = 70, B = 40 }     # score >= 70 → A, >= 40 → B, else C
[eligibility]
industry_match = "preferred"   # required | preferred | ignore
min_level = { A = "senior" }   # tier A only to senior or lead reps
[sla]                          # first follow-up due after run time, by intent
high_hours = 24
medium_hours = 48
low_hours = 72
escalate_after_days = 3
[pool]
reclaim_after_days = 30        # open customer with no contact for this long returns to the pool
exclude_previous_owner = true  # a reclaimed customer goes to someone else
[duplicates]
conflict_policy = "earliest"   # earliest | latest_contact | highest_value: which owner keeps a 撞单 group
[output]
per_rep_workbooks = true
mask_contacts = true           # mask phone/email in the team-wide workbook (138****5678, z***@x.com)
"""  # noqa: E501


def parse(text: str) -> Settings:
    return parse_settings(tomllib.loads(text))


# --- defaults ---------------------------------------------------------------------------------


def test_defaults_match_the_spec() -> None:
    settings = parse_settings({})
    assert settings == Settings()
    assert settings.strategy == "points"
    assert settings.language == "auto"
    assert (settings.scoring.value, settings.scoring.intent) == (0.4, 0.3)
    assert (settings.scoring.history, settings.scoring.source) == (0.2, 0.1)
    assert dict(settings.scoring.tiers) == {"A": 70.0, "B": 40.0}
    assert settings.scoring.default_source == 0.5
    assert dict(settings.scoring.sources) == {}
    assert settings.eligibility.industry_match == "preferred"
    assert dict(settings.eligibility.min_level) == {"A": "senior"}
    assert (settings.sla.high_hours, settings.sla.medium_hours, settings.sla.low_hours) == (
        24, 48, 72,
    )  # fmt: skip
    assert settings.sla.escalate_after_days == 3
    assert settings.pool.reclaim_after_days == 30
    assert settings.pool.exclude_previous_owner is True
    assert settings.duplicates.conflict_policy == "earliest"
    assert settings.output.per_rep_workbooks is True
    assert settings.output.mask_contacts is True
    assert settings.output.rep_sheets_max == 50
    assert settings.output.table_rows_max == 100_000
    assert settings.optimal.fairness_slack == 0.25


def test_spec_defaults_block_parses_to_the_defaults() -> None:
    assert parse(SPEC_DEFAULTS) == Settings()


def test_to_dict_round_trips() -> None:
    settings = parse('strategy = "optimal"\n[scoring]\nsources = { "转介绍" = 1.0 }')
    data = settings.to_dict()
    assert data["strategy"] == "optimal"
    assert data["scoring"]["sources"] == {"转介绍": 1.0}
    assert isinstance(data["scoring"]["tiers"], dict)
    assert parse_settings(data) == settings


def test_values_are_read() -> None:
    settings = parse(
        'strategy = "round_robin"\nlanguage = "zh"\n'
        '[scoring]\nvalue = 1\nsources = { "转介绍" = 1.0, "官网注册" = 0.6 }\n'
        "tiers = { A = 80, B = 50 }\n"
        '[eligibility]\nindustry_match = "required"\nmin_level = { A = "lead", B = "senior" }\n'
        "[sla]\nhigh_hours = 12\n[pool]\nexclude_previous_owner = false\n"
        '[duplicates]\nconflict_policy = "highest_value"\n[output]\nrep_sheets_max = 0\n'
    )
    assert settings.strategy == "round_robin"
    assert settings.language == "zh"
    assert settings.scoring.value == 1.0
    assert isinstance(settings.scoring.value, float)  # an integer where a number is expected
    assert dict(settings.scoring.sources) == {"转介绍": 1.0, "官网注册": 0.6}
    assert dict(settings.scoring.tiers) == {"A": 80.0, "B": 50.0}
    assert settings.eligibility.industry_match == "required"
    assert dict(settings.eligibility.min_level) == {"A": "lead", "B": "senior"}
    assert settings.sla.high_hours == 12
    assert settings.sla.medium_hours == 48  # untouched keys keep their defaults
    assert settings.pool.exclude_previous_owner is False
    assert settings.duplicates.conflict_policy == "highest_value"
    assert settings.output.rep_sheets_max == 0


@pytest.mark.parametrize(
    ("text", "slack"), [("0", 0.0), ("0.5", 0.5), ("2", 2.0), ("inf", math.inf)]
)
def test_fairness_slack_is_read(text: str, slack: float) -> None:
    settings = parse(f"[optimal]\nfairness_slack = {text}")
    assert settings.optimal.fairness_slack == slack
    assert isinstance(settings.optimal.fairness_slack, float)


def test_fairness_slack_reaches_the_optimal_strategy(make_workbook: MakeWorkbook) -> None:
    """Two equal customers, two reps of whom one converts better: within 1.25 × an equal share
    each gets one; with the limit off the better one takes both."""
    from conftest import allocate_file

    customers = [
        {"customer_id": "C1"},
        {"customer_id": "C2"},
        {"customer_id": "H1", "owner": "Zhang Wei", "stage": "won"},
        {"customer_id": "H2", "owner": "Li Na", "stage": "lost"},
    ]
    reps = [{"rep_id": "S1", "name": "Zhang Wei"}, {"rep_id": "S2", "name": "Li Na"}]
    path = make_workbook(customers, reps)
    owners = {}
    for slack in ("0.25", "inf"):
        settings = parse(f'strategy = "optimal"\n[optimal]\nfairness_slack = {slack}')
        table = allocate_file(path, settings).assignments.set_index("customer_id")
        owners[slack] = sorted(table.loc[["C1", "C2"], "owner"])
    assert owners == {"0.25": ["Li Na", "Zhang Wei"], "inf": ["Zhang Wei", "Zhang Wei"]}


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_every_strategy_is_accepted(strategy: str) -> None:
    assert parse(f'strategy = "{strategy}"').strategy == strategy


# --- problems ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("toml", "fragment"),
    [
        ('stratgy = "points"', "stratgy: unknown setting (did you mean 'strategy'?)"),
        ('langauge = "zh"', "did you mean 'language'"),
        ("[scoring]\nvalu = 0.4", "scoring.valu: unknown setting (did you mean 'value'?)"),
        ("[sla]\nhigh_hour = 1", "sla.high_hour: unknown setting (did you mean 'high_hours'?)"),
        ("[sla]\nfoo = 1", "sla.foo: unknown setting"),
        ("[slaa]\nhigh_hours = 1", "slaa: unknown setting (did you mean 'sla'?)"),
        ('[sla]\nhigh_hours = "x"', "sla.high_hours: expected a number, got 'x'"),
        ("[sla]\nhigh_hours = true", "sla.high_hours: expected a number, got True"),
        ("strategy = 3", "strategy: expected text, got 3"),
        ("sla = 3", "sla: expected a table, got 3"),
        (
            '[pool]\nexclude_previous_owner = "yes"',
            "pool.exclude_previous_owner: expected true/false",
        ),
        ("[output]\nrep_sheets_max = 1.5", "output.rep_sheets_max: expected an integer, got 1.5"),
        ('[scoring]\ntiers = "A"', "scoring.tiers: expected a table"),
        ('[scoring]\ntiers = { A = "high" }', "scoring.tiers.A: expected a number, got 'high'"),
        (
            'strategy = "pointz"',
            "strategy: 'pointz' is not one of round_robin, weighted, points, balanced, "
            "performance, optimal (did you mean 'points'?)",
        ),
        ('language = "fr"', "language: 'fr' is not one of auto, zh, en"),
        (
            '[eligibility]\nindustry_match = "must"',
            "eligibility.industry_match: 'must' is not one of",
        ),
        ('[duplicates]\nconflict_policy = "latest"', "did you mean 'latest_contact'"),
        ("[scoring]\nvalue = -0.1", "scoring.value: must be >= 0, got -0.1"),
        ("[scoring]\nsource = -1", "scoring.source: must be >= 0"),
        (
            "[scoring]\nvalue = 0\nintent = 0\nhistory = 0\nsource = 0",
            "at least one of value, intent, history, source must be > 0",
        ),
        (
            "[scoring]\ntiers = { A = 30, B = 40 }",
            "need 0 <= B <= A <= 100, got A = 30.0, B = 40.0",
        ),
        ("[scoring]\ntiers = { A = 120 }", "need 0 <= B <= A <= 100"),
        ("[scoring]\ntiers = { C = 10 }", "scoring.tiers.C: only A and B have thresholds"),
        ('[scoring.sources]\n"转介绍" = 2', "scoring.sources.转介绍: must be between 0 and 1"),
        (
            '[eligibility]\nmin_level = { A = "boss" }',
            "eligibility.min_level.A: 'boss' is not one of junior, senior, lead",
        ),
        (
            '[eligibility]\nmin_level = { D = "lead" }',
            "eligibility.min_level.D: tier must be one of",
        ),
        ("[sla]\nlow_hours = 0", "sla.low_hours: must be > 0"),
        ("[pool]\nreclaim_after_days = -1", "pool.reclaim_after_days: must be > 0"),
        ("[output]\ntable_rows_max = 0", "output.table_rows_max: must be >= 1"),
        (
            "[optimal]\nfairness_slack = -0.5",
            "optimal.fairness_slack: must be >= 0 (inf turns the limit off), got -0.5",
        ),
        ("[optimal]\nfairness_slack = nan", "optimal.fairness_slack: must be >= 0"),
        ('[optimal]\nfairness_slack = "low"', "optimal.fairness_slack: expected a number"),
        (
            "[optimal]\nfairness_slak = 1",
            "optimal.fairness_slak: unknown setting (did you mean 'fairness_slack'?)",
        ),
        ("[optimul]\nfairness_slack = 1", "optimul: unknown setting (did you mean 'optimal'?)"),
    ],
)
def test_problem_is_reported_with_its_key_path(toml: str, fragment: str) -> None:
    with pytest.raises(SettingsError) as excinfo:
        parse(toml)
    assert fragment in str(excinfo.value)
    assert str(excinfo.value).startswith(CONFIG_FILENAME)


def test_every_problem_is_listed_at_once() -> None:
    with pytest.raises(SettingsError) as excinfo:
        parse('stratgy = "points"\n[sla]\nhigh_hours = "x"\nhigh_hour = 2')
    message = str(excinfo.value)
    assert "has 3 problem(s)" in message
    assert "stratgy" in message
    assert "sla.high_hours" in message
    assert "sla.high_hour:" in message


def test_no_hint_when_nothing_is_close() -> None:
    with pytest.raises(SettingsError) as excinfo:
        parse("zzzzzz = 1")
    assert "zzzzzz: unknown setting" in str(excinfo.value)
    assert "did you mean" not in str(excinfo.value)


def test_source_names_the_file() -> None:
    with pytest.raises(SettingsError, match=r"^team\.toml has 1 problem"):
        parse_settings({"strategy": "x"}, source="team.toml")


def test_settings_error_is_an_allocator_error_with_exit_code_3() -> None:
    assert issubclass(SettingsError, AllocatorError)
    assert SettingsError.exit_code == 3


# --- load_settings ----------------------------------------------------------------------------


def test_load_explicit_path(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text('strategy = "balanced"\n', encoding="utf-8")
    settings, source = load_settings(path)
    assert settings.strategy == "balanced"
    assert source == path


def test_load_file_with_bom_and_chinese(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text('[scoring.sources]\n"转介绍" = 1.0\n', encoding="utf-8-sig")
    settings, _ = load_settings(path)
    assert dict(settings.scoring.sources) == {"转介绍": 1.0}


def test_load_missing_explicit_file(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match=r"settings file not found: .*nope\.toml"):
        load_settings(tmp_path / "nope.toml")


def test_load_a_directory(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot read settings file"):
        load_settings(tmp_path)


def test_load_invalid_toml(tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text('strategy = "points\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"bad\.toml is not valid TOML"):
        load_settings(path)


def test_load_problems_name_the_file(tmp_path: Path) -> None:
    path = tmp_path / "team.toml"
    path.write_text("[sla]\nhigh_hour = 1\n", encoding="utf-8")
    with pytest.raises(SettingsError) as excinfo:
        load_settings(path)
    assert str(excinfo.value).startswith(str(path))
    assert "did you mean 'high_hours'" in str(excinfo.value)


def test_load_picks_allocator_toml_from_cwd(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILENAME).write_text('strategy = "weighted"\n', encoding="utf-8")
    settings, source = load_settings(cwd=tmp_path)
    assert settings.strategy == "weighted"
    assert source == tmp_path / CONFIG_FILENAME


def test_load_picks_allocator_toml_from_the_process_cwd(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / CONFIG_FILENAME).write_text('language = "en"\n', encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    settings, source = load_settings()
    assert settings.language == "en"
    assert source is not None and source.resolve() == (tmp_path / CONFIG_FILENAME).resolve()


def test_load_without_any_file_gives_defaults(tmp_path: Path) -> None:
    assert load_settings(cwd=tmp_path) == (Settings(), None)


def test_explicit_path_wins_over_cwd(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILENAME).write_text('strategy = "weighted"\n', encoding="utf-8")
    other = tmp_path / "other.toml"
    other.write_text('strategy = "optimal"\n', encoding="utf-8")
    assert load_settings(other, cwd=tmp_path)[0].strategy == "optimal"


# --- immutability -----------------------------------------------------------------------------


def test_settings_are_frozen() -> None:
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.strategy = "optimal"  # type: ignore[misc]
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.sla.high_hours = 1  # type: ignore[misc]


def test_mappings_inside_settings_are_read_only() -> None:
    settings = parse("[scoring]\ntiers = { A = 80, B = 50 }")
    with pytest.raises(TypeError):
        settings.scoring.tiers["A"] = 1  # type: ignore[index]
    with pytest.raises(TypeError):
        Settings().eligibility.min_level["B"] = "lead"  # type: ignore[index]


def test_with_overrides_ignores_none_and_returns_a_copy() -> None:
    base = Settings()
    changed = base.with_overrides(strategy="balanced", language=None)
    assert changed.strategy == "balanced"
    assert changed.language == "auto"
    assert base.strategy == "points"


def test_init_template_is_exactly_the_defaults() -> None:
    import tomllib

    from allocator.settings_template import DEFAULT_TOML

    assert parse_settings(tomllib.loads(DEFAULT_TOML)) == Settings()
    assert "积分制" in DEFAULT_TOML and "points" in DEFAULT_TOML
    assert "[optimal]\n" in DEFAULT_TOML and "\nfairness_slack = 0.25\n" in DEFAULT_TOML


def test_init_command_writes_and_refuses_to_overwrite(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from allocator.cli import cli

    runner = CliRunner()
    target = tmp_path / "allocator.toml"
    first = runner.invoke(cli, ["init", "--path", str(target)])
    assert first.exit_code == 0, first.output
    assert load_settings(target)[0] == Settings()
    again = runner.invoke(cli, ["init", "--path", str(target)])
    assert again.exit_code == 1
    assert again.stderr == f"error: {target} already exists\npass --force to overwrite it\n"
    forced = runner.invoke(cli, ["init", "--path", str(target), "--force"])
    assert forced.exit_code == 0


def test_columns_mapping_reads_an_unknown_export(tmp_path: Path) -> None:
    from conftest import AS_OF, write_workbook

    from allocator.pipeline import prepare

    path = write_workbook(
        tmp_path / "crm.xlsx",
        {
            "Customers": [
                {
                    "客户全称": "华信科技",
                    "industry": "制造业",
                    "region": "华东",
                    "预估成交额": 1000,
                    "intent": "高",
                    "history": 0,
                }
            ],
            "Reps": [{"name": "张伟", "territories": "华东", "capacity": 1}],
        },
    )
    settings = parse_settings({"columns": {"customer": "客户全称", "value": "预估成交额"}})
    assert settings.column_mapping()["Customers"] == {"customer": "客户全称", "value": "预估成交额"}
    prepared = prepare(path, settings=settings, as_of=AS_OF)
    assert prepared.inputs.customers.iloc[0][["customer", "value"]].tolist() == ["华信科技", 1000.0]


def test_columns_mapping_rejects_unknown_canonical_names() -> None:
    with pytest.raises(
        SettingsError,
        match=r"columns.custmer: not a column of the input "
        r"\(did you mean 'customer'\?\)",
    ):
        parse_settings({"columns": {"custmer": "客户全称"}})
