"""The admin console's door: LINE Login through the fake, who is let in, and what is refused."""

from __future__ import annotations

import pytest

from tests.admin_login import login_settings, sign_in
from tests.conftest import link
from webhook import create_app


@pytest.fixture
def console(config, fake):
    from dataclasses import replace

    app = create_app(replace(config, **login_settings(fake)))
    yield app
    app.extensions["prakat"].stop()


@pytest.fixture
def admin_client(console):
    from bot.office.orgfile import load
    from bot.spine.db import transaction
    from tests.conftest import OFFICE_YAML

    runtime = console.extensions["prakat"]
    with transaction(runtime.factory) as session:
        load(session, OFFICE_YAML)
    link(runtime, "pimchanok")
    link(runtime, "kanya")
    return console.test_client()


def test_an_admin_signs_in_and_sees_the_office(console, admin_client):
    runtime = console.extensions["prakat"]
    answer = sign_in(admin_client, "pimchanok", runtime=runtime)
    assert answer.status_code == 302, answer.get_data(as_text=True)
    page = admin_client.get("/admin/")
    assert page.status_code == 200
    assert "สำนักงานเขตพื้นที่การศึกษาประถมศึกษาตาก เขต ๒" in page.get_data(as_text=True)
