"""The home page in both languages, language routing and the switcher."""
import pytest


@pytest.mark.parametrize("lang, html_lang", [("zh", "zh-Hans"), ("en", "en")])
def test_home_serves_both_languages_with_the_seeded_network(client, lang, html_lang):
    response = client.get(f"/{lang}/")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert f'<html lang="{html_lang}">' in page
    assert "深圳离岸创新中心" in page or "Shenzhen Offshore Innovation Center" in page
    assert 'data-count="organisations">16<' in page


@pytest.mark.parametrize("accept, target", [("zh-CN,zh;q=0.9", "/zh/"), ("en-US,en;q=0.8", "/en/"), ("fr", "/zh/")])
def test_root_redirects_by_accept_language(client, accept, target):
    response = client.get("/", headers={"Accept-Language": accept})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(target)


def test_language_choice_is_remembered(client):
    client.get("/en/organisations/")
    response = client.get("/", headers={"Accept-Language": "zh-CN"})
    assert response.headers["Location"].endswith("/en/")


def test_switcher_keeps_the_page_and_query(client):
    page = client.get("/zh/organisations/?kind=offshore_incubator").get_data(as_text=True)
    assert 'href="/en/organisations/?kind=offshore_incubator"' in page


def test_unknown_language_is_404(client):
    assert client.get("/fr/").status_code == 404
