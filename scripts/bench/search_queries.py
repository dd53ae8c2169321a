"""Writes random Vietnamese search queries, one per line, for bench.sh's search workload.

    python3 search_queries.py BASE_URL COUNT > queries.txt

The queries are what readers type, drawn from the titles and summaries of the site's own
articles (read from BASE_URL's public API), with a fixed random seed so that the same content
gives the same queries:
  - 1 to 4 consecutive words of a title, half of them typed without diacritics;
  - the same from a summary;
  - a quoted phrase of 2 or 3 words of a title;
  - abbreviations readers use (mttq, ubnd, tp.hcm, ...), alone or with a word;
  - a word of a title with one typo (a letter dropped, doubled or swapped), which finds little
    or nothing and so also costs the did-you-mean look-up.
Every query is different, so with the cache on each is a miss the first time it is asked.
"""
import json
import random
import sys
import unicodedata
import urllib.request

base, count = sys.argv[1], int(sys.argv[2])
rng = random.Random(20261207)


def get(path):
    with urllib.request.urlopen(base + path, timeout=30) as r:
        return json.load(r)


first = get("/api/v1/articles?per_page=100")
pages = max(1, (first["meta"]["pagination"]["total"] + 99) // 100)
texts = []
for page in rng.sample(range(1, pages + 1), min(pages, 30)):
    for a in get(f"/api/v1/articles?per_page=100&page={page}")["data"]:
        texts.append((a["title"], a.get("summary") or ""))


def words(text):
    out = []
    for w in text.split():
        w = w.strip(".,:;!?\"'()[]“”‘’…–-")
        if w:
            out.append(w)
    return out


def plain(text):
    """The text as typed without diacritics (đ → d)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")


def span(ws, n):
    i = rng.randrange(0, max(1, len(ws) - n + 1))
    return " ".join(ws[i : i + n])


def typo(w):
    i = rng.randrange(len(w))
    kind = rng.choice("drop double swap".split())
    if kind == "drop" and len(w) > 4:
        return w[:i] + w[i + 1 :]
    if kind == "swap" and i + 1 < len(w):
        return w[:i] + w[i + 1] + w[i] + w[i + 2 :]
    return w[:i] + w[i] + w[i:]


abbreviations = ["mttq", "ubnd", "hđnd", "hdnd", "tp.hcm", "tphcm", "ubmttq", "thpt", "cand", "qđnd", "bch", "btv"]
seen = set()
tries = 0
while len(seen) < count and tries < count * 50:
    tries += 1
    title, summary = rng.choice(texts)
    tw, sw = words(title.lower()), words(summary.lower())
    kind = rng.random()
    if kind < 0.45 and tw:
        q = span(tw, rng.choice([1, 2, 2, 3, 3, 4]))
    elif kind < 0.65 and sw:
        q = span(sw, rng.choice([1, 2, 3]))
    elif kind < 0.75 and len(tw) >= 3:
        q = '"' + span(tw, rng.choice([2, 3])) + '"'
    elif kind < 0.85:
        q = rng.choice(abbreviations)
        if rng.random() < 0.7 and tw:
            q += " " + span(tw, 1)
    else:
        long_words = [w for w in tw if len(w) >= 5]
        if not long_words:
            continue
        q = typo(rng.choice(long_words))
        if rng.random() < 0.5 and tw:
            q = span(tw, 1) + " " + q
    if rng.random() < 0.5:
        q = plain(q)
    q = q.strip()
    if len(q) >= 2 and q not in seen:
        seen.add(q)
        print(q)
