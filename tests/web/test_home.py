"""The home page: awards programmes and the next upcoming events, in Dutch by default."""

from datetime import timedelta

from tests.factories import START, make_event


def test_home_lists_programmes_and_upcoming_events_only(client, make_programme):
    make_programme(slug="cda-2025")
    make_event("digital-talk")
    make_event("old-talk", title_en="An old talk", starts_at=START - timedelta(days=60))
    page = client.get("/").get_data(as_text=True)
    assert "Customer Data Awards" in page
    assert "DDMA Digital Talk: the DPA and cookie enforcement" in page
    assert "€50 excl. VAT (€60.50 incl. VAT)" in page
    assert "An old talk" not in page


def test_home_is_dutch_by_default(app, make_programme):
    make_event("digital-talk")
    browser = app.test_client()  # no Accept-Language header: Dutch
    page = browser.get("/").get_data(as_text=True)
    assert "DDMA Digital Talk: AP en cookiehandhaving" in page
    assert "€50 excl. btw (€60,50 incl. btw)" in page
    assert 'lang="nl"' in page


def test_dutch_prices_and_few_places_signal(app):
    from tests.factories import make_registration

    event = make_event("digital-talk", capacity=10)
    for _ in range(8):
        make_registration(event, "confirmed")
    browser = app.test_client()
    for page in (
        browser.get("/").get_data(as_text=True),
        browser.get("/events/").get_data(as_text=True),
    ):
        assert "Gratis voor leden" in page
        assert "€50 excl. btw (€60,50 incl. btw) voor niet-leden" in page
        assert "Nog maar 2 plekken beschikbaar" in page
