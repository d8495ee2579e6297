"""Start-up cost: a CLI command or a web worker loads no heavy library it does not use.

pythainlp's dictionaries, line-bot-sdk's messaging models, APScheduler, pypdf and the drawing
libraries cost seconds together; each is loaded where it is needed, once. The checks run the real
app in a fresh interpreter (a module imported by an earlier test would hide a regression here).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import date, datetime, timedelta

from bot.thai.dates import thai_date, thai_datetime
from tests.conftest import OFFICE_YAML, ROOT

HEAVY = ("pythainlp", "linebot.v3.messaging", "apscheduler", "pypdf", "matplotlib", "fpdf",
         "openpyxl")

# Serve the portal's pages and run two CLI commands, then say which heavy modules got loaded.
SCRIPT = """
import json, sys
from webhook import create_app

app = create_app()
cli = app.test_cli_runner()
loaded = cli.invoke(args=["org", "load", sys.argv[1]])
shown = cli.invoke(args=["org", "show"])
client = app.test_client()
pages = {path: client.get(path).status_code for path in ("/", "/c/1.1", "/search?q=ประชุม",
                                                          "/feed.atom")}
print(json.dumps({"heavy": sorted(m for m in sys.argv[2:] if m in sys.modules),
                  "load": loaded.exit_code, "show": shown.output, "pages": pages}))
"""


def _fresh_interpreter(tmp_path, script: str, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LINE_", "DATABASE_URL"))}
    env.update(DATABASE_URL=f"sqlite:///{tmp_path / 'prakat.db'}", DATA_DIR=str(tmp_path / "data"),
               SECRET_KEY="startup-test")
    done = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_cli_commands_and_portal_pages_load_no_heavy_library(tmp_path):
    office = tmp_path / "office.yaml"
    office.write_text(OFFICE_YAML, encoding="utf-8")
    seen = _fresh_interpreter(tmp_path, SCRIPT, str(office), *HEAVY)
    assert seen["load"] == 0 and "kanya" in seen["show"]
    assert seen["pages"] == {"/": 200, "/c/1.1": 200, "/search?q=ประชุม": 200, "/feed.atom": 200}
    assert seen["heavy"] == []


def test_the_word_list_loads_on_the_first_thai_line_break_and_only_then(tmp_path):
    script = """
import json, re, sys
from bot.thai import wrap
before = wrap._segmenter.cache_info().currsize
words = [wrap.words("ประชุมผู้บริหารสถานศึกษา"), wrap.chunks("ส่งภาพกิจกรรม A4 ๑.๙ ต่างๆ")]
peak = int(re.search(r"VmHWM:\\s+(\\d+)", open("/proc/self/status").read())[1]) // 1024
print(json.dumps({"before": before, "after": wrap._segmenter.cache_info().currsize, "words": words,
                  "pythainlp": "pythainlp" in sys.modules, "peak_mb": peak}))
"""
    seen = _fresh_interpreter(tmp_path, script)
    assert (seen["before"], seen["after"]) == (0, 1)
    assert seen["words"][0] == ["ประชุม", "ผู้บริหาร", "สถานศึกษา"]
    assert seen["words"][1] == ["ส่ง", "ภาพ", "กิจกรรม", " ", "A4", " ", "๑.๙", " ", "ต่างๆ"]
    # pythainlp's own import would hold about 250 MB of dictionaries and models
    assert not seen["pythainlp"] and seen["peak_mb"] < 150


def test_thai_dates_read_as_pythainlp_writes_them():
    """The month names are written out in bot.thai.dates; pythainlp's own formatter agrees."""
    from pythainlp.util import thai_strftime

    day = date(2026, 1, 1)
    for n in range(0, 800, 7):
        d = day + timedelta(days=n)
        midnight = datetime(d.year, d.month, d.day)
        for short, fmt in ((False, "%-d %B %Y"), (True, "%-d %b %Y")):
            for digits in (False, True):
                assert thai_date(d, short=short, thai_digits=digits) == thai_strftime(
                    midnight, fmt, thaidigit=digits)
        instant = datetime(d.year, d.month, d.day, n % 24, n % 60)  # UTC, as the database keeps
        local = instant + timedelta(hours=7)
        assert thai_datetime(instant, thai_digits=True) == thai_strftime(
            local, "%-d %b %Y %H:%M น.", thaidigit=True)
