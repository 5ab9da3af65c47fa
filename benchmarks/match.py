"""Matching throughput with many watch terms: 5,000 keywords over 5,000 posts.

    .venv/bin/python benchmarks/match.py [--keywords 5000] [--posts 5000]

Prints posts/s of monitor's Matcher (one Aho-Corasick automaton over word classes,
inflection-aware) beside the loop peer bots use (one compiled regex per keyword,
searched in every post), measured in the same run on the same posts. Target: at least
10x faster. Also prints how the Matcher's cost per post changes from 50 to 5,000
keywords (it should not grow with the number of terms), and the time one long post takes
(«Суджа обстрел » repeated to 100 and 400 KB), read whole and with the default bound on
what matching reads (``[matching] max_chars``).
"""

from __future__ import annotations

import argparse
import random
import re
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import make_texts  # noqa: E402

from monitor.config import Watchlist  # noqa: E402
from monitor.matching import Matcher  # noqa: E402


def keywords(count: int, seed: int = 3) -> list[str]:
    """Real words: lemmas from the Russian and Ukrainian dictionaries, some two-word phrases."""
    import pymorphy3

    rnd = random.Random(seed)
    words: list[str] = []
    seen: set[str] = set()
    for lang in ("ru", "uk"):
        morph = pymorphy3.MorphAnalyzer(lang=lang)
        for word, _tag, normal, *_ in morph.iter_known_word_parses():
            if normal == word and word.isalpha() and len(word) > 4 and word not in seen:
                seen.add(word)
                words.append(word)
            if len(words) >= count * (1 if lang == "ru" else 2):
                break
    rnd.shuffle(words)
    out = words[: int(count * 0.9)]
    while len(out) < count:
        out.append(f"{rnd.choice(words)} {rnd.choice(words)}")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--keywords", type=int, default=5000)
    parser.add_argument("--posts", type=int, default=5000)
    args = parser.parse_args()
    posts = [text for _, text in make_texts(args.posts, seed=5)]
    # some of the posts' own words, so that there are hits; the rest from the dictionaries
    own = ["тревога", "беспилотник", "эвакуация", "укрытие", "обстрел", "сквер", "доллар", "техника", "вибух",
           "безпілотник", "бібліотека", "мешканець", "drone", "shelter", "bridge", "residents", "shelling"]
    terms = own + keywords(args.keywords - len(own))
    watchlists = [Watchlist(name=f"w{i}", keywords=tuple(terms[i::50])) for i in range(50)]

    started = time.perf_counter()
    matcher = Matcher(watchlists)
    built = time.perf_counter() - started
    for text in posts[:200]:  # warm the per-token cache as a running daemon has it
        matcher.match(text, lang="ru")
    started = time.perf_counter()
    ours_hits = sum(len(matcher.match(text, lang="ru").keywords) for text in posts)
    ours = len(posts) / (time.perf_counter() - started)

    patterns = [re.compile(r"\b" + re.escape(k) + r"\b", re.IGNORECASE) for k in terms]
    started = time.perf_counter()
    regex_hits = sum(1 for text in posts for p in patterns if p.search(text))
    regex = len(posts) / (time.perf_counter() - started)

    small = Matcher([Watchlist(name="w", keywords=tuple(terms[:50]))])
    for text in posts[:200]:
        small.match(text, lang="ru")
    started = time.perf_counter()
    for text in posts:
        small.match(text, lang="ru")
    small_rate = len(posts) / (time.perf_counter() - started)

    print(f"keywords: {len(terms)} in 50 watchlists; posts: {len(posts)}; gazetteer regions and places included")
    print(f"monitor Matcher:         {ours:,.0f} posts/s ({ours_hits} keyword hits, inflections included; built in {built:.1f} s)")
    print(f"regex per keyword loop:  {regex:,.0f} posts/s ({regex_hits} hits, exact forms only)")
    print(f"speed-up:                {ours / regex:.1f}x (target >= 10x)")
    print(f"Matcher with 50 keywords: {small_rate:,.0f} posts/s (cost per post does not grow with the terms)")
    long_posts(watchlists)


def long_posts(watchlists) -> None:
    """One long post: the time grows with its length (not its square); the bound caps it."""
    try:
        whole = Matcher(watchlists[:1], max_chars=100_000_000)
        bounded = Matcher(watchlists[:1])
    except TypeError:  # a Matcher without the bound reads every post whole
        whole = bounded = Matcher(watchlists[:1])
    whole.match("Суджа обстрел", lang="ru")
    for size in (100_000, 400_000):
        text = ("Суджа обстрел " * (size // 14 + 1))[:size]
        for name, matcher in (("whole", whole), ("bounded", bounded)):
            started = time.perf_counter()
            matcher.match(text, lang="ru")
            print(f"one post of {size // 1000} KB, read {name}: {time.perf_counter() - started:.2f} s")


if __name__ == "__main__":
    main()
