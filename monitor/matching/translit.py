"""Latin spellings of Russian and Ukrainian names, as English-language sources write them.

No single system is used in the wild: BGN/PCGN (Nikolayevo-Dar'ino), simplified
(Sudzha, Sudzhansky), French-style (Sudja), Ukraine's national system (Kharkiv,
Chernihiv). ``variants`` gives a small set of spellings (a base system and its
usual deviations), never the full product of every letter's choices.
"""

from __future__ import annotations

import re
import unicodedata

_VOWELS = set("аеёиоуыэюяіїє")
_SOFT_SIGNS = set("ьъ'")

_RU = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "з": "z", "и": "i", "к": "k", "л": "l", "м": "m",
    "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f", "ц": "ts", "ч": "ch",
    "ш": "sh", "щ": "shch", "ы": "y", "э": "e",
}
_UK = {
    "а": "a", "б": "b", "в": "v", "г": "h", "ґ": "g", "д": "d", "е": "e", "з": "z", "и": "y", "і": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u",
    "ф": "f", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "shch",
}

_RU_BASE = {"soft": "", "ye": "ye", "zh": "zh", "kh": "kh", "iy": "iy", "ya": "y"}
_RU_OPTIONS = [
    {},
    {"soft": "y"},
    {"soft": "'"},
    {"ye": "e"},
    {"zh": "j"},
    {"kh": "h"},
    {"iy": "y"},
    {"iy": "i"},
    {"iy": "ii"},
    {"ya": "i"},
    {"ya": "j"},
    {"soft": "y", "iy": "y"},
    {"ye": "e", "iy": "y"},
    {"zh": "j", "kh": "h", "ya": "i"},
]
_UK_BASE = {"ya": "i", "g": "h", "iy": "yi", "zh": "zh"}
_UK_OPTIONS = [{}, {"ya": "y"}, {"g": "g"}, {"iy": "y"}, {"iy": "iy"}, {"zh": "j"}, {"ya": "y", "g": "g", "iy": "y"}]


def _ru_word(word: str, o: dict[str, str]) -> str:
    out = []
    n = len(word)
    for i, c in enumerate(word):
        prev = word[i - 1] if i else ""
        nxt = word[i + 1] if i + 1 < n else ""
        if c in "ьъ'":
            if o["soft"] == "'" and nxt:
                out.append("'")
            elif o["soft"] == "y" and nxt in ("и", "о", "а"):
                out.append("y")
            continue
        if c in "еёяю":
            iotated = i == 0 or prev in _VOWELS or prev in _SOFT_SIGNS
            if c == "ё":
                out.append("e" if o["ye"] == "e" else "yo")
            elif c == "е":
                out.append("ye" if iotated and (o["ye"] == "ye" or i == 0) else "e")
            else:
                out.append(o["ya"] + ("a" if c == "я" else "u"))
            continue
        if c == "ж":
            out.append(o["zh"])
        elif c == "х":
            out.append(o["kh"])
        elif c == "й":
            if i == n - 1 and prev in ("и", "ы"):
                continue  # spelled with the vowel
            out.append({"i": "i", "j": "j"}.get(o["ya"], "y"))
        elif c in ("и", "ы") and nxt == "й" and i + 1 == n - 1:
            out.append(o["iy"] if c == "и" else ("yy" if o["iy"] == "iy" else "y"))
        else:
            out.append(_RU.get(c, c))
    return "".join(out)


def _uk_word(word: str, o: dict[str, str]) -> str:
    out = []
    n = len(word)
    for i, c in enumerate(word):
        nxt = word[i + 1] if i + 1 < n else ""
        initial = i == 0
        if c in "ь'":
            if c == "ь" and nxt == "о":
                out.append(o["ya"])
            continue
        if c in "єюяї":
            base = {"є": "e", "ю": "u", "я": "a", "ї": "i"}[c]
            if c == "ї":
                out.append("yi" if initial or o["ya"] == "y" else "i")
            else:
                out.append(("y" if initial or o["ya"] == "y" else "i") + base)
            continue
        if c == "й":
            if i == n - 1 and word[i - 1 : i] == "и":
                continue
            out.append("y" if initial else "i" if o["ya"] == "i" else "y")
            continue
        if c == "и" and nxt == "й" and i + 1 == n - 1:
            out.append(o["iy"])
            continue
        if c == "г":
            out.append("gh" if word[i - 1 : i] == "з" and o["g"] == "h" else o["g"])
            continue
        if c == "ж":
            out.append(o["zh"])
            continue
        if c == "х":
            out.append("kh")
            continue
        out.append(_UK.get(c, c))
    return "".join(out)


def _phrase(text: str, word_fn, options: dict[str, str]) -> str:
    out, word = [], []
    for c in text.lower():
        if c.isalpha() or c in "'":
            word.append(c)
        else:
            if word:
                out.append(word_fn("".join(word), options))
                word = []
            out.append(c)
    if word:
        out.append(word_fn("".join(word), options))
    return "".join(out)


def variants(name: str, lang: str) -> list[str]:
    """Latin spellings of a Russian (``lang="ru"``) or Ukrainian (``"uk"``) name, lower case."""
    from .normalise import APOSTROPHES

    text = unicodedata.normalize("NFC", name).lower().translate(str.maketrans(APOSTROPHES, "'" * len(APOSTROPHES)))
    if lang == "uk":
        base, options, fn = _UK_BASE, _UK_OPTIONS, _uk_word
    else:
        base, options, fn = _RU_BASE, _RU_OPTIONS, _ru_word
    seen: list[str] = []
    for option in options:
        spelled = _phrase(text, fn, {**base, **option})
        if spelled not in seen and not any("\u0400" <= c <= "\u04ff" for c in spelled):
            seen.append(spelled)
    return seen


# -- Russian forms of Ukrainian names ---------------------------------------------------------------
# A rule-based rendering, for gazetteer entries that have no hand-checked Russian name: Russian news
# writes Ukrainian villages in Russian spelling («Михайлівка» -> «Михайловка», «Веселе» -> «Веселое»).
# Endings first (longest first), then letter by letter; a doubled consonant before a final я is Russian ье
# (Заріччя -> Заречье). Historical vowel changes are offered by ``uk_to_ru_forms``; hand-checked names in the
# curated files take precedence.
_UK_RU_ENDINGS = (
    ("ївка", "евка"), ("івка", "овка"), ("ський", "ский"), ("цький", "цкий"), ("зький", "зский"),
    ("ське", "ское"), ("цьке", "цкое"), ("зьке", "зское"), ("ська", "ская"), ("цька", "цкая"),
    ("ове", "ово"), ("еве", "ево"), ("єве", "ево"), ("ине", "ино"), ("іне", "ино"), ("їне", "ино"),
    ("кий", "кий"), ("гий", "гий"), ("хий", "хий"), ("жий", "жий"), ("ший", "ший"), ("чий", "чий"),
    ("ий", "ый"), ("ій", "ий"), ("іль", "оль"), ("ів", "ов"), ("їв", "ев"),
)
_UK_RU_ADJECTIVE_E = ("не", "ке", "ле", "ре", "те", "де", "ве", "же", "ше", "че", "ще", "зе", "се", "пе", "бе", "ме", "ге")
_UK_RU_LETTERS = {"і": "и", "ї": "и", "є": "е", "ґ": "г", "и": "ы", "'": "ь", "’": "ь", "ʼ": "ь"}
_HUSHING = set("жшчщкгхц")


def _uk_ru_word(word: str) -> str:
    lower = word.lower()
    capital = word[:1].isupper()
    ending = ""
    for uk, ru in _UK_RU_ENDINGS:
        if lower.endswith(uk) and len(lower) > len(uk) + 1:
            lower, ending = lower[: -len(uk)], ru
            break
    else:
        if lower.endswith(_UK_RU_ADJECTIVE_E) and len(lower) > 3:
            lower, ending = lower[:-1], ("ее" if lower[-2] in "жшчщ" else "ое")
        elif len(lower) > 4 and lower[-1] == "я" and lower[-2] == lower[-3] and lower[-2] not in _VOWELS:
            lower, ending = lower[:-2], "ье"  # a doubled consonant: Білопілля -> Белополье, Заріччя -> Заречье
        elif len(lower) > 4 and lower[-1] == "я" and lower[-2] in "'’ʼ":
            lower, ending = lower[:-2], "ье"  # Підгір'я -> Подгорье
    out = []
    for i, c in enumerate(lower):
        prev = lower[i - 1] if i else ""
        if c == "и":
            # Ukrainian и is Russian и inside a word and ы at its end (Суми -> Сумы), after hushing letters и
            out.append("ы" if i == len(lower) - 1 and not ending and prev not in _HUSHING else "и")
        elif c == "о" and prev in ("ь", "'", "’", "ʼ"):
            out[-1] = ""
            out.append("ё")
        elif c == "ї" and prev in ("'", "’", "ʼ"):
            out.append("и")  # the apostrophe already gave ь: Дар'їно -> Дарьино
        elif c == "є" and prev in ("'", "’", "ʼ"):
            out.append("е")
        elif c == "є" and (i == 0 or prev in "аеиоуіїєюя"):
            out.append("е")
        else:
            out.append(_UK_RU_LETTERS.get(c, c))
    text = "".join(out) + ending
    return text[:1].upper() + text[1:] if capital else text


def _uk_ru_adjective(word: str) -> str:
    """The first word of a two-word name is an adjective: Велика -> Великая, Великі -> Великие."""
    if word.endswith("ня") and len(word) > 3:
        return word + "я"  # Верхня -> Верхняя
    if word.endswith("нє") and len(word) > 3:
        return word[:-1] + "ее"  # Верхнє -> Верхнее
    if word.endswith("а") and len(word) > 3:
        return word[:-1] + ("ья" if word.endswith("ча") else "ая")
    if word.endswith("і") and len(word) > 3:
        return word[:-1] + "ие"
    return word


# Russian keeps the old vowel where Ukrainian has і in a closed syllable (Гірка / Горка, Білоусівка /
# Белоусовка, Хотінь / Хотень), writes е for і before ї or є (Андріївка / Андреевка), -ьевка or -иевка
# for -івка after a soft stem (Василівка / Васильевка, Дмитрівка / Дмитриевка), and Никола-, Алекс- for
# Мико-, Олекс- (Миколаївка / Николаевка, Олександрівка / Александровка).
_UK_RU_STARTS = (("Мико", "Нико"), ("мико", "нико"), ("Олекс", "Алекс"), ("олекс", "алекс"))
# Roots of place names whose і has one Russian vowel: the other is never offered («Сінне» is «Сенное», not
# «Сонное»; «Білопілля» is «Белополье»).
_UK_RU_ROOT_VOWELS = {"піл": "о", "біл": "е", "гір": "о", "під": "о", "річ": "е", "ліс": "е", "сін": "е",
                      "кін": "о", "світ": "е", "ріг": "о", "дібр": "о"}
_UK_SOFT_IVKA = ("л", "р")  # after a vowel: Васил-, Григор-, Юр- (not Петр-)


def _uk_ending_length(word: str) -> int:
    """How many final letters of a Ukrainian word ``_uk_ru_word`` rewrites as an ending."""
    lower = word.lower()
    for uk, _ in _UK_RU_ENDINGS:
        if lower.endswith(uk) and len(lower) > len(uk) + 1:
            return len(uk)
    return 1 if lower.endswith(_UK_RU_ADJECTIVE_E) and len(lower) > 3 else 0


def _historical_word_forms(word: str) -> list[str]:
    """Ukrainian spellings of one word with its stem's і read as the older е or о (the word itself first)."""
    lower = word.lower()
    stem_end = len(word) - max(_uk_ending_length(word), 1)
    forms = [word]
    for i in range(1, stem_end):
        if lower[i] != "і" or lower[i - 1] in _VOWELS or lower[i - 1] in "'’ʼ":
            continue
        before_iotated = lower[i + 1 : i + 2] in ("ї", "є")
        root = next((v for r, v in _UK_RU_ROOT_VOWELS.items() if lower.startswith(r, i - 1)), None)
        choices = (root,) if root else ("е",) if before_iotated else ("о", "е")
        forms = [f[:i] + c + f[i + 1 :] for f in forms for c in (("і",) + choices)]
    return forms


def uk_to_ru_forms(name: str, limit: int = 4) -> list[str]:
    """Russian spellings of a Ukrainian place name: ``uk_to_ru``'s first, then up to ``limit - 1`` with the
    historical changes above, fewest changes first («Миколаївка» -> «Миколаевка», «Николаевка»)."""
    first = uk_to_ru(name)
    words = name.split(" ")
    per_word: list[list[str]] = []
    for word in words:
        parts = word.split("-")
        options = [_historical_word_forms(part) for part in parts]
        combined = [""]
        for i, part_forms in enumerate(options):
            combined = [c + ("-" if i else "") + f for c in combined for f in part_forms]
        per_word.append(combined)
    candidates = [""]
    for i, forms in enumerate(per_word):
        candidates = [c + (" " if i else "") + f for c in candidates for f in forms]
    out: list[tuple[int, int, str]] = []
    for order, uk in enumerate(candidates):
        changes = sum(a != b for a, b in zip(uk, name))
        ru = uk_to_ru(uk)
        if uk.lower().endswith("івка"):
            stem = uk[:-4]
            if len(stem) > 2 and stem[-1] in _UK_SOFT_IVKA and stem[-2].lower() in _VOWELS:
                out.append((changes + 1, order, uk_to_ru(stem + "а")[:-1] + "ьевка"))
        for start, russian in _UK_RU_STARTS:
            ru = " ".join(russian + w[len(start):] if w.startswith(start) else w for w in ru.split(" "))
        out.append((changes + (ru != uk_to_ru(uk)), order, ru))
        if uk.lower().endswith(("ове", "еве")) and ru.endswith("о"):
            out.append((changes + 1, order, ru[:-1] + "ое"))  # an adjective, not a possessive: Лозове -> Лозовое
    forms = [first]
    for _, _, ru in sorted(out):
        if ru not in forms and len(forms) < limit:
            forms.append(ru)
    return forms


def uk_to_ru(name: str) -> str:
    """A Russian spelling of a Ukrainian place name by the rules above («Михайлівка» -> «Михайловка»)."""
    words = name.split(" ")
    if len(words) > 1:
        words[0] = _uk_ru_adjective(words[0])
        name = " ".join(words)
    parts = []
    word = []
    for c in unicodedata.normalize("NFC", name):
        if c.isalpha() or c in "'’ʼ":
            word.append(c)
        else:
            if word:
                parts.append(_uk_ru_word("".join(word)))
                word = []
            parts.append(c)
    if word:
        parts.append(_uk_ru_word("".join(word)))
    return "".join(parts)


def uk_to_en(name: str) -> str:
    """The Ukrainian national romanisation (2010) of a name, capitalised as written («Суми» -> «Sumy»)."""
    spelled = variants(name, "uk")[0]
    out = []
    for part in _split_words(spelled):
        out.append(part[:1].upper() + part[1:] if part[:1].isalpha() else part)
    return "".join(out) if out else spelled


def _split_words(text: str) -> list[str]:
    parts, word = [], []
    for c in text:
        if c.isalpha() or c == "'":
            word.append(c)
        else:
            if word:
                parts.append("".join(word))
                word = []
            parts.append(c)
    if word:
        parts.append("".join(word))
    return parts


# -- Ukrainian letter-by-letter spellings of Russian names --------------------------------------------------
# Ukrainian news often spells a Russian village letter by letter («Николаево-Дарьино» -> «Ніколаєво-Дар'їно»)
# rather than by its Ukrainian form («Миколаєво-Дар'їно»).
_RU_UK_LETTERS = {"и": "і", "ы": "и", "э": "е", "ъ": "'"}
_RU_UK_IOTATED = {"е": "є", "и": "ї", "я": "я", "ю": "ю", "ё": "йо"}


def ru_to_uk_letters(name: str) -> str:
    """A Ukrainian letter-by-letter spelling of a Russian name (и -> і, ы -> и, ь before a vowel -> ', е after a
    vowel -> є, ё -> ьо or йо), capitals kept."""
    out: list[str] = []
    lower = name.lower()
    for i, c in enumerate(lower):
        prev = lower[i - 1] if i else ""
        nxt = lower[i + 1] if i + 1 < len(lower) else ""
        if c == "ь" and nxt == "ё":
            spelled = ""  # Воробьёвка -> Воробйовка
        elif c == "ь" and nxt in _RU_UK_IOTATED:
            spelled = "'"
        elif prev in ("ь", "ъ") and c in _RU_UK_IOTATED:
            spelled = _RU_UK_IOTATED[c]
        elif c == "е" and (not prev.isalpha() or prev in _VOWELS):
            spelled = "є"
        elif c == "ё":
            spelled = "йо" if not prev.isalpha() or prev in _VOWELS else "ьо"
        elif c == "и" and prev in "жшчщц":
            spelled = "и"
        else:
            spelled = _RU_UK_LETTERS.get(c, c)
        out.append(spelled.capitalize() if name[i].isupper() else spelled)
    return "".join(out)


# Russian adjective endings of place names, spelled letter by letter, and the Ukrainian ones: «Жуковскій» is
# «Жуковський», «Раменскоє» «Раменське», «Ногінск» «Ногінськ» (longest first)
_UK_ENDINGS = (("скій", "ський"), ("цкій", "цький"), ("ской", "ський"), ("цкой", "цький"), ("скоє", "ське"),
               ("цкоє", "цьке"), ("ская", "ська"), ("цкая", "цька"), ("ск", "ськ"), ("цк", "цьк"), ("ній", "ній"),
               ("ій", "ий"), ("ой", "ий"), ("оє", "е"), ("еє", "є"), ("ая", "а"), ("яя", "я"))


def ru_to_uk_possessive(name: str) -> str | None:
    """The Ukrainian nominative of a Russian possessive name in -ев/-ов, or None: «Сергиев Посад» -> «Сергіїв Посад»
    (its cases keep «Сергієвому»), «Чехов» -> «Чехів»."""
    words = ru_to_uk_name(name).split(" ")
    first = words[0]
    if len(first) < 4 or not first.lower().endswith(("ев", "єв", "ов")):
        return None
    vowel = first[-3].lower() in _VOWELS
    words[0] = first[:-2] + ("їв" if vowel or first.lower().endswith("єв") else "ів")
    return " ".join(words)


def ru_to_uk_name(name: str) -> str:
    """A Ukrainian spelling of a Russian place name: ``ru_to_uk_letters`` with the Ukrainian adjective endings of
    each word («Жуковский» -> «Жуковський», «Раменское» -> «Раменське», «Ногинск» -> «Ногінськ»)."""
    words = []
    for word in re.split(r"([ -])", ru_to_uk_letters(name)):  # «Каменск-Шахтинский»: each part its ending
        lower = word.lower()
        for ru, uk in _UK_ENDINGS:
            if lower.endswith(ru) and len(lower) > len(ru) + 1:
                word = word[: -len(ru)] + uk
                break
        words.append(word)
    return "".join(words)
