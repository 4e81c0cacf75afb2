"""The door's camera, in Dutch and in English: staff on a phone press "Scan with camera" and
the camera sees a real ticket's QR code (the one the ticket PDF draws: segno, the check-in
page's address with the code), so the attendee is checked in; the camera keeps seeing it and
the second read is refused as already checked in.

The camera is Chromium's fake one, playing a YUV4MPEG2 file made here from the ticket's QR
code. Desktop Chromium on Linux has no BarcodeDetector (asserted below), so the code is read by
the fallback, jsQR from static/vendor/: without it the page only says that typing works and
this test fails.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from playwright.sync_api import expect

from core.extensions import db
from events.models import Registration
from events.services.ticket_codes import assign_code
from events.ticket_pdf import ticket_qr
from tests.browser.conftest import CHROMIUM, CHROMIUM_ARGS
from tests.browser.events_steps import say
from tests.browser.test_checkin_journey import PHONE, _log_in, _result
from tests.factories import fresh, make_event, make_registration

WIDTH, HEIGHT = 640, 480
MODULE_PX = 6  # pixels per QR module in the camera's picture
FRAMES = 5


def qr_video(text: str, path: Path) -> Path:
    """A few frames of 4:2:0 YUV4MPEG2 showing the QR code holding `text`: dark modules on
    white, with the code's quiet zone (4 modules) and white around it."""
    matrix = np.array(list(ticket_qr(text).matrix_iter(scale=MODULE_PX, border=4)), dtype=bool)
    rows, cols = matrix.shape
    assert rows <= HEIGHT and cols <= WIDTH, (rows, cols)
    luma = np.full((HEIGHT, WIDTH), 235, dtype=np.uint8)  # video white
    top, left = (HEIGHT - rows) // 2, (WIDTH - cols) // 2
    luma[top : top + rows, left : left + cols] = np.where(matrix, 16, 235)  # video black
    chroma = np.full((HEIGHT // 2, WIDTH // 2), 128, dtype=np.uint8).tobytes()  # grey
    frame = b"FRAME\n" + luma.tobytes() + chroma + chroma
    header = f"YUV4MPEG2 W{WIDTH} H{HEIGHT} F10:1 Ip A1:1 C420jpeg\n".encode()
    path.write_bytes(header + frame * FRAMES)
    return path


@pytest.fixture
def camera_chromium(playwright, tmp_path):
    """camera_chromium(text) -> a Chromium of its own whose camera shows a QR code of `text`
    (the fake camera's file is a launch flag, so not the run's shared browser)."""
    browsers = []

    def _launch(text: str):
        video = qr_video(text, tmp_path / "ticket.y4m")
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                *CHROMIUM_ARGS,
                "--use-fake-ui-for-media-stream",
                "--use-fake-device-for-media-stream",
                f"--use-file-for-fake-video-capture={video}",
            ],
        )
        browsers.append(browser)
        return browser

    yield _launch
    for browser in browsers:
        browser.close()


def test_staff_scan_a_ticket_with_the_camera_once(
    new_person, lang, make_user, camera_chromium, live_server
):
    event = make_event()
    ada = make_registration(event, name="Ada Camera")
    staff = make_user(f"camera.{lang}@ddma.example", is_staff=True, locale=lang)
    code = assign_code(ada)  # as the door's list or the ticket would
    db.session.commit()
    assert fresh(Registration, ada.id).ticket_code == code
    # What the ticket's QR code holds (events.services.notices.ticket_url).
    browser = camera_chromium(f"{live_server}/admin/events/{event.id}/check-in/scan?code={code}")

    door = new_person(lang, **PHONE, browser=browser)
    door.page.context.grant_permissions(["camera"], origin=live_server)
    _log_in(door, staff)
    door.goto(f"/admin/events/{event.id}/check-in/scan")
    door.see(say(door, "when the network drops: 1.", "als het netwerk wegvalt: 1."))
    assert door.page.evaluate("() => 'BarcodeDetector' in window") is False  # the fallback's case
    assert fresh(Registration, ada.id).checked_in_at is None

    door.press(say(door, "Scan with camera", "Scannen met camera"), exact=True)
    _result(door, say(door, "Checked in: Ada Camera", "Ingecheckt: Ada Camera"))
    assert door.page.evaluate("() => typeof window.jsQR") == "function"
    arrived = fresh(Registration, ada.id).checked_in_at
    assert arrived is not None
    assert (
        say(door, "Point the camera", "Richt de camera")
        in door.page.locator("#door-camera-note").inner_text()
    )

    # The camera still sees the ticket: read again (after the page's 4 s pause), refused.
    answer = door.page.locator("#door-result")
    expect(answer).to_contain_text(
        say(door, "Already checked in at", "Al ingecheckt om"), timeout=10_000
    )
    refusal = answer.inner_text()
    assert "Ada Camera" in refusal
    assert fresh(Registration, ada.id).checked_in_at == arrived
    door.press(say(door, "Stop the camera", "Camera stoppen"), exact=True)
    door.see(say(door, "Scan with camera", "Scannen met camera"))
