"""``glossary-bot run`` as a new user meets it: settings errors, a real process, clean stops."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
from pathlib import Path

import pytest

from bot.cli import main
from tests.bot.fake_bot_api import DEFAULT_USER_ID, TEST_TOKEN, FakeBotApi

ROOT = Path(__file__).resolve().parents[3]
KNOWLEDGE = ROOT / "knowledge"
OTHER_TOKEN = "999999:ABCDEFGHIJKLMNOPQRSTUVWXYZabcdef0123"
SETTINGS = (
    "TELEGRAM_BOT_TOKEN",
    "TELEGRAM_API_BASE_URL",
    "KNOWLEDGE_DIR",
    "WEBHOOK_URL",
    "WEBHOOK_SECRET",
    "DATABASE_PATH",
    "LOG_LEVEL",
)


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """No settings from the environment or a .env file: a fresh checkout."""
    for name in SETTINGS:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def error_of(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    code = main(argv)
    return code, capsys.readouterr().err.strip()


def test_a_missing_token_says_where_to_get_one(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert error_of(capsys, ["run"]) == (
        2,
        "Error: TELEGRAM_BOT_TOKEN is not set: create a bot with @BotFather and put its "
        "token in .env (see .env.example)",
    )


def test_a_malformed_token_is_refused_without_showing_it(
    clean_env: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "12345:short-secret")
    code, err = error_of(capsys, ["run"])
    assert code == 2
    assert err.startswith("Error: TELEGRAM_BOT_TOKEN does not look like a bot token")
    assert "short-secret" not in err


def test_the_token_can_come_from_a_dotenv_file(
    clean_env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (clean_env / ".env").write_text("TELEGRAM_BOT_TOKEN=nonsense\n")
    code, err = error_of(capsys, ["run"])
    assert (code, err.split(":")[0]) == (2, "Error")
    assert "does not look like a bot token" in err


@pytest.mark.parametrize(
    "case",
    [
        ("http://bot.example.com/hook", "abc", "WEBHOOK_URL must be an https:// address"),
        ("https://bot.example.com/hook", None, "WEBHOOK_SECRET must be set when WEBHOOK_URL is"),
        ("https://bot.example.com/hook", "no spaces!", "WEBHOOK_SECRET must be set"),
    ],
)
def test_webhook_settings_telegram_would_refuse_stop_the_start(
    clean_env: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    case: tuple[str, str | None, str],
) -> None:
    url, secret, expected = case
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", TEST_TOKEN)
    monkeypatch.setenv("WEBHOOK_URL", url)
    if secret is not None:
        monkeypatch.setenv("WEBHOOK_SECRET", secret)
    code, err = error_of(capsys, ["run"])
    assert code == 2
    assert err.startswith(f"Error: {expected}")


def bot_env(base_url: str, tmp_path: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in SETTINGS}
    env.update(
        {
            "PYTHONPATH": str(ROOT),
            "TELEGRAM_BOT_TOKEN": TEST_TOKEN,
            "TELEGRAM_API_BASE_URL": base_url,
            "KNOWLEDGE_DIR": str(KNOWLEDGE),
            "DATABASE_PATH": str(tmp_path / "data" / "q.sqlite3"),
            "LOG_LEVEL": "DEBUG",
        }
    )
    env.update(extra)
    return env


async def start_bot_process(
    env: dict[str, str], cwd: Path
) -> tuple[asyncio.subprocess.Process, Path]:
    log = cwd / "stderr.log"
    with log.open("wb") as stderr:  # a file, so a chatty DEBUG log can never block the child
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "run", cwd=cwd, env=env, stderr=stderr
        )
    return process, log


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
async def test_the_real_command_serves_a_user_and_stops_cleanly(
    fake_bot_api: FakeBotApi, tmp_path: Path, signum: signal.Signals
) -> None:
    process, log = await start_bot_process(bot_env(fake_bot_api.base_url, tmp_path), tmp_path)
    try:
        await fake_bot_api.wait_for_poller(timeout=30.0)
        fake_bot_api.push_update(
            fake_bot_api.message_update("what does a back-end engineer do in fintech")
        )
        reply = await fake_bot_api.wait_for_reply(DEFAULT_USER_ID, timeout=10.0)
        assert reply["text"].startswith("Back-end Engineer › Applications › Fintech\n")
    finally:
        process.send_signal(signum)
        code = await asyncio.wait_for(process.wait(), 30.0)
    text = log.read_text()
    assert code == 0, text
    assert "Serving @GlossaryTestBot by long polling" in text
    assert "Application.stop() complete" in text
    assert TEST_TOKEN.split(":")[1] not in text
    assert (tmp_path / "data" / "q.sqlite3").is_file()
    assert fake_bot_api.rejected_calls() == []


async def test_a_token_telegram_rejects_ends_with_advice(
    fake_bot_api: FakeBotApi, tmp_path: Path
) -> None:
    env = bot_env(fake_bot_api.base_url, tmp_path, TELEGRAM_BOT_TOKEN=OTHER_TOKEN)
    process, log = await start_bot_process(env, tmp_path)
    code = await asyncio.wait_for(process.wait(), 30.0)
    text = log.read_text()
    assert code == 2
    assert text.rstrip().endswith(
        "Error: Telegram rejected TELEGRAM_BOT_TOKEN: copy it again from @BotFather "
        "(or /revoke there and use the new one)"
    )
    assert OTHER_TOKEN.split(":")[1] not in text


async def test_an_unreachable_bot_api_ends_with_advice(tmp_path: Path) -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    process, log = await start_bot_process(bot_env(closed, tmp_path), tmp_path)
    code = await asyncio.wait_for(process.wait(), 30.0)
    text = log.read_text()
    assert code == 2
    assert f"Error: cannot reach the Bot API at {closed} (" in text
    assert "check TELEGRAM_API_BASE_URL and the network, then start again" in text
    assert TEST_TOKEN.split(":")[1] not in text


async def test_an_empty_knowledge_folder_stops_the_start(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    env = bot_env("http://127.0.0.1:9", tmp_path, KNOWLEDGE_DIR=str(empty))
    process, log = await start_bot_process(env, tmp_path)
    code = await asyncio.wait_for(process.wait(), 30.0)
    assert code == 2
    assert "Error: no glossary entries in" in log.read_text()
