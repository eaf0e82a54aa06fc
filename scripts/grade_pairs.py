#!/usr/bin/env python3
"""Builds the labelled pairs that `examples/calibrate --pairs` grades: (as cited, now) page pairs
made from real corpus articles, one pair per kind of change a standards desk needs named.

    python3 -m venv target/refvenv && target/refvenv/bin/pip install lxml
    target/refvenv/bin/python scripts/grade_pairs.py --corpus ../shared/corpus --out target/grade-pairs

For each article of `../shared/corpus/` whose article container holds at least five paragraphs of
twenty words (up to --pages of them, both corpora, in corpus order), the "as cited" page is the
page itself with a dateline line added at the top of the article, and the "now" pages are:

- unchanged: the same page, served again with another cache-busting script and comment;
- cosmetic: the article's typography changed (straight to typographic quotes, doubled spaces, a
  non-breaking space), and the teaser list beside it changed;
- dateline-only: the dateline line refreshed ("Updated ... 18:45"), nothing else;
- headline: the `<h1>` rewritten;
- edited: one paragraph rewritten (its second half replaced) and a sentence added to another;
- appended: four paragraphs of an update added after the article;
- correction: a correction notice added at the end of the article;
- paywalled: the article cut to its first paragraph and a subscription wall;
- replaced: the article replaced by another corpus article's paragraphs;
- soft-404: the article replaced by a not-found notice in the same chrome (title unchanged).

For the last three, every other long block of text left on the page (the article's lists,
captions and other containers) is removed too, as the site's new page would not have them.

Texts added (datelines, updates, corrections, walls, notices) are written in the page's language
for English, German, French and Spanish pages, in English otherwise. `pairs.json` lists
{"kind", "old", "new", "source", "lang"} per pair.
"""

import argparse
import json
import os
import random
import re
import sys

import lxml.html

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_pages import alternate_corpora, corpus_pages, drop_long_blocks, main_container, page_lang, words  # noqa: E402

TEXTS = {
    "en": {
        "published": "Published November 1, 2026 at 10:02 a.m. ET",
        "updated": "Updated November 2, 2026 at 6:45 p.m. ET",
        "update": [
            "Update, 6:45 p.m.: Officials confirmed the figures in a second statement on Tuesday evening, adding that a full report would follow within a week.",
            "The ministry said it had contacted every agency named in the earlier report and that their responses would be published alongside the final figures.",
            "Opposition members called for a hearing before the end of the month and asked for the underlying data to be released to the committee in full.",
            "A spokesperson declined to say whether the timetable announced last week would change as a result of the new figures.",
        ],
        "correction": "Correction, Nov. 2, 2026: An earlier version of this article misstated the date of the vote. It took place on Tuesday, not Monday.",
        "wall": "Subscribe to continue reading. Already a subscriber? Log in to read the full article.",
        "notfound": ("Page not found", "Sorry, we couldn't find the page you were looking for. It may have been moved or deleted."),
        "added": "Officials added on Tuesday that the plan had been revised twice since spring.",
        "rewrite": "a spokesperson later said that the original figures had been overstated and would be revised before the final report was sent to parliament",
    },
    "de": {
        "published": "Veröffentlicht am 1. November 2026, 10:02 Uhr",
        "updated": "Aktualisiert am 2. November 2026, 18:45 Uhr",
        "update": [
            "Update, 18:45 Uhr: Die Behörden bestätigten die Zahlen am Dienstagabend in einer zweiten Mitteilung und kündigten einen vollständigen Bericht innerhalb einer Woche an.",
            "Das Ministerium erklärte, es habe alle im früheren Bericht genannten Stellen kontaktiert; ihre Antworten sollen zusammen mit den endgültigen Zahlen veröffentlicht werden.",
            "Abgeordnete der Opposition forderten eine Anhörung noch vor Monatsende und verlangten, dass die zugrunde liegenden Daten dem Ausschuss vollständig vorgelegt werden.",
            "Eine Sprecherin wollte nicht sagen, ob sich der in der vergangenen Woche angekündigte Zeitplan durch die neuen Zahlen ändern werde.",
        ],
        "correction": "Korrektur, 2. November 2026: In einer früheren Version dieses Artikels war das Datum der Abstimmung falsch angegeben. Sie fand am Dienstag statt, nicht am Montag.",
        "wall": "Jetzt abonnieren und weiterlesen. Sie sind bereits Abonnent? Hier anmelden, um den ganzen Artikel zu lesen.",
        "notfound": ("Seite nicht gefunden", "Die von Ihnen gesuchte Seite existiert leider nicht mehr oder wurde verschoben."),
        "added": "Die Behörden ergänzten am Dienstag, der Plan sei seit dem Frühjahr zweimal überarbeitet worden.",
        "rewrite": "erklärte ein Sprecher später, die ursprünglichen Zahlen seien zu hoch angesetzt gewesen und würden vor dem Abschlussbericht korrigiert",
    },
    "fr": {
        "published": "Publié le 1er novembre 2026 à 10h02",
        "updated": "Mis à jour le 2 novembre 2026 à 18h45",
        "update": [
            "Mise à jour, 18h45 : les autorités ont confirmé les chiffres mardi soir dans un second communiqué et annoncé un rapport complet d'ici une semaine.",
            "Le ministère a indiqué avoir contacté toutes les agences citées dans le rapport précédent et publiera leurs réponses avec les chiffres définitifs.",
            "Des élus de l'opposition ont demandé une audition avant la fin du mois et la transmission intégrale des données à la commission.",
            "Une porte-parole n'a pas voulu dire si le calendrier annoncé la semaine dernière serait modifié en raison des nouveaux chiffres.",
        ],
        "correction": "Rectificatif, 2 novembre 2026 : une version précédente de cet article indiquait une date erronée pour le vote. Il a eu lieu mardi, et non lundi.",
        "wall": "Abonnez-vous pour lire la suite. Déjà abonné ? Connectez-vous pour lire l'article en entier.",
        "notfound": ("Page introuvable", "Désolé, la page que vous recherchez n'existe pas ou a été déplacée."),
        "added": "Les autorités ont ajouté mardi que le plan avait été révisé deux fois depuis le printemps.",
        "rewrite": "un porte-parole a ensuite déclaré que les chiffres initiaux avaient été surestimés et seraient corrigés avant le rapport final",
    },
    "es": {
        "published": "Publicado el 1 de noviembre de 2026 a las 10:02",
        "updated": "Actualizado el 2 de noviembre de 2026 a las 18:45",
        "update": [
            "Actualización, 18:45: las autoridades confirmaron las cifras el martes por la noche en un segundo comunicado y anunciaron un informe completo en una semana.",
            "El ministerio dijo que había contactado con todas las agencias citadas en el informe anterior y que publicará sus respuestas junto con las cifras definitivas.",
            "Diputados de la oposición pidieron una comparecencia antes de fin de mes y que los datos se entreguen íntegros a la comisión.",
            "Una portavoz no quiso decir si el calendario anunciado la semana pasada cambiará a raíz de las nuevas cifras.",
        ],
        "correction": "Corrección, 2 de noviembre de 2026: una versión anterior de este artículo indicaba mal la fecha de la votación. Fue el martes, no el lunes.",
        "wall": "Suscríbete para seguir leyendo. ¿Ya eres suscriptor? Inicia sesión para leer el artículo completo.",
        "notfound": ("Página no encontrada", "Lo sentimos, la página que buscas no existe o ha sido movida."),
        "added": "Las autoridades añadieron el martes que el plan se había revisado dos veces desde la primavera.",
        "rewrite": "un portavoz dijo después que las cifras originales estaban sobrestimadas y se corregirían antes del informe final",
    },
}

KINDS = ["unchanged", "cosmetic", "dateline-only", "headline", "edited", "appended",
         "correction", "paywalled", "replaced", "soft-404"]


def paragraphs(container):
    return [p for p in container if p.tag == "p" and words(p.text_content()) >= 20]


def lang_of(raw):
    """The page's language when added texts exist in it, else English."""
    lang = page_lang(raw)
    return lang if lang in TEXTS else "en"


def el(html):
    return lxml.html.fragment_fromstring(html)


def build(raw, kind, t, other_paragraphs, rng):
    """The "as cited" and "now" pages of `raw` for `kind`, or None."""
    def fresh():
        doc = lxml.html.fromstring(raw)
        c = main_container(doc)
        ps = paragraphs(c) if c is not None else []
        return doc, c, ps

    def serialize(doc):
        return lxml.html.tostring(doc, encoding="unicode", doctype="<!doctype html>")

    def cited(doc, c, ps):
        line = el(f'<p class="dateline">{t["published"]}</p>')
        ps[0].addprevious(line)
        return line

    old_doc, c, ps = fresh()
    if c is None or len(ps) < 5:
        return None
    cited(old_doc, c, ps)
    old = serialize(old_doc)

    doc, c, ps = fresh()
    dateline = cited(doc, c, ps)
    body = doc.find(".//body")
    if kind == "unchanged":
        body.append(el('<script>var served = "2026-11-02T18:45:00Z"; var nonce = "%08x";</script>' % rng.getrandbits(32)))
        body.append(lxml.html.HtmlComment(" served by cache-7 at 18:45 "))
    elif kind == "cosmetic":
        for p in ps[:3]:
            for node in p.iter():
                if node.text:
                    node.text = node.text.replace('"', "“", 1).replace("'", "’").replace(" ", "  ", 1)
                if node.tail:
                    node.tail = node.tail.replace(" ", "\u00a0", 1)
        body.append(el('<aside class="teasers"><ul><li><a href="/x">Markets close higher</a></li>'
                       '<li><a href="/y">Storm warning for the coast</a></li></ul></aside>'))
    elif kind == "dateline-only":
        dateline.text = t["updated"]
    elif kind == "headline":
        h1s = doc.xpath("//h1")
        old_h1s = old_doc.xpath("//h1")
        if not h1s:
            return None
        # The headline rewritten as desks do: same story, new angle.
        h1s[0].text = "Officials revise figures as inquiry widens: " + (h1s[0].text_content().strip()[:60] or "report")
        for child in list(h1s[0]):
            h1s[0].remove(child)
        if not old_h1s:
            return None
    elif kind == "edited":
        p = ps[len(ps) // 2]
        text = p.text_content()
        cut = len(text) // 2
        for child in list(p):
            p.remove(child)
        p.text = text[:cut].rsplit(" ", 1)[0] + " " + t["rewrite"] + "."
        ps[1].append(el(f"<span> {t['added']}</span>"))
    elif kind == "appended":
        anchor = ps[-1]
        for line in reversed(t["update"]):
            anchor.addnext(el(f"<p>{line}</p>"))
    elif kind == "correction":
        ps[-1].addnext(el(f'<p class="correction"><em>{t["correction"]}</em></p>'))
    elif kind == "paywalled":
        for p in ps[1:]:
            p.getparent().remove(p)
        for extra in [x for x in c if x.tag == "p" and x not in ps[:1] and x is not dateline]:
            c.remove(extra)
        wall = el(f'<div class="wall"><p><strong>{t["wall"]}</strong></p></div>')
        ps[0].addnext(wall)
        drop_long_blocks(doc, [ps[0], wall, dateline])
    elif kind == "replaced":
        for p in ps:
            p.getparent().remove(p)
        added = []
        for text in other_paragraphs:
            added.append(el(f"<p>{text}</p>"))
            dateline.addnext(added[-1])
        drop_long_blocks(doc, added + [dateline])
    elif kind == "soft-404":
        for child in list(c):
            c.remove(child)
        heading, text = t["notfound"]
        notice = el(f'<div class="error"><h2>{heading}</h2><p>{text}</p></div>')
        c.append(notice)
        drop_long_blocks(doc, [notice])
        for h1 in doc.xpath("//h1"):
            h1.tag = "div"
    return old, serialize(doc)


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--pages", type=int, default=60)
    a = p.parse_args()
    os.makedirs(os.path.join(a.out, "pages"), exist_ok=True)
    rng = random.Random(14)
    articles = []
    for rel, raw, _url in corpus_pages(a.corpus):
        try:
            doc = lxml.html.fromstring(raw)
        except (ValueError, lxml.etree.ParserError):
            continue
        c = main_container(doc)
        if c is None or len(paragraphs(c)) < 5:
            continue
        articles.append((rel, raw, [x.text_content().strip() for x in paragraphs(c)]))
    # Alternate the two corpora so that both are in the set.
    chosen = alternate_corpora(articles, a.pages)
    pairs = []
    for n, (rel, raw, _) in enumerate(chosen):
        t = TEXTS[lang_of(raw)]
        other = chosen[(n + len(chosen) // 2) % len(chosen)][2]
        for kind in KINDS:
            try:
                built = build(raw, kind, t, other, rng)
            except (ValueError, lxml.etree.ParserError, AttributeError):
                built = None
            if built is None:
                continue
            old, new = built
            stem = f"{n:03}-{kind}"
            for side, html in (("old", old), ("new", new)):
                with open(os.path.join(a.out, "pages", f"{stem}-{side}.html"), "w", encoding="utf-8") as f:
                    f.write(html)
            pairs.append(dict(kind=kind, old=f"pages/{stem}-old.html", new=f"pages/{stem}-new.html",
                              source=rel, lang=lang_of(raw)))
    json.dump(pairs, open(os.path.join(a.out, "pairs.json"), "w"), indent=1)
    counts = {k: sum(1 for x in pairs if x["kind"] == k) for k in KINDS}
    print(f"{len(pairs)} pairs from {len(chosen)} articles: {counts}", file=sys.stderr)


if __name__ == "__main__":
    main()
