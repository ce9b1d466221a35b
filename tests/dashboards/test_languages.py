"""English and Ukrainian: the switcher, translated labels and region names in the language."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def test_the_language_switcher_sets_ukrainian_and_returns_to_the_page(client, analyst):
    client.force_login(analyst)
    page = client.get("/dashboards/").content.decode()
    assert 'name="language" value="uk"' in page
    assert "Needs by region" in page

    response = client.post("/i18n/setlang/", {"language": "uk", "next": "/dashboards/?type=mlrs"})

    assert (response.status_code, response["Location"]) == (302, "/dashboards/?type=mlrs")
    page = client.get("/dashboards/").content.decode()
    assert '<html lang="uk">' in page
    assert "Потреби за областями" in page
    assert "Needs by region" not in page


def test_region_names_follow_the_language(client, analyst):
    client.force_login(analyst)
    english = client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="en")
    ukrainian = client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="uk")
    assert ">Vinnytska</a></th>" in english.content.decode()
    assert ">Вінницька</a></th>" in ukrainian.content.decode()
    # The charts are cached per language: each shows the names of its own.
    matrix = ukrainian.context["figures"]["matrix"]["data"][0]
    assert matrix["y"][:2] == ["Автономна Республіка Крим", "Вінницька"]
    assert english.context["figures"]["matrix"]["data"][0]["y"][1] == "Vinnytska"
    region_page = client.get("/dashboards/regions/UA46/", HTTP_ACCEPT_LANGUAGE="uk")
    assert "<h1>Львівська" in region_page.content.decode()


def test_an_unknown_language_falls_back_to_english(client, analyst):
    client.force_login(analyst)
    page = client.get("/dashboards/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="en">' in page
