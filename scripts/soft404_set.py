#!/usr/bin/env python3
"""Builds the labelled soft-404 set that `examples/calibrate --soft404` measures.

    python3 -m venv target/refvenv && target/refvenv/bin/pip install lxml
    target/refvenv/bin/python scripts/soft404_set.py --corpus ../shared/corpus --out target/soft404-set

Positives are not-found pages built from what real software ships, never from provcheck's own
cue lists:

- the not-found texts (title, heading, body) of CMSs, site generators, themes and servers, in
  every language their packages carry: Docusaurus, Starlight, Apache httpd, DokuWiki, Django
  (admin and core), WordPress core (its 404 title), Wagtail, MkDocs Material, Sphinx's notfound
  page, Werkzeug/Flask, Nuxt, VitePress, VuePress, Gatsby, Next.js, HTML5 Boilerplate and Start
  Bootstrap. The packages are downloaded from the registries (npm, PyPI, Debian) into a cache;
- each placed in a page of its package's own kind ("package" pages), and in the real chrome of
  a corpus site in its language: one page per site of `../shared/corpus/`, its article replaced
  by the not-found block, its title in one of three forms (the not-found title with the site's
  name; the site's name alone; the site's name alone and no `<h1>`) ("chrome" pages).

Negatives are every real page of the corpus as it is (readability-pages and trafilatura-eval).
`labels.json` lists every page with its label, template, source and language.
"""

import argparse
import gettext
import glob
import json
import os
import random
import re
import subprocess
import sys
from dataclasses import dataclass, asdict
from urllib.parse import urlparse

import lxml.html

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from corpus_pages import corpus_pages, drop_long_blocks, main_container, page_lang  # noqa: E402

NPM = [
    "@docusaurus/theme-translations@3.10.2",
    "@astrojs/starlight@0.42.4",
    "html5-boilerplate@9.0.1",
    "startbootstrap-sb-admin-2@4.1.4",
    "vitepress@1.6.4",
    "@vuepress/theme-default@1.9.10",
    "gatsby-starter-default@1.0.0",
    "@nuxt/ui-templates@1.3.4",
]
PYPI = [
    "django==5.2.19",
    "wagtail==8.0.1",
    "mkdocs-material==9.8.2",
    "sphinx-notfound-page==1.1.0",
    "werkzeug==3.1.9",
]
DEBIAN = ["apache2-data", "dokuwiki", "wordpress-l10n"]

# The languages the issue names first; other languages a package carries come after them.
FIRST_LANGUAGES = ["en", "de", "fr", "es", "pt", "it", "nl", "pl"]


@dataclass
class NotFound:
    source: str
    lang: str
    title: str
    heading: str
    body: str


def run(cmd, cwd):
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL)


def fetch(cache):
    """Downloads and unpacks the packages once."""
    done = os.path.join(cache, ".done")
    if os.path.exists(done):
        return
    for sub in ("npm", "pypi", "deb", "x"):
        os.makedirs(os.path.join(cache, sub), exist_ok=True)
    run(["npm", "pack", "--silent", *NPM], os.path.join(cache, "npm"))
    run([sys.executable, "-m", "pip", "download", "--no-deps", "-q", *PYPI], os.path.join(cache, "pypi"))
    run(["apt-get", "download", *DEBIAN], os.path.join(cache, "deb"))
    x = os.path.join(cache, "x")
    for f in glob.glob(os.path.join(cache, "npm", "*.tgz")):
        d = os.path.join(x, "npm-" + os.path.basename(f)[:-4])
        os.makedirs(d, exist_ok=True)
        run(["tar", "xzf", f, "-C", d], x)
    for f in glob.glob(os.path.join(cache, "pypi", "*.whl")):
        d = os.path.join(x, "py-" + os.path.basename(f).split("-")[0].lower())
        os.makedirs(d, exist_ok=True)
        run(["python3", "-m", "zipfile", "-e", f, d], x)
    for f in glob.glob(os.path.join(cache, "deb", "*.deb")):
        d = os.path.join(x, "deb-" + os.path.basename(f).split("_")[0])
        run(["dpkg-deb", "-x", f, d], x)
    open(done, "w").close()


def one(pattern):
    found = sorted(glob.glob(pattern, recursive=True))
    if not found:
        raise SystemExit(f"not in the downloaded packages: {pattern}")
    return found[0]


def base_lang(code):
    code = code.replace("_", "-").lower()
    if code in ("base",):
        return "en"
    return code.split("-")[0]


def strip_tags(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def docusaurus(x):
    out = []
    for f in sorted(glob.glob(f"{x}/npm-docusaurus-theme-translations*/package/locales/*/theme-common.json")):
        d = json.load(open(f, encoding="utf-8"))
        if "theme.NotFound.title" not in d:
            continue
        lang = base_lang(os.path.basename(os.path.dirname(f)))
        out.append(NotFound("docusaurus", lang, d["theme.NotFound.title"], d["theme.NotFound.title"],
                            d.get("theme.NotFound.p1", "") + " " + d.get("theme.NotFound.p2", "")))
    return out


def starlight(x):
    out = []
    for f in sorted(glob.glob(f"{x}/npm-astrojs-starlight*/package/dist/translations/*.js")):
        m = re.search(r'"404\.text":\s*"((?:[^"\\]|\\.)*)"', open(f, encoding="utf-8").read())
        if m:
            text = json.loads('"' + m.group(1) + '"')
            out.append(NotFound("starlight", base_lang(os.path.basename(f)[:-3]), "404", "404", text))
    return out


def apache(x):
    var = open(one(f"{x}/deb-apache2-data/usr/share/apache2/error/HTTP_NOT_FOUND.html.var"), encoding="utf-8").read()
    out = []
    for m in re.finditer(r"Body:----------([\w-]+)--\n(.*?)----------\1--", var, re.S):
        lang, body = m.group(1), m.group(2)
        title = re.search(r'var="TITLE" value="([^"]+)"', body)
        # The first paragraph, as a visitor without a referrer sees it.
        text = re.sub(r"<!--#if.*?<!--#else -->", " ", body, flags=re.S)
        text = strip_tags(re.sub(r"<!--.*?-->", " ", text, flags=re.S))
        # Apache 2.4 ships its 405 text ("Método não permitido!") in the Portuguese slot of the
        # 404 page: nothing in it says "not found", so it is left out.
        if title and "permitido" not in title.group(1):
            out.append(NotFound("apache", base_lang(lang), title.group(1), title.group(1), text))
    return out


def dokuwiki(x):
    out = []
    for f in sorted(glob.glob(f"{x}/deb-dokuwiki/usr/share/dokuwiki/inc/lang/*/newpage.txt")):
        text = open(f, encoding="utf-8", errors="replace").read()
        m = re.search(r"=+\s*(.+?)\s*=+", text)
        if not m:
            continue
        body = re.sub(r"\*\*|//", "", text[m.end():]).strip()
        out.append(NotFound("dokuwiki", base_lang(os.path.basename(os.path.dirname(f))), m.group(1), m.group(1), body))
    return out


def mo_pairs(pattern, source, title_id, body_id, heading_id=None):
    out = []
    for f in sorted(glob.glob(pattern)):
        try:
            catalog = gettext.GNUTranslations(open(f, "rb"))._catalog
        except Exception:
            continue
        title = catalog.get(title_id)
        body = catalog.get(body_id) if body_id else None
        if not title or (body_id and not body):
            continue
        lang = base_lang(re.search(r"/locale/([^/]+)/", f).group(1))
        heading = catalog.get(heading_id, title) if heading_id else title
        out.append(NotFound(source, lang, title, heading, body or ""))
    return out


def django(x):
    admin = mo_pairs(f"{x}/py-django/django/contrib/admin/locale/*/LC_MESSAGES/django.mo", "django-admin",
                     "Page not found", "We’re sorry, but the requested page could not be found.")
    core = mo_pairs(f"{x}/py-django/django/conf/locale/*/LC_MESSAGES/django.mo", "django",
                    "Not Found", "The requested resource was not found on this server.")
    english = [NotFound("django-admin", "en", "Page not found", "Page not found",
                        "We’re sorry, but the requested page could not be found."),
               NotFound("django", "en", "Not Found", "Not Found",
                        "The requested resource was not found on this server.")]
    return admin + core + english


def wordpress(x):
    """WordPress core translates only the title of a 404 page; the heading is the theme's."""
    out = []
    for f in sorted(glob.glob(f"{x}/deb-wordpress-l10n/usr/share/wordpress/wp-content/languages/*.mo")):
        name = os.path.basename(f)[:-3]
        if name.startswith(("admin", "continents")):
            continue
        catalog = gettext.GNUTranslations(open(f, "rb"))._catalog
        title = catalog.get("Page not found")
        if title:
            out.append(NotFound("wordpress-core", base_lang(name), title, "", ""))
    out.append(NotFound("wordpress-core", "en", "Page not found", "", ""))
    return out


def english(x):
    """Packages that ship their not-found page in English only."""
    out = [
        NotFound("wagtail", "en", "Page not found", "Page not found", "Sorry, this page could not be found."),
        NotFound("mkdocs-material", "en", "404 - Not found", "404 - Not found", ""),
        NotFound("sphinx-notfound-page", "en", "Page not found", "Page not found",
                 "Unfortunately we couldn't find the content you were looking for."),
        NotFound("gatsby", "en", "404: Not Found", "NOT FOUND", "You just hit a route that doesn't exist... the sadness."),
        NotFound("nextjs", "en", "404: This page could not be found.", "404", "This page could not be found."),
        NotFound("nuxt", "en", "404 | Page not found", "404", "Sorry, the page you are looking for could not be found."),
    ]
    werkzeug = open(one(f"{x}/py-werkzeug/werkzeug/exceptions.py"), encoding="utf-8").read()
    m = re.search(r"class NotFound\(.*?description = \(\s*(.*?)\)", werkzeug, re.S)
    text = "".join(re.findall(r'"([^"]*)"', m.group(1)))
    out.append(NotFound("werkzeug", "en", "404 Not Found", "Not Found", text))
    vitepress = open(one(f"{x}/npm-vitepress*/package/dist/client/theme-default/NotFound.vue"), encoding="utf-8").read()
    quote = re.search(r"quote \?\? '([^']+)'", vitepress) or re.search(r"'(But if you don[^']+)'", vitepress)
    out.append(NotFound("vitepress", "en", "404 | VitePress", "PAGE NOT FOUND",
                        quote.group(1) if quote else ""))
    vuepress = open(one(f"{x}/npm-vuepress-theme-default*/package/layouts/404.vue"), encoding="utf-8").read()
    msgs = re.findall(r"`([^`]+)`|'([^']+)'", vuepress[vuepress.index("msgs"):vuepress.index("]", vuepress.index("msgs"))])
    for i, (a, b) in enumerate(msgs):
        out.append(NotFound(f"vuepress-{i}", "en", "VuePress", "404", a or b))
    return out


def native_pages(x):
    """Packages that ship a whole not-found HTML page: used as they are."""
    pages = []
    for source, pattern in [
        ("html5-boilerplate", f"{x}/npm-html5-boilerplate*/package/dist/404.html"),
        ("sb-admin-2", f"{x}/npm-startbootstrap-sb-admin-2*/package/404.html"),
    ]:
        pages.append((source, "en", open(one(pattern), encoding="utf-8").read()))
    return pages


def package_page(nf, i):
    """A not-found text in a plain page of its package's kind."""
    title = f"{nf.title} | Example" if nf.title else "Example"
    heading = f"<h1>{nf.heading}</h1>" if nf.heading else ""
    body = f"<p>{nf.body}</p>" if nf.body else ""
    return (f'<!doctype html><html lang="{nf.lang}"><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><header><a href="/">Example</a><nav><a href="/docs/">Docs</a> <a href="/blog/">Blog</a></nav>'
            f'</header><main>{heading}{body}<p><a href="/">Home</a></p></main>'
            f'<footer>Copyright © {2020 + i % 6} Example</footer></body></html>')


SEPARATORS = re.compile(r"\s+[|–—\-:·»]\s+")


def site_name(doc, host):
    og = doc.xpath('//meta[@property="og:site_name"]/@content')
    if og and og[0].strip():
        return og[0].strip()
    title = doc.findtext(".//title") or ""
    parts = [p.strip() for p in SEPARATORS.split(title) if p.strip()]
    if len(parts) > 1:
        return min((parts[0], parts[-1]), key=len)
    return host


def chrome_page(raw, url, nf, variant):
    """The page's chrome around `nf` in place of its article; `variant` 0: not-found title with
    the site's name, 1: the site's name alone, 2: the site's name alone and no <h1>."""
    try:
        doc = lxml.html.fromstring(raw)
    except (ValueError, lxml.etree.ParserError):
        return None
    host = urlparse(url).hostname or "example"
    site = site_name(doc, host)
    container = main_container(doc)
    if container is None or container.getparent() is None:
        return None
    for h1 in doc.xpath("//h1"):
        h1.tag = "div"
    for child in list(container):
        container.remove(child)
    container.text = None
    tag = "h2" if variant == 2 else "h1"
    block = f"<div class=\"not-found\">{f'<{tag}>{nf.heading or nf.title}</{tag}>'}"
    if nf.body:
        block += f"<p>{nf.body}</p>"
    block += '<form role="search" action="/search"><input name="q" placeholder="Search"></form></div>'
    not_found = lxml.html.fragment_fromstring(block)
    container.append(not_found)
    drop_long_blocks(doc, [not_found])
    title = doc.find(".//title")
    if title is None:
        head = doc.find(".//head")
        if head is None:
            return None
        title = lxml.html.Element("title")
        head.insert(0, title)
    title.text = f"{nf.title} – {site}" if variant == 0 else site
    for meta in doc.xpath('//meta[@property="og:title" or @name="twitter:title" or @property="twitter:title"]'):
        meta.set("content", site)
    for meta in doc.xpath('//meta[@property="og:description" or @name="description"]'):
        meta.getparent().remove(meta)
    return lxml.html.tostring(doc, encoding="unicode", doctype="<!doctype html>")


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--corpus", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--cache", default=None, help="where the packages are downloaded (default OUT/../soft404-src)")
    a = p.parse_args()
    cache = a.cache or os.path.join(os.path.dirname(os.path.abspath(a.out)), "soft404-src")
    fetch(cache)
    x = os.path.join(cache, "x")
    texts = docusaurus(x) + starlight(x) + apache(x) + dokuwiki(x) + django(x) + wordpress(x) + english(x)
    rng = random.Random(14)
    os.makedirs(os.path.join(a.out, "pages"), exist_ok=True)
    labels = []

    def emit(name, html, **label):
        path = os.path.join("pages", name)
        with open(os.path.join(a.out, path), "w", encoding="utf-8") as f:
            f.write(html)
        labels.append(dict(file=path, root="set", label="not-found", **label))

    # Package pages: each source in up to eight languages, the eight first.
    by_source = {}
    for nf in texts:
        by_source.setdefault(nf.source, {}).setdefault(nf.lang, nf)
    n = 0
    for source, langs in sorted(by_source.items()):
        order = [l for l in FIRST_LANGUAGES if l in langs] + sorted(l for l in langs if l not in FIRST_LANGUAGES)
        for lang in order[:8]:
            nf = langs[lang]
            if not nf.heading and not nf.body:
                continue  # a title alone goes into chrome pages, where a site adds the rest
            emit(f"package-{n:04}.html", package_page(nf, n), template=f"package:{nf.source}", source=nf.source, lang=lang)
            n += 1
    for source, lang, html in native_pages(x):
        emit(f"native-{source}.html", html, template=f"package:{source}", source=source, lang=lang)

    # Chrome pages: one page per corpus site, with a not-found text in its language.
    corpus = corpus_pages(a.corpus)
    by_lang = {}
    for nf in texts:
        by_lang.setdefault(nf.lang, []).append(nf)
    seen_hosts = set()
    chrome = 0
    for rel, raw, url in corpus:
        labels.append(dict(file=rel, root="corpus", label="article", template=f"site:{urlparse(url).hostname}",
                           source=rel.split("/")[0], lang=page_lang(raw) or "?"))
        host = urlparse(url).hostname
        if host in seen_hosts:
            continue
        seen_hosts.add(host)
        lang = page_lang(raw)
        pool = by_lang.get(lang) or by_lang["en"]
        nf = rng.choice(pool)
        variant = chrome % 3
        html = chrome_page(raw, url, nf, variant)
        if html is None:
            continue
        emit(f"chrome-{chrome:04}.html", html, template=f"site:{host}", source=f"chrome+{nf.source}",
             lang=nf.lang, variant=["title", "site-title", "no-h1"][variant])
        chrome += 1

    with open(os.path.join(a.out, "labels.json"), "w", encoding="utf-8") as f:
        json.dump(labels, f, indent=1, ensure_ascii=False)
    positives = [l for l in labels if l["label"] == "not-found"]
    print(f"{len(positives)} not-found pages from {len({l['template'] for l in positives})} templates in "
          f"{len({l['lang'] for l in positives})} languages ({n} package, {chrome} chrome); "
          f"{len(labels) - len(positives)} articles; texts from {len(by_source)} sources", file=sys.stderr)


if __name__ == "__main__":
    main()
