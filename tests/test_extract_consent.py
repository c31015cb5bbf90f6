"""Cookie walls and consent dialogs are never the article.

The pages in tests/pages/consent/ imitate the markup of the common consent
platforms (OneTrust, Quantcast Choice, Didomi, Sourcepoint, Google Funding
Choices, TrustArc, consentmanager), a Guardian-style "Yes, I'm happy" wall
with hashed class names, a German "Wir verwenden Cookies" wall, and consent
placeholders for embedded videos in the middle of an article.  "-wall" pages
have no article (it is only rendered after consent); "-article" pages have
one, which must come out whole and alone.  A news article about cookie
consent rules and a cookie recipe in elements named "cookie-…" must be kept
whole.
"""

from __future__ import annotations

import time
from pathlib import Path

import lxml.html
import pytest

from broadsheet.extract import document_from_fragment, extract_document
from broadsheet.extract.consent import is_consent_button, is_consent_text
from broadsheet.model import HEADING, LIST_ITEM, PARAGRAPH
from broadsheet.services import FullTextUnavailable, Services

PAGES = Path(__file__).parent / "pages" / "consent"
URL = "https://example.org/news/story.html"
WALLS = sorted(p.name for p in PAGES.glob("*-wall.html"))
ARTICLES = sorted(p.name for p in PAGES.glob("*-article.html"))


def page(name: str) -> bytes:
    return (PAGES / name).read_bytes()


def article_paragraphs(name: str) -> list[str]:
    """The article's own paragraphs, as the page has them."""
    root = lxml.html.document_fromstring(page(name))
    paragraphs = root.xpath("//div[@class='article-body']/p[not(@class)]")
    assert len(paragraphs) >= 4, name
    return [" ".join(p.text_content().split()) for p in paragraphs]


def test_every_platform_has_a_wall_and_an_article_page():
    assert WALLS == [f"{n}-wall.html" for n in
                     ("didomi", "german", "guardian-style", "onetrust", "quantcast", "sourcepoint")]
    assert {"funding-choices-article.html", "trustarc-article.html",
            "cookie-regulation-article.html"} <= set(ARTICLES)


@pytest.mark.parametrize("name", WALLS)
def test_a_page_that_is_only_a_consent_wall_has_no_article(name):
    document = extract_document(page(name), URL)
    assert document.blocks == [], [b.text for b in document.blocks]
    assert document.plain_text() == ""
    assert document.title  # the page's metadata is still read


@pytest.mark.parametrize("name", ARTICLES)
def test_the_article_behind_a_consent_dialog_comes_out_whole_and_alone(name):
    document = extract_document(page(name), URL)
    assert document.plain_text() == "\n\n".join(article_paragraphs(name))
    assert {b.kind for b in document.blocks} == {PARAGRAPH}


def test_an_article_about_cookie_consent_is_kept_whole():
    name = "cookie-regulation-article.html"
    paragraphs = article_paragraphs(name)
    # the article quotes banners: the words of a consent dialog are in it
    quoted = "\n".join(paragraphs)
    for words in ("“Reject all”", "“Accept all”", "“We value your privacy”", "842 partners",
                  "store and/or access information on a device", "legitimate interest", "list of vendors"):
        assert words in quoted
    document = extract_document(page(name), URL)
    assert [b.text for b in document.blocks] == paragraphs
    # while the site's own cookie bar, below the article, is gone
    assert "We use cookies to make this site work" in page(name).decode()
    assert "We use cookies" not in document.plain_text()
    assert "Cookie settings" not in document.plain_text()


def test_a_recipe_in_elements_named_cookie_is_kept_whole():
    name = "cookie-recipe.html"
    root = lxml.html.document_fromstring(page(name))
    expected = [" ".join(el.text_content().split()) for el in root.xpath("//article//*[self::p or self::li or self::h2]")
                if "byline" not in (el.get("class") or "")]
    assert len(expected) == 14
    document = extract_document(page(name), URL)
    assert [b.text for b in document.blocks] == expected
    assert [b.kind for b in document.blocks].count(LIST_ITEM) == 9
    assert [b.kind for b in document.blocks].count(HEADING) == 2


@pytest.mark.parametrize("name,story", [
    ("cookie-bar-recipe", "onetrust-article.html"), ("trusted-source", "onetrust-article.html"),
    ("gdpr-fine-report", "cookie-regulation-article.html"), ("consentAgeStory", "cookie-regulation-article.html"),
    ("privacy cmp-story", "cookie-regulation-article.html"),
])
def test_names_that_only_look_like_consent_keep_their_text(name, story):
    paragraphs = article_paragraphs(story)
    html = f"<html><body><div class='{name}'>{''.join(f'<p>{p}</p>' for p in paragraphs)}</div></body></html>"
    assert extract_document(html, URL).plain_text() == "\n\n".join(paragraphs)


def test_a_wall_of_hashed_divs_without_buttons_is_no_article():
    notice = (
        "We and our partners store and/or access information on a device, such as cookies and process "
        "personal data, such as unique identifiers and standard information sent by a device for personalised "
        "ads and content, ad and content measurement, and audience insights, as well as to develop and "
        "improve products. You may click to consent to our and our 842 partners’ processing as described above."
    )
    html = f"""<html><head><title>Story | Site</title></head><body>
    <div class="k2j3h4"><div class="m5n6b7"><p class="v8c9x0">We value your privacy</p>
    <p class="v8c9x0">{notice}</p><p class="z1a2s3">Your preferences will apply to this website only.
    You can change your preferences at any time in our <a href="/privacy">privacy policy</a>.</p></div></div>
    </body></html>"""
    assert extract_document(html, URL).blocks == []
    # the same notice above a real article is dropped from it
    story = "".join(f"<p>{p}</p>" for p in article_paragraphs("onetrust-article.html"))
    with_story = html.replace("</body>", f"<article>{story}</article></body>")
    assert extract_document(with_story, URL).plain_text() == "\n\n".join(article_paragraphs("onetrust-article.html"))


def test_consent_lines_in_feed_content_are_dropped_and_quotes_kept():
    paragraphs = article_paragraphs("cookie-regulation-article.html")
    html = (
        "<p>We use cookies to give you the best experience. By continuing to use this site you agree to our "
        "cookie policy.</p>"
        + "".join(f"<p>{p}</p>" for p in paragraphs)
        + "<p><a href='#'>Accept all cookies</a></p><p>Manage options</p>"
    )
    document = document_from_fragment(html, URL, title="Regulators order websites")
    assert [b.text for b in document.blocks] == paragraphs


@pytest.mark.parametrize("label", [
    "Accept all", "ACCEPT ALL COOKIES", "Reject All", "Manage options", "Yes, I’m happy", "Yes, I'm happy",
    "Agree and close", "Continue without agreeing →", "Alle akzeptieren", "Nur notwendige Cookies",
    "Tout accepter", "Aceptar todo", "Allow and continue", "Externen Inhalt anzeigen", "Got it!",
])
def test_consent_button_labels(label):
    assert is_consent_button(label)


@pytest.mark.parametrize("label", [
    "Accept the offer", "Read more about cookies", "Manage your money", "Yes, I'm happy to help",
    "The council will reject all three plans", "",
])
def test_other_labels_are_not_consent_buttons(label):
    assert not is_consent_button(label)


def test_consent_text_needs_dense_consent_phrases():
    assert is_consent_text("We use cookies. By clicking “Accept all” you agree to our cookie policy.")
    assert is_consent_text(
        "Wir und unsere Partner verwenden Cookies und ähnliche Technologien. Mit Klick auf „Alle akzeptieren“ "
        "willigen Sie ein; Ihre Einwilligung können Sie jederzeit widerrufen."
    )
    assert not is_consent_text("Bake the cookies for twelve minutes, until the edges are brown.")
    assert not is_consent_text("\n".join(article_paragraphs("cookie-regulation-article.html")))


def test_many_consent_buttons_stay_fast():
    story = "".join(f"<p>{p}</p>" for p in article_paragraphs("quantcast-article.html"))
    noise = "".join(
        f'<div class="c{i}"><span>We use cookies.</span> <a href="#{i}">Accept all</a> '
        f'<button>Manage options</button></div>'
        for i in range(5_000)
    )
    html = f"<html><body><article>{story}</article><section>{noise}</section></body></html>"
    started = time.monotonic()
    document = extract_document(html, URL)
    assert time.monotonic() - started < 5  # each button looks at a few elements, and only so many buttons
    assert document.plain_text() == "\n\n".join(article_paragraphs("quantcast-article.html"))


# -- through the services, with a real server -------------------------------------


@pytest.fixture
def services(tmp_path):
    svc = Services.open(tmp_path / "lib.sqlite3", deadline=5, timeout=3)
    yield svc
    svc.close()


async def test_saving_a_consent_wall_fails_with_one_line_and_others_still_save(http_server, services):
    wall = http_server.add("/wall", page("quantcast-wall.html"))
    good = http_server.add("/good", page("quantcast-article.html"))
    report = await services.add([wall, good])
    first, second = report.outcomes
    assert first.kind == "error" and first.message == "the page has no readable article text"
    assert second.kind == "saved"
    (story,) = services.stories_page("", 0, 10)
    assert services.cached_document(story.id).plain_text() == "\n\n".join(
        article_paragraphs("quantcast-article.html"))


async def test_a_feed_story_behind_a_consent_wall_falls_back_to_the_summary(http_server, services):
    http_server.add("/wall", page("onetrust-wall.html"))
    http_server.add("/feed.xml", f"""<?xml version="1.0"?><rss version="2.0"><channel><title>Gazette</title>
<item><title>Harbour bridge to close</title><guid>b1</guid><link>{http_server.url('/wall')}</link>
<description>The harbour bridge will close for six months of repairs from May.</description></item>
</channel></rss>""", content_type="application/rss+xml")
    await services.add([http_server.url("/feed.xml")])
    (story,) = services.stories_page("", 0, 10)
    with pytest.raises(FullTextUnavailable) as raised:
        await services.open_document(story.id)
    assert str(raised.value) == "The page has no readable article text."
    assert raised.value.fallback.plain_text() == "The harbour bridge will close for six months of repairs from May."


@pytest.mark.parametrize("name", ["guardian-style-article.html", "onetrust-article.html"])
def test_a_consent_dialog_inside_feed_content_is_taken_out_whole(name):
    # Feeds that copy the whole page body into <content:encoded> bring its
    # consent dialog along; it goes as it would from the page.
    body = lxml.html.document_fromstring(page(name)).find("body")
    html = "".join(lxml.html.tostring(child, encoding="unicode") for child in body)
    document = document_from_fragment(html, URL, title="A story")
    text = document.plain_text()
    assert "\n\n".join(article_paragraphs(name)) in text
    assert not [p for p in text.split("\n\n") if is_consent_text(p)], text
