"""Providers through the real anthropic/openai SDKs against loopback servers speaking their wire formats."""
from __future__ import annotations

import pytest

from fake_llm import FakeLLM
from telemetry_inject.cli import main
from telemetry_inject.errors import UserError
from telemetry_inject.llm.providers import ProviderError, complete, resolve

KEY = "sk-test-secret-4242424242"


def test_openai_chat_completions(monkeypatch) -> None:
    with FakeLLM(["hello there"]) as server:
        settings = resolve("openai", "gpt-test", f"{server.url}/v1", KEY, env={})
        reply = complete(settings, "gpt-test", "sys", "say hi")
    assert reply.text == "hello there"
    assert (reply.input_tokens, reply.output_tokens, reply.model) == (8, 2, "gpt-test"), "usage as the server reported it"
    (request,) = server.requests
    assert request["path"] == "/v1/chat/completions"
    assert request["headers"]["authorization"] == f"Bearer {KEY}"
    assert request["body"]["messages"] == [{"role": "system", "content": "sys"}, {"role": "user", "content": "say hi"}]


def test_anthropic_messages() -> None:
    with FakeLLM(["bonjour"]) as server:
        settings = resolve(None, "claude-test", server.url, KEY, env={"ANTHROPIC_API_KEY": KEY, "LLM_PROVIDER": "anthropic"})
        reply = complete(settings, "claude-test", "sys", "say hi")
    assert (reply.text, reply.input_tokens, reply.output_tokens) == ("bonjour", 9, 1)
    (request,) = server.requests
    assert request["path"] == "/v1/messages"
    headers = request["headers"]
    assert KEY in (headers.get("x-api-key"), headers.get("authorization", "").removeprefix("Bearer ")), "the SDK sent the key"
    assert "anthropic-version" in headers
    assert request["body"]["system"] == "sys"


def test_local_base_url_means_ollama_and_needs_no_key() -> None:
    with FakeLLM(["ok"]) as server:
        settings = resolve(None, "llama3", f"{server.url}/v1", None, env={})
        assert settings.provider == "ollama"
        assert complete(settings, "llama3", "s", "u").text == "ok"


def test_429_then_success_is_retried_by_the_sdk() -> None:
    limited = (429, {"error": {"message": "slow down", "type": "rate_limit_error"}}, {"retry-after-ms": "10"})
    with FakeLLM([limited, "fine"]) as server:
        settings = resolve("openai", "m", f"{server.url}/v1", KEY, env={})
        assert complete(settings, "m", "s", "u").text == "fine"
    assert len(server.requests) == 2


def test_500s_become_one_clear_error_without_the_key() -> None:
    broken = (500, {"error": {"message": f"internal error for key {KEY}", "type": "server_error"}}, {"retry-after-ms": "1"})
    with FakeLLM([broken] * 3) as server:
        settings = resolve("openai", "m", f"{server.url}/v1", KEY, env={})
        with pytest.raises(ProviderError) as caught:
            complete(settings, "m", "s", "u")
    assert str(caught.value) == "openai m: HTTP 500 (InternalServerError)"
    assert KEY not in repr(caught.value) and KEY not in repr(settings)
    assert len(server.requests) == 3, "two SDK retries, then the error"


def test_timeout(monkeypatch) -> None:
    with FakeLLM([("sleep", 3.0)] * 3) as server:
        settings = resolve("openai", "m", f"{server.url}/v1", KEY, env={"LLM_TIMEOUT": "0.3"})
        with pytest.raises(ProviderError, match="timed out"):
            complete(settings, "m", "s", "u")


def test_selection_rules_and_dotenv(tmp_path) -> None:
    assert resolve(env={"LLM_MODEL": "a,b", "OPENAI_API_KEY": "k1"}).models == ("a", "b")
    assert resolve(env={"LLM_MODEL": "c", "ANTHROPIC_API_KEY": "k2"}).provider == "anthropic"
    assert resolve(env={"LLM_MODEL": "c", "ANTHROPIC_API_KEY": "k2", "OPENAI_API_KEY": "k1"}).provider == "openai"
    dotenv = tmp_path / ".env"
    dotenv.write_text("LLM_MODEL=from-dotenv\nOPENAI_API_KEY=k3\nLLM_TIMEOUT=5\n")
    settings = resolve(env={"LLM_MODEL": "from-env"}, dotenv=dotenv)
    assert (settings.models, settings.api_key, settings.timeout) == (("from-env",), "k3", 5.0), "the environment wins over .env"
    with pytest.raises(UserError, match="no API key for openai: set OPENAI_API_KEY"):
        resolve(env={"LLM_MODEL": "m"})
    with pytest.raises(UserError, match="no model"):
        resolve(env={"OPENAI_API_KEY": "k"})


def test_check_api_command(tmp_path, chdir, monkeypatch, capsys) -> None:
    chdir(tmp_path)
    for name in ("LLM_PROVIDER", "LLM_MODEL", "LLM_BASE_URL", "OPENAI_API_KEY", "ANTHROPIC_API_KEY", "LLM_TIMEOUT"):
        monkeypatch.delenv(name, raising=False)
    with FakeLLM(["OK"]) as server:
        assert main(["check-api", "--provider", "openai", "--model", "gpt-test", "--base-url", f"{server.url}/v1", "--api-key", KEY]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"openai gpt-test at {server.url}/v1: answered 'OK' in ") and "tokens)" in out
    broken = (401, {"error": {"message": f"bad key {KEY}", "type": "authentication_error"}}, {})
    with FakeLLM([broken]) as server:
        assert main(["check-api", "--provider", "openai", "--model", "m", "--base-url", f"{server.url}/v1", "--api-key", KEY]) == 1
    captured = capsys.readouterr()
    assert "check-api failed: openai m: HTTP 401 (AuthenticationError)" in captured.err
    assert KEY not in captured.err + captured.out


@pytest.mark.parametrize(("provider", "suffix"), [("openai", "/v1"), ("anthropic", ""), ("ollama", "/v1")])
def test_list_models_with_prices(provider: str, suffix: str, tmp_path, chdir, capsys) -> None:
    chdir(tmp_path)
    with FakeLLM([]) as server:
        assert main(["list-models", "--provider", provider, "--base-url", server.url + suffix, "--api-key", KEY, "--format", "json"]) == 0
    data = __import__("json").loads(capsys.readouterr().out)
    rows = {row["model"]: row for row in data["models"]}
    assert set(rows) == {"gpt-4o", "claude-sonnet-4-5", "my-local-model"}
    assert rows["my-local-model"]["input_per_mtok"] is None or provider == "ollama"
    if provider == "openai":
        assert rows["gpt-4o"]["input_per_mtok"] > 0 and rows["gpt-4o"]["output_per_mtok"] > rows["gpt-4o"]["input_per_mtok"]
    if provider == "ollama":
        assert rows["gpt-4o"]["input_per_mtok"] == 0, "local models cost nothing"


def test_configure_writes_dotenv_that_resolve_reads(tmp_path, chdir, capsys, git_repo) -> None:
    chdir(git_repo)
    (git_repo / ".env").write_text("OTHER=kept\nLLM_MODEL=old\n")
    assert main(["configure", "--no-ask", "--provider", "anthropic", "--model", "claude-sonnet-4-5", "--api-key", KEY]) == 0
    out = capsys.readouterr().out
    assert KEY not in out and "key not shown" in out and "not git-ignored" in out
    env_file = git_repo / ".env"
    assert env_file.stat().st_mode & 0o777 == 0o600
    assert "OTHER=kept" in env_file.read_text() and "LLM_MODEL=old" not in env_file.read_text()
    settings = resolve(env={}, dotenv=env_file)
    assert (settings.provider, settings.models, settings.api_key) == ("anthropic", ("claude-sonnet-4-5",), KEY)


def test_configure_asks_for_missing_values(git_repo, monkeypatch, capsys) -> None:
    import subprocess
    import sys

    (git_repo / ".gitignore").write_text(".env\n")
    proc = subprocess.run([sys.executable, "-m", "telemetry_inject", "configure", "--ask"], cwd=git_repo,
                          input="ollama\nllama3\n\n", capture_output=True, text=True, check=True)
    assert "not git-ignored" not in proc.stdout
    settings = resolve(env={}, dotenv=git_repo / ".env")
    assert (settings.provider, settings.models, settings.base_url) == ("ollama", ("llama3",), "http://localhost:11434/v1")
