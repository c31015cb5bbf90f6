"""Cookie walls and consent dialogs.

A consent platform (OneTrust, Quantcast Choice, Didomi, Sourcepoint, Google's
Funding Choices, TrustArc, Cookiebot, Usercentrics…) puts a dialog into the
page: "We value your privacy.  We and our 842 partners store and/or access
information on a device…  Accept all / Reject all / Manage options".  When
the article is only rendered after consent, that dialog is the page's only
text, and an article finder would take it for the article.

:func:`remove_consent` takes such dialogs out of the parsed page before the
article is looked for, found three ways:

* by name: a class or id of a consent platform (``onetrust``, ``qc-cmp2``,
  ``didomi``, ``sp_message``, ``fc-consent``, ``truste``…) on an element that
  holds no ``<article>`` or ``<main>``, or a generic one (``cookie``,
  ``consent``, ``gdpr``, ``cmp``) on an element whose text reads as consent
  text (a recipe in ``<div class="cookie-recipe">`` stays);
* as a dialog (``role="dialog"``, ``aria-modal``, ``<dialog>``) whose text
  reads as consent text;
* when class names are hashed: from a consent button ("Accept all", "Yes,
  I'm happy", "Alle akzeptieren"…) up to the largest element around it whose
  text still reads as consent text.

"Reads as consent text" counts distinct consent phrases ("we and our
partners", "store and/or access information on a device", "accept all",
"legitimate interest", "wir verwenden Cookies"…) against the length of the
text, and no longer paragraph in it may be free of them: an article that
talks about cookie banners has paragraphs of its own and is never taken for
one.  :func:`consent_only` says whether the text left over after all that is
still nothing but a consent notice; the extractor then gives no article.
"""

from __future__ import annotations

import re

# -- phrases -----------------------------------------------------------------

# Each pattern counts once, however often it occurs, and is only tried on a
# text holding one of its words (an "in" is much cheaper than a search).
# Lower case, whitespace collapsed, apostrophes and quotes made plain (see
# _normal).
_PHRASES = [(words, re.compile(pattern)) for words, pattern in (
    # English
    (("privacy",), r"we value your privacy|your privacy (?:matters|is important)"),
    (("partners", "vendors"), r"we (?:and|&) (?:our|selected|third[- ]party) (?:\d[\d,]* )?(?:partners|vendors)"),
    (("partners", "vendors"), r"our (?:\d[\d,]* )?(?:partners|vendors)'? (?:processing|use)"),
    (("cookies",), r"(?:we|this (?:web)?site|our (?:web)?site|this app) (?:use|uses|is using|may use) cookies"),
    (("cookies",), r"cookies (?:and|or) (?:similar|related|other) (?:technologies|tracking)"),
    (("information on",), r"(?:store|stored|storing) (?:and/or|and|or) access(?:ed)? information on (?:a|your) device"),
    (("personali",), r"personali[sz]ed (?:ads|advertising|advertisements)"),
    (("content measurement",), r"(?:ad|advertising) and content measurement"),
    (("audience",), r"audience (?:insights|research)"),
    (("improve",), r"develop (?:and|&) improve (?:products|services)"),
    (("geolocation",), r"precise geolocation"),
    (("device",), r"device (?:scanning|characteristics)"),
    (("identifiers",), r"unique identifiers"),
    (("legitimate",), r"legitimate interest"),
    (("accept", "allow", "reject", "decline", "refuse", "deny"),
     r"(?:accept|allow|reject|decline|refuse|deny) (?:all|all cookies|cookies|optional cookies|non-essential cookies)\b"),
    (("options", "preferences", "choices", "settings"),
     r"(?:manage|customi[sz]e|change|update|review|set) (?:your |my )?(?:cookie |privacy |consent )?"
     r"(?:options|preferences|choices|settings)"),
    (("by clicking", "by tapping", "by selecting", "by continuing", "by using this"),
     r"by (?:clicking|tapping|selecting|continuing|using this)"),
    (("consent",), r"(?:give|withdraw|refuse|object|change) (?:your |to )?consent|your consent"),
    (("cookie ", "privacy "), r"(?:cookie|privacy) (?:policy|notice|statement|settings|preferences)"),
    (("cookies",),
     r"(?:strictly necessary|essential|functional|performance|targeting|analytics|marketing) cookies"),
    (("do not sell",), r"do not sell (?:or share )?my personal information"),
    (("personal data",), r"(?:process|processing) (?:of )?(?:your )?personal data"),
    (("happy", "ok with"), r"yes,? i'm happy|i'm ok with that|i'm happy with (?:that|this)"),
    (("continue without",), r"continue without (?:agreeing|accepting|consent)"),
    (("partners", "vendor"), r"(?:list of|our) (?:iab )?(?:partners|vendors)|vendor list|tcf vendor"),
    (("object",), r"to object to (?:such )?processing|right to object"),
    # consent to load an embedded post or video ("Allow YouTube content?")
    (("permission",), r"(?:ask|asks|asking) for your permission|we need your (?:permission|consent)|with your permission"),
    (("provided by",), r"content (?:is )?provided by"),
    (("content",), r"(?:allow|load|show) (?:external |third[- ]party |embedded )?(?:[a-z]+ )?content\b"),
    # German
    (("cookies",), r"wir (?:verwenden|nutzen|setzen) cookies|diese (?:web)?seite (?:verwendet|nutzt) cookies"),
    (("partner",), r"wir und unsere (?:\d+ )?partner"),
    (("technologien",), r"cookies und (?:ähnliche|vergleichbare|andere) technologien"),
    (("gerät",), r"informationen auf (?:einem|ihrem) (?:gerät|endgerät)"),
    (("personalisierte",), r"personalisierte (?:werbung|anzeigen|inhalte)"),
    (("inhaltsmessung",), r"(?:anzeigen|werbe)- und inhaltsmessung"),
    (("datenschutz", "privatsphäre"),
     r"datenschutzerklärung|datenschutzhinweis|datenschutz-?einstellungen|privatsphäre-einstellungen"),
    (("einwilligung", "widerruf"), r"einwilligung|widerruf"),
    (("alle ", "nur notwendige", "akzeptieren und"),
     r"alle akzeptieren|alle ablehnen|alle cookies|nur notwendige|akzeptieren und schließen"),
    (("einstellungen",), r"einstellungen (?:verwalten|anpassen|ändern)|cookie-einstellungen"),
    (("interesse",), r"berechtigte[ns]? interesse"),
    (("standortdaten",), r"(?:genaue|präzise) standortdaten"),
    (("zustimmung",), r"ihre zustimmung|zustimmung (?:erteilen|geben|widerrufen)"),
    (("extern", "dritt"), r"externe[nr]? inhalte?|inhalte? (?:von )?drittanbietern?|drittplattformen"),
    (("personenbezogene",), r"personenbezogene(?:n)? daten"),
    # French, Spanish, Italian, Dutch
    (("cookies", "partenaires"), r"nous utilisons des cookies|ce site utilise des cookies|nous et nos partenaires"),
    (("tout accepter", "tout refuser", "accepter et fermer", "continuer sans accepter"),
     r"tout accepter|tout refuser|accepter et fermer|continuer sans accepter"),
    (("politique de", "consentement", "intérêt légitime"),
     r"politique de (?:confidentialité|cookies)|votre consentement|intérêt légitime"),
    (("cookies", "aceptar todo", "rechazar todo", "política de"),
     r"(?:utilizamos|usamos) cookies|aceptar todo|rechazar todo|política de (?:privacidad|cookies)"),
    (("cookie", "accetta tutto", "rifiuta tutto", "informativa"),
     r"utilizziamo (?:i )?cookie|accetta tutto|rifiuta tutto|informativa (?:sulla )?privacy"),
    (("cookies", "alles accepteren", "cookiebeleid", "privacybeleid"),
     r"(?:wij|we) gebruiken cookies|alles accepteren|cookiebeleid|privacybeleid"),
)]

# Phrases in which the site itself speaks to its reader about consent; a
# text that is only a notice has one (an article quoting one is long).
_NOTICE = re.compile(
    r"we value your privacy|we (?:and|&) (?:our|selected|third[- ]party) (?:\d[\d,]* )?(?:partners|vendors)"
    r"|(?:we|this (?:web)?site|our (?:web)?site|this app) (?:use|uses|is using|may use) cookies"
    r"|(?:store|stored|storing) (?:and/or|and|or) access(?:ed)? information on (?:a|your) device"
    r"|by (?:clicking|tapping|selecting|continuing)|yes,? i'm happy|i'm ok with that"
    r"|you (?:can|may) (?:change|withdraw|manage|update|review|click)"
    r"|wir (?:verwenden|nutzen|setzen) cookies|wir und unsere (?:\d+ )?partner|mit (?:dem )?klick auf"
    r"|nous utilisons des cookies|nous et nos partenaires"
)

# Labels of consent buttons (the whole label).
_BUTTON = re.compile(
    r"(?:"
    r"(?:accept|allow|agree to|i accept|reject|decline|refuse|deny)(?: all| all cookies| cookies| optional cookies"
    r"| non-essential cookies| selection| and (?:close|continue|proceed))?"
    r"|accept & close|agree|i agree|agree (?:and|&) (?:close|continue|proceed|exit)|disagree|consent|ok|okay|got it"
    r"|(?:use )?(?:only )?(?:strictly )?necessary cookies(?: only)?|essential cookies only|only essential cookies"
    r"|(?:manage|customi[sz]e|set|change|view) (?:my |your )?(?:cookie |privacy |consent )?"
    r"(?:options|preferences|choices|settings|cookies)"
    r"|(?:cookie|cookies|privacy|consent) (?:settings|preferences|options)|more options|options|settings"
    r"|manage or reject cookies|save (?:and exit|preferences|settings|choices|my choices)|confirm (?:my )?choices"
    r"|continue without (?:agreeing|accepting|consent)|yes,? i'm happy|i'm ok with that|learn more|show purposes"
    r"|(?:see |view )?(?:list of )?(?:partners|vendors)(?: \(vendors\))?"
    r"|(?:allow|load|show|view) (?:external |embedded )?(?:content|media)"
    r"|externen? inhalte? (?:anzeigen|laden|zulassen|erlauben)|inhalte? (?:anzeigen|laden)"
    r"|(?:akzeptieren|zustimmen) und (?:anzeigen|laden)"
    r"|(?:alle )?(?:akzeptieren|zustimmen|ablehnen)|alle cookies (?:akzeptieren|ablehnen)|einverstanden"
    r"|zustimmen und weiter|akzeptieren und (?:schließen|weiter)|nur (?:notwendige|essenzielle)(?: cookies)?"
    r"|(?:cookie-)?einstellungen(?: verwalten| anpassen)?|mehr optionen|auswahl (?:speichern|bestätigen)"
    r"|(?:tout )?(?:accepter|refuser)|j'accepte|accepter et fermer|continuer sans accepter|paramétrer"
    r"|personnaliser|gérer (?:mes|les) (?:choix|options|cookies)"
    r"|aceptar(?: todo| todas)?|rechazar(?: todo)?|configurar|accetta(?: tutto)?|rifiuta(?: tutto)?"
    r"|alles accepteren|accepteren|akkoord|weigeren|instellingen"
    r")"
)
_BUTTON_MAX = 60
_STRIP = " .!:;,·•›»→←✓✔×()[]\"'"

# -- names -------------------------------------------------------------------

# Names of consent platforms and consent libraries (the start of a class
# name or id): such an element is consent UI whatever its text.
_PLATFORM = re.compile(
    r"onetrust|optanon|ot-sdk|ot-pc|didomi|qc-cmp|sp_message|sp-message|sp_veil|fc-consent|fc-dialog"
    r"|truste[-_]|trustarc|cybotcookiebot|cookiebot|usercentrics|cookielaw|cookie-law|cmpbox|cmpwrapper"
    r"|cc-window|cc-banner|cky-consent|cmplz|borlabs|moove[-_]gdpr|klaro|tarteaucitron|_?evidon|osano"
    r"|iubenda|consentmanager|sourcepoint"
)
# Generic words (whole words of a name, or their start: "cookie-banner",
# "cookieNotice", "consent_modal", "gdpr-bar"): consent UI only when the
# text reads so ("cookie-bar-recipe" is a dessert).
_GENERIC = frozenset({"cmp", "ccpa", "privacy", "tcf"})
_GENERIC_START = ("cookie", "consent", "gdpr")
_SPLIT = re.compile(r"[^a-z0-9]+")
# Elements whose class or id holds one of these (lower case) are looked at
# more closely; consent platforms put their dialogs in these tags.
_NAME_HINTS = (
    "onetrust", "optanon", "ot-sdk", "ot-pc-", "didomi", "qc-cmp", "sp_message", "sp-message", "sp_veil",
    "fc-consent", "fc-dialog", "truste", "cookie", "consent", "gdpr", "cmp", "ccpa", "privacy", "tcf",
    "usercentrics", "cc-window", "cc-banner", "cky-", "borlabs", "klaro", "tarteaucitron", "evidon",
    "osano", "iubenda", "sourcepoint",
)
_CONTAINER_TAGS = ("div", "section", "aside", "dialog", "form", "footer", "header", "nav")
_DIALOG_ROLES = frozenset({"dialog", "alertdialog"})
_BUTTON_TAGS = ("button", "a", "input", "span", "div")
# The first word of every label _BUTTON knows: a cheap test before the regex.
_BUTTON_FIRST = frozenset("""
accept allow agree i reject decline refuse deny disagree consent ok okay got use only strictly necessary
essential manage customise customize set change view cookie cookies privacy more options settings save
confirm continue yes learn show see list partners vendors alle akzeptieren zustimmen ablehnen einverstanden
nur einstellungen cookie-einstellungen mehr auswahl tout accepter refuser j'accepte continuer paramétrer
personnaliser gérer aceptar rechazar configurar accetta rifiuta alles accepteren akkoord weigeren
instellingen i'm load externen externe inhalt inhalte
""".split())
# The containers looked at around one button, and the buttons looked at in a page.
_MAX_CLIMB = 14
_MAX_BUTTONS = 60
_NEVER = frozenset({"html", "body", "article", "main"})
_PARAGRAPHS = ("p", "li", "blockquote", "dd", "td", "h1", "h2", "h3", "h4", "h5", "h6")
# (str.translate with a table is slow on long texts; replace() is not)
_PLAIN = (("\u2019", "'"), ("\u2018", "'"), ("\u201c", '"'), ("\u201d", '"'), ("\u201e", '"'),
          ("\u00a0", " "), ("\u2010", "-"), ("\u2011", "-"))


# A consent notice names what it is about with one of these; a text without
# any of them is not looked at further (the phrase search costs far more).
_STEMS = (
    "cookie", "consent", "privacy", "partner", "vendor", "personal", "legitimate", "device",
    "permission", "datenschutz", "einwillig", "zustimm", "akzeptier", "ablehn", "extern", "personenbezogen",
    "confidentialit", "consentement",
    "accepter", "privacidad", "aceptar", "accett", "privacybeleid", "accepteren",
)
_MAX_NOTICE = 8_000  # characters: a button's notice is never longer


def _normal(text: str) -> str:
    if not text.isascii():
        for fancy, plain in _PLAIN:
            if fancy in text:
                text = text.replace(fancy, plain)
    return " ".join(text.lower().split())


def _count(text: str, gate: bool = True) -> int:
    """Distinct consent phrases in a normalised text (none without a word of _STEMS, with ``gate``)."""
    if gate and not any(stem in text for stem in _STEMS):
        return 0
    return sum(
        1 for words, pattern in _PHRASES
        if any(word in text for word in words) and pattern.search(text) is not None
    )


def phrases(text: str) -> int:
    """How many distinct consent phrases ``text`` holds (for short texts: labels, headings)."""
    return _count(_normal(text), gate=False)


def _dense(text: str, found: int) -> bool:
    """Consent phrases make up the text: at least two, and at most ~320 characters each."""
    return found >= 2 and len(text) <= 320 * found


def is_consent_text(text: str) -> bool:
    """Whether ``text`` reads as a consent notice (and nothing else)."""
    text = _normal(text)
    return len(text) <= 320 * len(_PHRASES) and _dense(text, _count(text))


def is_consent_button(label: str) -> bool:
    """Whether ``label`` is the whole label of a consent button ("Accept all", "Alle akzeptieren"…)."""
    label = _normal(label).strip(_STRIP)
    return len(label) <= _BUTTON_MAX and _BUTTON.fullmatch(label) is not None


def _text(el) -> str:
    return _normal(el.text_content())


def _foreign_paragraph(el) -> bool:
    """A paragraph in ``el`` that has nothing to do with consent."""
    for p in el.iter(_PARAGRAPHS):
        text = _text(p)
        if len(text) >= 120 and not _count(text):
            return True
    return False


def _consent_container(el, text: str | None = None) -> bool:
    if text is None:
        text = _text(el)
    return is_consent_text(text) and not _foreign_paragraph(el)


def _holds_article(el) -> bool:
    return any(True for _ in el.iterdescendants("article", "main"))


def _named(el) -> int:
    """2: a consent platform's name, 1: a generic consent word, 0: neither."""
    names = f"{el.get('class') or ''} {el.get('id') or ''}".lower().split()
    if any(_PLATFORM.match(name) for name in names):
        return 2
    for name in names:
        for word in _SPLIT.split(name):
            if word in _GENERIC or word.startswith(_GENERIC_START):
                return 1
    return 0


def _label(el) -> str:
    if el.tag == "input":
        return el.get("value") or el.get("aria-label") or ""
    text = el.text_content()
    if not text.strip():
        text = el.get("aria-label") or el.get("title") or ""
    return text


def _scan(root) -> tuple[list, list, list]:
    """Elements with consent names, dialogs, and consent buttons, in page order."""
    named, dialogs, buttons = [], [], []
    for el in root.iter(*_CONTAINER_TAGS):
        cls, ident = el.get("class"), el.get("id")
        if cls is not None or ident is not None:
            names = f"{cls} {ident}".lower()
            for hint in _NAME_HINTS:
                if hint in names:
                    named.append(el)
                    break
        if el.tag == "dialog" or el.get("role") in _DIALOG_ROLES or el.get("aria-modal") == "true":
            dialogs.append(el)
    for el in root.iter(*_BUTTON_TAGS):
        tag = el.tag
        if tag in ("span", "div") and el.get("role") != "button":
            continue
        if tag == "input" and (el.get("type") or "").lower() not in ("button", "submit"):
            continue
        label = _label(el)
        if len(label) > 4 * _BUTTON_MAX:
            continue
        label = _normal(label).strip(_STRIP)
        if label.split(" ", 1)[0] in _BUTTON_FIRST and is_consent_button(label):
            buttons.append(el)
    return named, dialogs, buttons


def remove_consent(root) -> int:
    """Take consent dialogs and cookie banners out of the page ``root`` (in place).

    Returns how many elements were removed.
    """
    if root.find("body") is None:
        return 0
    doomed: list = []

    def inside_doomed(el) -> bool:
        return any(a in doomed for a in el.iterancestors())

    named, dialogs, buttons = _scan(root)
    # by name
    for el in named:
        if el.tag in _NEVER or not isinstance(el.tag, str) or inside_doomed(el):
            continue
        kind = _named(el)
        if not kind or _holds_article(el):
            continue
        if kind == 1:
            # a generic word: the text has to say so
            text = _text(el)
            if not _consent_container(el, text) and not (
                len(text) <= 300 and _count(text) and not _foreign_paragraph(el)
            ):
                continue
        doomed.append(el)

    # dialogs
    for el in dialogs:
        if el.tag in _NEVER or el in doomed or inside_doomed(el) or _holds_article(el):
            continue
        if _consent_container(el):
            doomed.append(el)

    # from buttons up
    looked = 0
    too_long: set = set()  # ancestors longer than any notice (removing notices only shortens them)
    for button in buttons:
        if looked >= _MAX_BUTTONS:
            break
        if button in doomed or inside_doomed(button):
            continue
        looked += 1
        best = None
        el = button.getparent()
        for _ in range(_MAX_CLIMB):
            if el is None or el.tag in _NEVER or el in doomed or el in too_long:
                break
            text = _text(el)
            if len(text) > _MAX_NOTICE:
                too_long.add(el)
                break
            if _holds_article(el):
                break
            if _consent_container(el, text):
                best = el
            elif best is not None:
                break  # the next ancestor holds more than the notice
            elif len(text) >= 200 and not any(stem in text for stem in _STEMS):
                break  # text about something else
            el = el.getparent()
        if best is not None and not inside_doomed(best):
            doomed[:] = [d for d in doomed if best not in d.iterancestors()]
            doomed.append(best)

    removed = 0
    for el in doomed:
        if el.getparent() is not None:
            el.drop_tree()
            removed += 1
    return removed


def is_consent_notice(text: str) -> bool:
    """A short notice in which the site asks for consent ("We use cookies… By continuing…")."""
    text = _normal(text)
    return len(text) <= 600 and _NOTICE.search(text) is not None and _dense(text, _count(text))


def consent_only(texts: list[str]) -> bool:
    """Whether the block texts an extractor kept are nothing but a consent notice.

    The notice speaks to the reader ("we and our partners…", "by clicking…"),
    consent phrases make up the text, and no longer paragraph is about
    anything else.
    """
    texts = [_normal(t) for t in texts]
    joined = " ".join(t for t in texts if t)
    if not joined or len(joined) > 12_000 or not _NOTICE.search(joined):
        return False
    if not _dense(joined, _count(joined)):
        return False
    return not any(len(t) >= 120 and not _count(t) for t in texts)


__all__ = [
    "consent_only", "is_consent_button", "is_consent_notice", "is_consent_text", "phrases", "remove_consent",
]
