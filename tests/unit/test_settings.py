"""Settings: flags beat the environment, which beats `.env`, which beats defaults."""

from __future__ import annotations

from pathlib import Path

import pytest

from negoprep.app import settings
from negoprep.app.settings import (
    DEFAULT_MODEL,
    SettingsError,
    context_tokens_for,
    from_env,
    load_env_file,
)


def test_defaults_without_any_configuration() -> None:
    cfg = from_env()
    assert cfg.default.model == DEFAULT_MODEL and cfg.default.base_url is None
    assert cfg.provider_configured is False and cfg.per_agent == {}
    assert cfg.default.temperature is None and cfg.default.response_format == "json_schema"


def test_environment_and_per_agent_models(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENAI_BASE_URL", "http://localhost:11434/v1")
    monkeypatch.setenv("NEGOPREP_MODEL", "qwen2.5:14b")
    monkeypatch.setenv("NEGOPREP_MODEL_CHALLENGER", "llama3.3:70b")
    monkeypatch.setenv("NEGOPREP_TEMPERATURE", "0.3")
    cfg = from_env()
    assert cfg.provider_configured
    assert cfg.for_agent("extractor").model == "qwen2.5:14b"
    assert cfg.for_agent("challenger").model == "llama3.3:70b"
    assert cfg.for_agent("challenger").base_url == "http://localhost:11434/v1"
    assert cfg.default.temperature == 0.3
    assert cfg.default.context_tokens == 6000, "local models get a smaller default budget"


def test_model_flag_beats_environment_for_every_agent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NEGOPREP_MODEL", "env-model")
    monkeypatch.setenv("NEGOPREP_MODEL_SYNTHESIS", "env-synthesis")
    cfg = from_env(model="flag-model")
    assert cfg.for_agent("synthesis").model == "flag-model" == cfg.for_agent("extractor").model


def test_dotenv_file_fills_in_but_never_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    env = tmp_path / ".env"
    env.write_text("NEGOPREP_MODEL=from-dotenv\nOPENAI_API_KEY=sk-from-dotenv\n")
    monkeypatch.setenv("NEGOPREP_MODEL", "from-shell")
    monkeypatch.setenv("OPENAI_API_KEY", "")  # so that monkeypatch removes it again afterwards
    monkeypatch.delenv("OPENAI_API_KEY")
    assert load_env_file(env) == env
    cfg = from_env()
    assert cfg.default.model == "from-shell"
    assert cfg.default.api_key == "sk-from-dotenv" and cfg.provider_configured
    assert "sk-from-dotenv" not in repr(cfg.default), "the key is not shown in reprs"
    assert "api_key" not in cfg.default.public()


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("NEGOPREP_TEMPERATURE", "warm", "NEGOPREP_TEMPERATURE='warm' is not a valid float"),
        ("NEGOPREP_MAX_RETRIES", "-1", "must not be negative"),
        ("NEGOPREP_RESPONSE_FORMAT", "xml", "use json_schema"),
        ("NEGOPREP_CONTEXT_TOKENS", "lots", "is not a valid int"),
        ("NEGOPREP_MAX_RPM", "-5", "NEGOPREP_MAX_RPM='-5' must not be negative"),
    ],
)
def test_bad_values_name_the_variable(
    monkeypatch: pytest.MonkeyPatch, name: str, value: str, message: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError, match=message):
        from_env()


def test_request_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    assert (from_env().max_concurrency, from_env().max_rpm) == (8, None)
    monkeypatch.setenv("NEGOPREP_MAX_RPM", "120")
    monkeypatch.setenv("NEGOPREP_MAX_CONCURRENCY", "0")
    assert (from_env().max_concurrency, from_env().max_rpm) == (1, 120)
    monkeypatch.setenv("NEGOPREP_MAX_RPM", "0")
    assert from_env().max_rpm is None, "0 means no limit"


def test_context_budget_by_model_name() -> None:
    assert context_tokens_for("gpt-4.1-mini") == 100_000
    assert context_tokens_for("llama3.1:8b") == 6_000
    assert context_tokens_for("some-new-model") == settings.DEFAULT_CONTEXT_TOKENS


def test_bad_setting_is_a_clean_cli_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from negoprep.cli.main import main

    monkeypatch.setenv("NEGOPREP_TIMEOUT", "soon")
    assert (
        main(
            [
                "prepare",
                str(Path(__file__).resolve().parents[2] / "cases" / "supplier-claim"),
                "--replay",
            ]
        )
        == 2
    )
    assert "NEGOPREP_TIMEOUT='soon' is not a valid float" in capsys.readouterr().err
