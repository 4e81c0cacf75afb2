"""deploy/ and the Procfile say the same thing: each systemd unit runs its Procfile line from
the project's virtualenv, in the project's folder, with the one settings file; the example
settings name only variables the app reads. tests/integration/test_multi_process.py starts
the Procfile's `web` and `worker` lines for real."""

from __future__ import annotations

import configparser
import gc
import re
import runpy
import shlex
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
UNITS = {"web": "podium-web", "worker": "podium-worker", "beat": "podium-beat",
         "release": "podium-migrate"}  # fmt: skip


def procfile() -> dict[str, list[str]]:
    """The Procfile's processes: name -> the command's words."""
    lines = (ROOT / "Procfile").read_text().splitlines()
    entries = (line.split(":", 1) for line in lines if line.strip() and not line.startswith("#"))
    return {name.strip(): shlex.split(command) for name, command in entries}


def _unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None, strict=False)
    parser.optionxform = str  # keep the keys as written
    parser.read(ROOT / "deploy" / f"{name}.service")
    return parser


def test_the_procfile_names_every_process():
    assert set(procfile()) == set(UNITS)
    assert procfile()["worker"][:3] == ["celery", "-A", "podium.celery_app"]


@pytest.mark.parametrize("process", sorted(UNITS))
def test_each_unit_runs_its_procfile_line(process):
    service = _unit(UNITS[process])["Service"]
    program, *args = shlex.split(service["ExecStart"])
    assert program == f"/srv/podium/.venv/bin/{procfile()[process][0]}"
    assert args == procfile()[process][1:]
    assert service["WorkingDirectory"] == "/srv/podium"
    assert service["EnvironmentFile"] == "/etc/podium/podium.env"
    assert service["User"] == "podium"


def test_the_example_settings_are_all_read_by_the_app():
    lines = (ROOT / "deploy" / "podium.env.example").read_text().splitlines()
    names = [line.split("=", 1)[0] for line in lines if re.match(r"[A-Z_]+=", line)]
    read = (ROOT / "core" / "config.py").read_text() + (ROOT / "gunicorn.conf.py").read_text()
    assert names and [name for name in names if f'"{name}"' not in read] == []


def test_each_gunicorn_worker_freezes_what_it_loaded_out_of_the_collectors_rounds():
    hooks = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    gc.unfreeze()
    try:
        hooks["post_worker_init"](None)
        assert gc.get_freeze_count() > 0
    finally:
        gc.unfreeze()


def test_workers_are_recycled_seldom_and_reload_on_new_code():
    """A recycled worker imports the app again (~2 s of CPU the others lose): every 20,000
    requests or so, staggered, not every 2,000 (about 1 ms of each request's CPU under load).
    The app is not preloaded in the master, so the units' HUP reload starts workers on the
    new code."""
    settings = runpy.run_path(str(ROOT / "gunicorn.conf.py"))
    assert settings["max_requests"] >= 20000
    assert 0 < settings["max_requests_jitter"] < settings["max_requests"]
    assert not settings.get("preload_app", False)
    assert "kill -s HUP" in (ROOT / "deploy" / "podium-web.service").read_text()
