"""What a post claims, in a form that survives rewording and translation.

- ``figures``: numbers with what they count (300 soldiers, 11 tanks, 24 injured), the unit a
  language-independent name from a small bundled lexicon; dates and times («7 августа»,
  «08.00», 2024) are not figures.
- ``kinds``: the kinds of event the post speaks of (attack, shelling, evacuation, ...), from a
  multilingual lexicon of event terms (attack / атака / атака; shelling / обстрел / обстріл; ...).
- ``actor``: who asserts it, when the post names a known speaker (the defence ministry, a
  governor, a president, ...), the same name in every language (ACTOR_STEMS).
- ``signature``: a MinHash of the post's normalised word 3-shingles, for near-duplicate lookup
  (locality-sensitive hashing in bands, so finding similar posts costs the same whatever the size
  of the archive).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from functools import lru_cache

import numpy as np

from ..matching.normalise import folded
from .numerals import digits_for_words

NUM_PERM = 64
SEED = 20240806  # fixed: signatures stored in the archive must stay comparable
BANDS = 16  # 16 bands of 4 rows: posts with Jaccard similarity >= 0.5 meet in some band with probability > 0.6..1
ROWS = NUM_PERM // BANDS

# One unit vocabulary for Russian, Ukrainian and English: stems (folded, lower case) -> unit, the
# first that applies (hospitalised before injured: «19 госпитализированы» are not 19 injured).
# Specific units name what happened to whom; GENERIC nouns (people, residents) count whatever the
# nearest event word says, and otherwise stand for any count of people (PERSON_UNITS).
UNIT_STEMS: dict[str, tuple[str, ...]] = {
    "hospitalised": ("госпитализ", "госпіталіз", "hospitali"),
    "injured": ("пострада", "ранен", "ранили", "травмир", "травм", "постражд", "поранен", "травмован", "injur",
                "wound", "hurt"),
    "killed": ("погиб", "убит", "погибш", "загину", "загибл", "вбит", "killed", "kills", "killing", "dead", "died", "death", "fatalit",
               "ликвидир", "ліквідов", "жертв", "умерл", "помер", "скончал"),
    "soldiers": ("военнослуж", "военных", "военные", "бойц", "солдат", "боевик", "военн", "військов", "бійц",
                 "вояк", "soldier", "troop", "servicem", "fighter", "наемник", "наёмник", "найманц", "mercenar",
                 "диверсант", "saboteur"),
    "tanks": ("танк", "tank"),
    "armoured vehicles": ("ббм", "бронетехн", "бронемашин", "бтр", "бмп", "бронирован", "броньован", "бронетранспорт",
                          "бронеавтомоб", "armou", "armor"),
    "drones": ("беспилотн", "бпла", "дрон", "безпілотн", "бпла", "drone", "uav"),
    "missiles": ("ракет", "missile", "rocket", "atacms", "himars", "storm", "scalp"),
    "evacuated": ("эвакуир", "эвакуац", "евакуйов", "евакую", "евакуац", "евакуюв", "evacu", "вывезен", "вивезен"),
    "children": ("детей", "ребен", "ребён", "дет", "діт", "дитин", "child"),
    "houses": ("домов", "жилых", "дома", "здани", "будин", "будинк", "house", "home", "building"),
    "settlements": ("населенн", "населён", "насел", "сел", "посел", "village", "settlement"),
    "explosions": ("взрыв", "вибух", "explosion", "blast", "детонац", "детонаці"),
    "square km": ("квадратн", "км²", "km²", "кв.км", "square"),
    "flights": ("рейс", "flight", "авиарейс", "авіарейс"),  # flights delayed, diverted, cancelled
    "fires": ("пожар", "пожеж", "возгоран", "загоран", "fires", "blazes"),
    # points opened for residents left without power and heat («пунктів незламності», "invincibility centres")
    "aid points": ("незламн", "несокруш", "resilien", "invincib"),
}
GENERIC_STEMS = ("человек", "люд", "жител", "осіб", "особ", "мешкан", "граждан", "people", "person",
                 "resident", "civilian", "individual", "женщин", "жінк", "жінок", "мужчин", "чоловік", "woman",
                 "women")
# Units that count people: a generic count ("300 человек") is the same figure as any of them.
PERSON_UNITS = frozenset({"people", "hospitalised", "injured", "killed", "soldiers", "evacuated", "children"})
# Words between a count and the event word that says what happened («получили ранения», "others were hurt")
AUXILIARIES = ("were", "was", "are", "have", "been", "had", "has", "being", "got", "были", "был", "была", "було",
               "були", "всего", "уже", "вже", "already", "reportedly", "еще", "ще", "others", "sustained", "suffered",
               "получили", "получил", "получила", "отримали", "отримав", "отримала", "дістали", "дістав", "дістала")
# Adjectives of children («детских садов», «дитячих майданчиків»): they name no count of children;
# firefighters («15 пожарных расчётов», «20 пожежних») are no count of fires
NOT_UNIT_STEMS = ("детск", "дитяч", "пожарн", "пожежн")
# Counts of these are counts shot down when a shoot-down word stands beside them («сбито 5 ракет»)
SHOT_DOWN_UNITS = ("missiles", "drones")
SHOT_DOWN_STEMS = ("сбит", "сбил", "сбив", "збит", "збил", "збив", "перехва", "перехоп", "уничтож", "знищ", "intercept",
                   "downed", "destroy", "shot")
# Plural adjective endings: a word between a number and its noun that only describes it («14 потужних вибухів»)
_ADJECTIVE_ENDINGS = ("ых", "их", "ыми", "ими", "ые", "ие", "і")
# English adjective endings, for the same («twelve secondary explosions», "six powerful blasts")
_EN_ADJECTIVE_ENDINGS = ("ary", "al", "ful", "ous", "ive", "ic")
# Words that may sit between a number and its noun.
FILLER = {"более", "менее", "около", "свыше", "до", "почти", "порядка", "понад", "близько", "майже", "about",
          "more", "than", "over", "nearly", "almost", "up", "to", "боевых", "бойових", "мирных", "мирних",
          "единиц", "единицы", "одиниць", "одиниці", "units", "of", "украинских", "українських", "ukrainian", "russian", "российских",
          "російських", "вражеских", "ворожих", "enemy", "жилых", "житлових", "бронированных",
          "броньованих", "разных", "разведывательных", "ударных", "people", "баллистических", "баллистическими",
          "баллистические", "балістичних", "балістичними", "крылатых", "крылатыми", "крилатих", "крилатими",
          "американских", "американскими", "американських", "британских", "британскими", "британських",
          "ballistic", "cruise", "american", "british", "us", "made", "дальнобойных", "дальнобійних", "long", "range",
          "atacms", "himars", "storm", "shadow", "шахедов", "шахедів", "shahed", "kamikaze", "камикадзе"}
MONTHS = ("январ", "феврал", "март", "апрел", "мая", "май", "июн", "июл", "август", "сентябр", "октябр", "ноябр",
          "декабр", "січн", "лют", "берез", "квітн", "травн", "червн", "липн", "серпн", "вересн", "жовтн",
          "листопад", "грудн", "january", "february", "march", "april", "may", "june", "july", "august",
          "september", "october", "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep",
          "sept", "oct", "nov", "dec")
# Words before a number without a noun that make it a part of the figure before («из них 32»)
PART_WORDS = {"них", "them", "including", "числе", "яких", "которых"}
PART_OF = {"of", "из", "з", "із"}  # before a part word after the number: "27 of them", «27 из них»
# Words just before a number that make it no figure of the claim: «а не 9», "not 9", «вместо 9»
NEGATIONS = {"не", "ні", "not", "вместо", "замість", "instead"}
# Words earlier in a number's sentence that make it a figure told before, not the claim's own
# («ранее сообщалось о 9 погибших»)
EARLIER = ("ранее", "раніше", "прежде", "earlier", "previously")
NOT_FIGURES = ("год", "рок", "year", "час", "годин", "hour", "минут", "хвилин", "minute", "секунд", "second",
               "рубл", "гривн", "грн", "доллар", "долар", "евро", "євро", "dollar", "euro", "копе", "процент",
               "відсот", "percent", "км", "km", "метр", "meter", "сутк", "доб", "day", "день", "дня", "дней",
               "днів", "недел", "тижн", "week", "месяц", "місяц", "month", "раз", "times", "разів",
               "летн", "річн")  # an age («9-летняя», «52-річний»), not a count

# A distance counts how far troops went when its sentence speaks of an advance or a depth
DISTANCE_STEMS = ("км", "km", "километр", "кілометр", "kilomet")
ADVANCE_STEMS = ("продвин", "продвиж", "просун", "просуван", "advanc", "deep", "depth", "глубин", "глибин",
                 "вглубь", "вглиб", "проникн", "проникл", "проникан", "penetrat")
FROM_WORDS = {"от", "від", "from", "away"}
CONTRASTS = {"а", "але", "но", "однако", "проте", "but", "while", "whereas"}  # a clause of another group follows
# Words just before a number that make it an age («в возрасте 7», "aged 7"), with a range's or list's words between
AGE_WORDS = {"aged", "age", "ages", "возрасте", "віком", "віці"}
RANGE_WORDS = {"от", "до", "від", "from", "to", "between", "між", "and", "и", "і", "та"}
NAME_WORDS = {"источник", "джерело", "канал"}  # a source named by a number: «источник 112»
_NAME_GAP = re.compile(r"[ \u00a0-]+")  # between a source's word and its number: «источник 112», «канал-112»

# Named weapons: a claim about one is not a claim about another (ATACMS, Storm Shadow); folded
# word beginnings, a name of two words as two
OBJECT_STEMS: dict[str, tuple[str, ...]] = {
    "ATACMS": ("atacms", "атакмс", "атакамс"),
    "Storm Shadow": ("storm shadow", "сторм шэдоу", "сторм шедоу", "шторм шэдоу", "шторм шедоу", "сторм шадоу"),
    "SCALP": ("scalp",),
    "HIMARS": ("himars", "хаймарс", "хаймерс"),
    "Switchblade": ("switchblade", "свитчблейд", "світчблейд"),
    "Shahed": ("shahed", "шахед", "герань", "geran"),
    "Iskander": ("iskander", "искандер", "іскандер"),
    "Oreshnik": ("oreshnik", "орешник", "орєшнік", "горішник"),
    "Kinzhal": ("kinzhal", "кинжал", "кинджал"),
    "Patriot": ("patriot", "пэтриот", "петріот"),
}

# Event kinds: stems -> kind (folded, lower case).
KIND_STEMS: dict[str, tuple[str, ...]] = {
    "attack": ("атак", "атаку", "attack", "напад", "штурм", "assault", "наступ", "offensive", "incursion",
               "вторжен", "вторгл", "прорыв", "прорив", "прорвал", "вторгн", "invasion", "raid"),
    "shelling": ("обстрел", "обстріл", "shell"),
    "artillery": ("артиллер", "артилер", "artiller", "миномет", "міномет", "mortar", "гаубиц", "гаубиц", "howitzer"),
    "evacuation": ("эвакуа", "евакуа", "евакуй", "евакую", "эвакуир", "evacu"),
    "emergency": ("чс", "чрезвычайн", "надзвичайн", "emergency"),
    "counter-terrorism": ("контртеррорист", "контртерорист", "counterterror"),
    "drone": ("беспилот", "бпла", "дрон", "безпілот", "drone", "uav", "fpv"),
    "casualties": ("пострада", "ранен", "постражд", "поранен", "injur", "wound", "погиб", "загину", "загибл",
                   "killed", "dead"),
    "missile": ("ракет", "missile", "rocket", "балистич", "балістич", "ballistic", "atacms", "himars", "storm", "scalp"),
    "court": ("судебн", "арест", "заарешт", "приговор", "вирок", "стражу", "вартою", "custody", "remand", "sentenc"),
    "retaliation": ("возмезд", "відплат", "retaliat"),
    "bombing": ("авиабомб", "авіабомб", "кааб", "бомб", "bomb"),
    "air alert": ("тревог", "тривог", "air raid", "alert"),
    "fire": ("пожар", "пожеж", "fire", "blaze"),
    "mourning": ("траур", "жалоб", "mourning"),  # a day declared (_unsaid): «день жалоби», not «жалобы» (complaints)
    "outage": ("отключени", "відключенн", "знеструм", "обесточ", "перебои", "перебоя", "перебої", "перебоє", "blackout",
               "outage"),
    "capture": ("captur", "захвач", "захопл", "пленил", "пленен", "полонив"),
    "losses": ("потер", "втрат", "losses", "уничтож", "знищ", "destroy"),
    "strike": ("удар", "strike", "struck"),
    "shoot-down": ("сбит", "сбил", "збит", "збил", "перехва", "shot down", "intercept", "downed", "ппо", "пво"),
    "statement": ("заяв", "statement", "stated", "said", "says", "сказал", "сказав", "сообщил", "повідом", "announc",
                  "оголос", "объяви"),
}
# An alert or danger lifted: the all-clear («опасность БПЛА отменили», «тривогу скасовано», "the alert was lifted")
LIFTED_STEMS = ("отмен", "отменя", "скасов", "скасув", "lifted")
DANGER_STEMS = ("опасн", "тревог", "тривог", "небезпек", "alert", "warning")
ALL_CLEAR_WORDS = frozenset({"отбой", "відбій"})  # the all-clear as a word of its own («Отбой тревоги», «Відбій»)
ALL_CLEAR_OF = frozenset({"отбоя", "отбое", "отбою", "відбою"})  # the all-clear of a danger named next («об отбое опасности»)
DECLARED_STEMS = ("объяв", "оголош", "оголос", "declar")  # an alert declared («снова объявили ракетную тревогу»)
_ALERT_STEMS = ("тревог", "тривог", "alert")
_CLAUSE_BREAK = re.compile(r"[,;.!?…\n]|\s(?:но|але|but|однако|проте)\s", re.IGNORECASE)  # clauses of a sentence
CRIMINAL_STEMS = ("уголовн", "кримінальн", "criminal")
# What a criminal matter is: a case, proceedings, charges, the code (not "the criminal army", a label)
CRIMINAL_MATTERS = ("дел", "провадж", "справ", "кодекс", "преслед", "переслід", "ответствен", "відповідальн",
                    "case", "proceed", "charge", "code", "investig", "prosecut", "liabil")
LONG_RANGE = ("дальнобой", "далекобій")  # long-range (weapons): missiles unless drones follow
RESPONSE_NOUNS = ("действ", "мер", "удар", "шаг", "ответ")  # what «ответные ...» promises as a response
# Kinds that say how a claim is told, not what happened: they never make two claims differ
TELLING_KINDS = frozenset({"statement"})
# What struck: claims naming only different ones of these are different claims, whatever else they share
WEAPON_KINDS = frozenset({"drone", "missile", "bombing", "artillery"})
# A kind and the more general kinds a retelling may name instead (a drone attack is an attack)
KIND_PARENTS: dict[str, tuple[str, ...]] = {
    "drone": ("attack", "strike"), "missile": ("attack", "strike"), "bombing": ("attack", "strike"),
    "artillery": ("shelling", "attack", "strike"), "shelling": ("attack", "strike"), "strike": ("attack",),
}
# Kinds too general to tell one claim of a region from another without a place or figure in common
GENERAL_KINDS = frozenset({"attack", "strike", "shelling", "losses", "casualties", "statement"})
# What a statement says is done or to be done about an event, not the event: a statement naming one
# the story never named is another claim (a court's arrest of a captive; a response promised to a strike;
# the all-clear after an attack)
STATEMENT_KINDS = frozenset({"court", "retaliation", "all-clear"})


def with_parents(kinds: set[str] | list[str]) -> set[str]:
    """The kinds with the more general kinds each implies (KIND_PARENTS)."""
    return set(kinds).union(*(KIND_PARENTS.get(k, ()) for k in kinds))

# Speakers: canonical name -> stems (folded, lower case) of their names and titles in ru/uk/en
ACTOR_STEMS: dict[str, tuple[str, ...]] = {
    "defence ministry": ("минобороны", "министерство обороны", "міноборони", "міністерство оборони",
                         "defence ministry", "defense ministry", "ministry of defence", "ministry of defense", "мо рф"),
    "general staff": ("генштаб", "генеральный штаб", "генеральний штаб", "general staff"),
    # a region's head: a Russian governor, a Ukrainian head of the regional (military) administration
    "governor": ("губернатор", "governor", "глава региона", "врио губернатора", "ова ", "ога ", "ода ",
                 "обладміністрац", "облгосадміністрац", "військової адміністрац", "военной администрац",
                 "military administration", "regional administration", "regional state administration"),
    "air force": ("повітряні сили", "повітряних сил", "воздушные силы", "воздушных сил", "air force"),
    "Zelensky": ("зеленск", "зеленськ", "zelensk"),
    "Putin": ("путин", "путін", "putin"),
    "Lavrov": ("лавров", "lavrov"),
    "Peskov": ("песков", "пєсков", "peskov"),
    "Zakharova": ("захаров", "zakharova"),
    "Volodin": ("володин", "володін", "volodin"),
    "Pentagon": ("пентагон", "pentagon"),
    "White House": ("белый дом", "белого дома", "белом доме", "білий дім", "білого дому", "білому домі",
                    "white house"),
    "United Nations": ("оон", "генсек", "гутерр", "united nations", "guterres", "un secretary"),
    "Kremlin": ("кремл", "kremlin"),
}

# The day and part of day a post names for its claim, resolved against its publication time
DAY_OFFSETS = {"сегодня": 0, "сьогодні": 0, "today": 0, "tonight": 0, "вчера": -1, "вчора": -1, "yesterday": -1,
               "накануне": -1, "напередодні": -1, "позавчера": -2, "позавчора": -2}
DAY_PARTS = (("night", ("ноч", "ніч", "вноч", "overnight", "night")),
             ("morning", ("утром", "утра", "вранці", "зранку", "morning")),
             ("afternoon", ("днем", "днём", "вдень", "afternoon")),
             ("evening", ("вечер", "увечері", "ввечері", "вечор", "evening")))
_CLOCK = re.compile(r"(?:\b(?:в|с|со|около|до|о|об|к|at|around|about|from|by)\s+)(\d{1,2})[:.](\d{2})(?![.,:]?\d)",
                    re.IGNORECASE)
_MONTH_NUMBERS = {stem: i % 12 + 1 for i, stem in enumerate((
    "январ", "феврал", "март", "апрел", "ма", "июн", "июл", "август", "сентябр", "октябр", "ноябр", "декабр"))}
_MONTH_NUMBERS |= {stem: i % 12 + 1 for i, stem in enumerate((
    "січн", "лют", "берез", "квітн", "травн", "червн", "липн", "серпн", "вересн", "жовтн", "листопад", "грудн"))}
_MONTH_NUMBERS |= {stem: i % 12 + 1 for i, stem in enumerate((
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"))}
_DATE = re.compile(r"\b(\d{1,2})\s+([^\W\d_]{3,})|\b([A-Za-z]{3,})\.?\s+(\d{1,2})\b(?![.,:]?\d)")


@dataclass(frozen=True)
class When:
    """The time a post names for its claim: a day (``date``: month and day; or ``offset``: days
    from its publication), and a part of that day; each None when not named."""

    offset: int | None = None
    date: tuple[int, int] | None = None
    part: str | None = None
    clock: str | None = None  # the time of day the lead names («около 10.30»: "10:30")

    def day(self, published: datetime) -> str | None:
        """The named time as text ("2024-11-20 night"), against the post's publication time (UTC)."""
        if self.offset is None and self.date is None and self.part is None:
            return None
        day = published.date() + timedelta(days=self.offset or 0)
        if self.date is not None:
            try:
                day = day.replace(month=self.date[0], day=self.date[1])
            except ValueError:
                return None
            if day > published.date() + timedelta(days=1):
                day = day.replace(year=day.year - 1)  # «30 декабря» read on 2 January
        return f"{day.isoformat()} {self.part}" if self.part else day.isoformat()


def _month(word: str) -> int | None:
    word = _fold(word)
    if word in ("ма", "мая", "май"):
        return 5
    return next((n for stem, n in _MONTH_NUMBERS.items() if len(stem) > 2 and word.startswith(stem)), None)


LEAD_SENTENCES = 2  # a post names its claim's time and speaker in its headline and first sentence
DATE_REACH = 7  # days before publication a named date may be the claim's (older ones are background)
_DEADLINE = re.compile(r"(?:\b(?:до|к|by|until|before|till)\s+)$", re.IGNORECASE)


# A date's year and clock time right after it: a page's own time stamp ("November 11, 2024 10:51 AM")
_STAMP = re.compile(r",?\s*20\d\d\s*,?\s*(?:\d{1,2}[:.]\d{2})")
# "November 9-10": the day a night range ends (month first, no spaces: «9 ноября — 10 человек» is a count)
_RANGE_END = re.compile(r"[-–](\d{1,2})\b")
LATE_HOUR = 21  # UTC hour from which a post may name the next day as its own (midnight in Moscow, and in Kyiv in summer)


def lead(text: str) -> str:
    """The first LEAD_SENTENCES sentences of a text (headline and lead), links left out."""
    sentences = [part for part in _LEAD_BREAK.split(_URL.sub(" ", text)) if _WORD.search(part)]
    return ". ".join(sentences[:LEAD_SENTENCES])


def extract_when(text: str, published: datetime | None = None) -> When:
    """The day and part of day the lead of a text names for its claim: the first date («23
    ноября», "Nov. 19"; not a deadline, «до 20 января», nor one over DATE_REACH days before
    ``published``), else the first day word (сегодня, вчера, накануне, yesterday); the first part
    of day (ночью, overnight, вечером) or clock time («в 03:25»: night)."""
    text = lead(text)
    date = None
    for m in _DATE.finditer(text):
        number, word = (m.group(1), m.group(2)) if m.group(1) else (m.group(4), m.group(3))
        month = _month(word)
        if month is None or not 1 <= int(number) <= 31 or _DEADLINE.search(text, 0, m.start()):
            continue
        if _digests_date(text[:m.start()]) or _STAMP.match(text, m.end()):
            continue  # «Главные события на 26 ноября»: the digest's day; "November 11, 2024 10:51 AM": the page's
        if m.group(3) and (to_day := _RANGE_END.match(text, m.end())) and int(to_day.group(1)) == int(number) + 1:
            number = to_day.group(1)  # "the night of November 9-10": the night to the 10th
        if published is not None:
            named = When(date=(month, int(number))).day(published)
            ahead = 1 if published.hour >= LATE_HOUR else 0  # late in the UTC day it is the next day in the east
            if named is None or not -DATE_REACH <= (datetime.fromisoformat(named).date() - published.date()).days <= ahead:
                continue  # a day after the post's («19 ноября объявлено днём траура»): what is to come
        date = (month, int(number))
        break
    words = _words(text)
    offset = next((DAY_OFFSETS[w] for i, w in enumerate(words) if w in DAY_OFFSETS and not _dates_telling(words, i)),
                  None)
    part = next((name for w in words for name, stems in DAY_PARTS if w.startswith(stems)), None)
    named_clock = None
    if (clock := _CLOCK.search(text)) and int(clock.group(1)) < 24:
        hour = int(clock.group(1))
        if hour < 12 and re.match(r"\s*p\.?\s?m\b", text[clock.end():], re.IGNORECASE):
            hour += 12
        named_clock = f"{hour:02d}:{clock.group(2)}"
        if part is None:
            part = "night" if hour < 6 else "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
    return When(offset, date, part, named_clock)


# Words of a digest's headline: the date after them is the digest's («Обстановка и главные события на 26 ноября»)
DIGEST_STEMS = ("главн", "головн", "обстановк", "итог", "підсумк", "сводк", "зведенн", "дайджест",
                "summary", "digest", "briefing", "highlights")
DIGEST_REACH = 5  # words before a date within which a digest word makes it the digest's
# Words right before a digest's date («события на 26 ноября», «Итоги дня 26 ноября», "summary for Nov 26")
DIGEST_LINKS = frozenset({"на", "за", "for", "of", "on", "дня", "день", "доби", "суток", "day"})


def _digests_date(before: str) -> bool:
    """Whether the date after ``before`` is a digest's: a digest word within DIGEST_REACH words,
    the date following it or a word linking them directly (no comma: «Согласно сводке Минобороны,
    6 августа» and «По итогам атаки 6 августа» date the event)."""
    words = _words(before)[-DIGEST_REACH:]
    if not words or before.rstrip().endswith(",") or not any(w.startswith(DIGEST_STEMS) for w in words):
        return False
    return words[-1].startswith(DIGEST_STEMS) or words[-1] in DIGEST_LINKS
PUBLISH_STEMS = ("распростран", "опублик", "опублік", "оприлюдн", "publish", "releas")
TELLING_REACH = 4  # words after a day word within which a word of speech makes it the telling's day


def _dates_telling(words: list[str], at: int) -> bool:
    """Whether the day word at ``at`` dates the telling, not the event: a word of speech or
    publication follows it closely («Сегодня Министерство обороны распространило информацию»)."""
    return any(w.startswith(SPEECH_STEMS + PUBLISH_STEMS) for w in words[at + 1:at + 1 + TELLING_REACH])


def same_time(one: str | None, other: str | None) -> bool:
    """Whether two named times may be one: either unnamed; or the same day and (where both name
    it) the same part of day; or a day named without its part and the night that ends the next
    day (an attack late on the 23rd is told as the night to the 24th)."""
    if not one or not other:
        return True
    day, _, part = one.partition(" ")
    other_day, _, other_part = other.partition(" ")
    if day == other_day:
        return not part or not other_part or part == other_part
    apart = (datetime.fromisoformat(other_day) - datetime.fromisoformat(day)).days
    return (apart == 1 and not part and other_part == "night") or (apart == -1 and not other_part and part == "night")


# digits grouped by thousands with spaces, or with commas in English («76,000»: a count, not a fraction)
_NUMBER = re.compile(r"(?<![\w.,:])(?<!\w-)(\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d{1,3}(?:,\d{3})+(?![.,]\d)|\d+)"
                     r"(?:[.,:](\d+))?(?![\w]|-(?:й|я|е|ї|го|му|ий|ій|ая|ое|ые|та|ша|тя|га|ма|th|st|nd|rd)\b)")  # not «41-й», «47-ма»
# an area abbreviated («480 кв. км», "480 sq km"): one word the square km unit reads
_SQUARE_KM = re.compile(r"\b(?:кв|sq)\.?\s*(?:км|km)\b", re.IGNORECASE)
# an area in square metres, feet or miles («150 квадратних метрів», "150-square-meter", «500 кв.м»): no count
_SQUARE_METRE = re.compile(r"\b(?:square|sq|квадратн\w*)[\s.-]+(?:met|метр|feet|foot|ft|mile|мил|міл)\w*|\bкв\.?\s*м\b\.?", re.IGNORECASE)
_WORD = re.compile(r"[^\W\d_]+", re.UNICODE)
_SENTENCE = re.compile(r"[.!?…\n;]")
_LEAD_BREAK = re.compile(r"[.!?…]+(?=\s|$)|[\n;]")  # sentence ends, not the point of «10.30»
_NON_DIGIT = re.compile(r"\D")
_DIGIT = re.compile(r"\d")
# «7 из 8 ракет», "2 out of the 8 missiles", "40 of 50 drones": the first number counts what the second's noun names
_OUT_OF = re.compile(r"\b(\d+)(\s+(?:из|із|з|(?:out\s+)?of(?:\s+the)?)\s+\d+)((?:\s+[^\W\d_]+){1,3})", re.IGNORECASE)
# the words just before a total a count is some of («из 8», "of the 93", "out of 8")
_OUT_OF_BEFORE = re.compile(r"\b(?:из|із|з|of)(?:\s+the)?\s+$", re.IGNORECASE)
# A toll told as lives taken («унёс жизни 11 человек», «забрав життя 11 людей», "claimed the lives of 11 people")
_LIVES_TAKEN = re.compile(r"\b((?:унес|унёс|забрал|забрав|обірвав|обірвал|оборвал)\w*\s+(?:жизн\w*|житт\w*)"
                          r"|claimed\s+(?:the\s+)?lives\s+of)(\s+(?:(?:more|less|fewer)\s+than\s+|over\s+|at\s+least\s+"
                          r"|nearly\s+|almost\s+|about\s+|более\s+|свыше\s+|около\s+|понад\s+|близько\s+)?)(?=\d)",
                          re.IGNORECASE)
_LIVES_COUNTED = re.compile(r"\b(?:claimed|took)\s+(\d[\d,]*)\s+lives\b", re.IGNORECASE)  # "the attack claimed 5 lives"
# People of a toll named, not counted («погибли водитель и фельдшер», "a driver and a paramedic were killed")
PERSON_NOUNS = ("водитель", "фельдшер", "врач", "медик", "медсестра", "женщина", "мужчина", "ребенок", "ребёнок",
                "девочка", "мальчик", "пенсионер", "пенсионерка", "подросток", "житель", "жительница", "полицейский",
                "спасатель", "взрослый", "пассажир", "водій", "лікар", "жінка", "жінку", "чоловік", "чоловіка",
                "дитина", "дитину", "дівчинка", "дівчинку", "хлопчик", "пенсіонер", "пенсіонерка", "пенсіонерку",
                "підліток", "мешканець", "мешканка", "мешканку", "поліцейський", "рятувальник", "дорослий", "пасажир",
                "driver", "paramedic", "doctor", "nurse", "woman", "man", "child", "girl", "boy", "teenager",
                "pensioner", "resident", "adult", "officer", "rescuer", "passenger")
# Plural nouns, counted only with a number («двое мужчин», "2 girls")
PEOPLE_NOUNS = ("girls", "boys", "children", "women", "men", "adults", "residents", "мужчин", "женщин", "детей",
                "чоловіків", "жінок", "дітей")
_PERSON = r"(?:" + "|".join(sorted(PERSON_NOUNS + PEOPLE_NOUNS, key=len, reverse=True)) + r")\b"
_NAMED = r"(?:(?:a|an|the|one|\d+)\s+)?" + _PERSON
# one person, or several: a comma between them only in a list closed by "and" («водитель, фельдшер и врач»)
_AND = r"\s*,?\s*(?:\bи\b|\bі\b|\bта\b|\band\b)\s*"
_NAMED_LIST = r"(?:(?:" + _NAMED + r"\s*,\s*)*" + _NAMED + _AND + _NAMED + r"|" + _NAMED + r")"
_TOLL_VERB = r"(?:погиб(?:ла|ли|ло)?|ранен[аоы]?|пострадал[аи]?|загину(?:в|ла|ли)|поранен[аоі]?|постраждал[аи]?)"
_NAMED_AFTER = re.compile(r"\b(" + _TOLL_VERB + r")\s+(" + _NAMED_LIST + r")", re.IGNORECASE)
_NAMED_BEFORE = re.compile(r"(?<!\w)(" + _NAMED_LIST + r")\s+((?:(?:was|were|have been|has been)\s+)?(?:killed|injured|wounded"
                           r"|hurt)|died|" + _TOLL_VERB + r")\b", re.IGNORECASE)
_ONE_NAMED = re.compile(r"(?:(\d+)\s+)?(?:(?:a|an|the|one)\s+)?(" + _PERSON + r")", re.IGNORECASE)  # its number, if given
_KILLED_VERB = ("погиб", "загину", "killed", "died")  # a toll verb of the dead; the others are of the injured


def _named_toll(text: str) -> tuple[str, dict[int, str]]:
    """``text`` with a toll of people named, not counted, given its count («погибли 2 человек: водитель и
    фельдшер», "a driver and a paramedic, 2 people were killed"), and where each count given starts, with the
    people as the post names them (the figure's words); not in a sentence that counts that toll already."""
    found = sorted([(m, m.group(2), m.group(1), True) for m in _NAMED_AFTER.finditer(text)]
                   + [(m, m.group(1), m.group(2), False) for m in _NAMED_BEFORE.finditer(text)], key=lambda f: f[0].start())
    pieces: list[str] = []
    named: dict[int, str] = {}
    at = 0
    for m, people, verb, verb_first in found:
        if m.start() < at or not (n := _how_many(people)) or _counted(text, m, verb):
            continue
        pieces.append(text[at:m.start()])
        before = sum(len(p) for p in pieces)
        if verb_first:  # «погибли водитель и фельдшер»
            named[before + len(verb) + 1] = " ".join(people.split())
            pieces.append(f"{verb} {n} человек: {people}")
        else:  # "a driver and a paramedic were killed"
            named[before + len(people) + 2] = " ".join(people.split())
            pieces.append(f"{people}, {n} people {verb}")
        at = m.end()
    return "".join(pieces) + text[at:], named


def _counted(text: str, m: re.Match[str], verb: str) -> bool:
    """Whether the sentence of a named toll gives a count of that toll besides it («Пострадал полицейский, ранены
    3 человека»; "A woman and a man were injured, 10 people in total were hurt"): the count is the toll."""
    left = max(text.rfind(mark, 0, m.start()) for mark in ".!?…\n;") + 1
    right = min([at for at in (text.find(mark, m.end()) for mark in ".!?…\n;") if at >= 0], default=len(text))
    rest = text[left:m.start()] + " " * (m.end() - m.start()) + text[m.end():right]
    unit = "killed" if any(word in verb.lower() for word in _KILLED_VERB) else "injured"
    return any(f.unit in (unit, "people") for f in extract_figures(rest, named_tolls=False))


def _how_many(named: str) -> int:
    """How many people a list names: one for each, or the number given («2 girls and an adult»: 3); none when
    it is a count alone ("2 children injured": a count already) or names people without their number
    ("adults and children")."""
    found = [(int(m.group(1)) if m.group(1) else None, m.group(2).lower()) for m in _ONE_NAMED.finditer(named)]
    if (len(found) == 1 and found[0][0] is not None) or any(n is None and noun in PEOPLE_NOUNS for n, noun in found):
        return 0
    return sum(n or 1 for n, _ in found)
# a count of other regions than the one a post is about («вместе с другими регионами — 42», "in other regions"),
# or of the whole country named so («по нашій країні 120 ракетами», «по всей Украине», "across the country");
# not a strike on the country told with a place in it («удар по Украине ... в Днепре»)
_OTHER_REGIONS = re.compile(r"\b(?:other|другими|других|другие|інших|іншими|інші)\s+(?:[^\W\d_]+\s+)?"
                            r"(?:regions?|oblasts?|регион\w*|област\w*|регіон\w*)"
                            r"|\bпо\s+(?:всей|всій|нашій|нашей)\s+(?:Украин|Україн|стран|країн)\w*"
                            r"|\bacross\s+the\s+(?:whole\s+|entire\s+)?country", re.IGNORECASE)
# a conjunction before other regions: the post's own region is named with them («над Курской и другими областями»)
_WITH_OTHERS = re.compile(r"\b(?:и|і|й|та|and)\s+$", re.IGNORECASE)
_COUNT_RANGE = re.compile(r"[-–](\d+)(?![\d.,:])")  # «15-20 пострадавших»: the range's upper end
_CLAUSE_BREAK = re.compile(r"[,:;—–(]")  # marks that end a clause within a sentence
# Words before a count that tell it as risen to its value: a later value of a unit told so is the post's latest
RISE_STEMS = ("зрос", "возрос", "вырос", "вирос", "увелич", "збільш", "rose", "risen", "increas", "climb", "достиг",
              "досяг", "сягну")
RISE_REACH = 4  # words before the number within which a word of rising tells it
# Words of a count's clause that tell it as a total over a longer time, not the post's event's
# («Всего с начала года ... выросло до 300», "since the start of the invasion", «від початку року»)
TOTAL_WORDS = frozenset({"всего", "загалом", "усього", "всього", "since"})
TOTAL_PAIRS = frozenset({("с", "начала"), ("от", "начала"), ("від", "початку"), ("з", "початку"), ("in", "total"),
                         ("this", "year")})
# Words before a count of people that make it an increment of a toll, not the toll («ещё двое погибших»)
INCREMENTS = {"еще", "ще", "another", "дополнительно", "додатково"}
# Units of a toll: the people an event befell, whose count «ещё N» adds to
TOLL_UNITS = frozenset({"killed", "injured", "hospitalised", "children"})
# what an increment adds to: a toll («ещё двое ранены»), a count shot down («сбиты ещё два беспилотника»)
INCREMENT_UNITS = TOLL_UNITS | frozenset(SHOT_DOWN_UNITS) | frozenset(f"{u} shot down" for u in SHOT_DOWN_UNITS)
# Words naming a toll's count («Число погибших», «Кількість загиблих», "the death toll", "the number of")
TOLL_STEMS = ("число", "количеств", "кількіст", "number", "toll")
# A change told with both values («возросло с 14 до 18», "rose from 21 to 24"): the first is no figure
CHANGE_FROM = {"с", "со", "з", "із", "from", "от", "від"}
_CHANGE_TO = re.compile(r"\s+(?:до|to)\s+", re.IGNORECASE)
_JOINED = re.compile(r"[^\W\d_]*(?:\s+[^\W\d_]+)*\s+", re.UNICODE)


@dataclass(frozen=True)
class Figure:
    unit: str
    value: int
    words: str  # as written: "31 человек", "24 people injured"
    # the post's other values of the unit: its parts («42 беспилотника, из них 32 над Брянской»), or
    # the figures of a statement's several events; known to the story, never a change of their own
    also: tuple[int, ...] = ()
    parts: tuple[int, ...] = ()  # those of ``also`` told as its parts («из них 27», "27 of them")
    approximate: bool = False  # told as approximate («более 120», "over 150")
    sentence: str = field(default="", compare=False)  # the sentence it is told in (where it was counted)
    voiced: tuple[int, ...] = ()  # those of ``also`` told in a sentence of another speaker («По данным МЧС, ... 8»)

    def key(self) -> tuple[str, int]:
        return (self.unit, self.value)

    def values(self) -> tuple[int, ...]:
        return (self.value, *self.also)

    def as_change(self) -> dict[str, object]:
        return {"unit": self.unit, "value": self.value, "words": self.words}


@dataclass
class Claim:
    figures: list[Figure] = field(default_factory=list)
    kinds: set[str] = field(default_factory=set)
    signature: np.ndarray | None = None
    bands: list[int] = field(default_factory=list)
    shingles: int = 0
    actor: str | None = None
    when: When = field(default_factory=When)
    spoken: bool = False  # the speaker is named beside a word of speech in the post's lead
    objects: set[str] = field(default_factory=set)  # the named weapons it speaks of (OBJECT_STEMS)
    confirms: bool = False  # its lead says a party confirms the event («Минобороны подтвердило»)
    hedged: bool = False  # its lead tells the event as unconfirmed («якобы», "reportedly", «сообщают СМИ»)
    increments: list[Figure] = field(default_factory=list)  # counts added to a toll («ещё двое ранены»): "+2"
    lead_kinds: set[str] = field(default_factory=set)  # the event kinds its lead (headline, first sentence) names
    facilities: dict[str, str] = field(default_factory=dict)  # the airports and airfields it names: key -> name
    denies: bool = False  # it says a party denies or refutes what was told («опровергли», "denied")
    _blob: bytes | None = field(default=None, repr=False, compare=False)

    def blob(self) -> bytes | None:
        """The signature as stored (``to_blob``), made once."""
        if self._blob is None and self.signature is not None:
            self._blob = to_blob(self.signature)
        return self._blob


_EVENT_UNITS = {k: UNIT_STEMS[k] for k in ("hospitalised", "injured", "killed", "evacuated")}  # units an event word names


def _stem_of(word: str, table: dict[str, tuple[str, ...]]) -> str | None:
    for unit, stems in table.items():
        if word.startswith(stems):
            return unit
    return None


def _fold(word: str) -> str:  # normalise.fold through the matcher's cache: the same words recur in every post
    return folded(word)[0]


@lru_cache(maxsize=200_000)
def _unit(word: str) -> str | None:
    """The unit a folded word counts (UNIT_STEMS), cached: the same words recur in every post."""
    return None if word.startswith(NOT_UNIT_STEMS) else _stem_of(word, UNIT_STEMS)


# Words a kind's stem begins that tell no such event: weapons fired, not a fire («fired missiles»); a maker (Bombardier)
NOT_KIND_WORDS = frozenset({"bombardier", "bombardiers", "fired", "firing", "firearm", "firearms", "fireworks", "firefight", "firepower"})


BOMBARDMENT_WORDS = frozenset({"bombardment", "bombardments", "bombard", "bombards", "bombarded", "bombarding"})  # not "Bombardier"


@lru_cache(maxsize=200_000)
def _kind(word: str) -> str | None:
    if word in BOMBARDMENT_WORDS:
        return "shelling"  # "the bombardment caused fires": any attack in English, no sign of bombs
    return None if word in NOT_KIND_WORDS else _stem_of(word, KIND_STEMS)


def _event_after(text: str, after: list[tuple[int, int, str]], end: int) -> tuple[str, int] | None:
    """The unit an event word names right after ``end``, a number's or its generic noun's ("100
    were wounded", "24 people injured", "people were evacuated": only spaces and auxiliaries
    between), with where that word ends."""
    following = [w for w in after if w[0] > end and w[2] not in AUXILIARIES][:1]
    if not following or not _JOINED.fullmatch(text, end, following[0][0]):
        return None
    unit = _stem_of(following[0][2], _EVENT_UNITS)
    return (unit, following[0][1]) if unit else None


def extract_figures(text: str, increments: list[Figure] | None = None, *, named_tolls: bool = True) -> list[Figure]:
    """Numbers with what they count, one figure per unit: the first value is the headline, the
    others (``Figure.also``) its parts («44 drones: 20 over Novgorod, 5 over Kursk») or the counts
    of a statement's other events; counts added to a toll («ещё двое ранены») go to ``increments``.
    Negated numbers («а не 9») and numbers told before («ранее сообщалось о 9») are no figures. See the module doc."""
    text = _SQUARE_METRE.sub("метров", _SQUARE_KM.sub("км²", digits_for_words(_URL.sub(" ", text))))
    text = _LIVES_COUNTED.sub(r"killed \1 lives", _LIVES_TAKEN.sub(r"\1 killed\2", _OUT_OF.sub(_count_out_of, text)))
    text, named = _named_toll(text) if named_tolls else (text, {})
    figures: list[Figure] = []
    units: set[str] = set()
    ends: list[int] | None = None  # where the text's sentences end, found at the first number
    words: list[tuple[int, int, str]] = []  # (start, end, folded) of the text's words, with ends
    starts: list[int] = []
    carried: list[tuple[int, int, str]] = []  # the words before a change's first value («с 14 до 18»)
    for m in _NUMBER.finditer(text):
        if m.group(2) is not None:
            continue  # 08.00, 12:30, 7.5, 1,5: times and fractions, not counts
        value = int(_NON_DIGIT.sub("", m.group(1)))
        # the sentence the number stands in
        if ends is None:
            ends = [s.end() for s in _SENTENCE.finditer(text)]
            words = [(w.start(), w.end(), _fold(w.group())) for w in _WORD.finditer(text)]
            starts = [w[0] for w in words]
        before_number = bisect_right(ends, m.start())
        left = ends[before_number - 1] if before_number else 0
        right_match = _SENTENCE.search(text, m.end())
        right = right_match.start() if right_match else len(text)
        # the first four words after the number and the last six before it, in its sentence (no
        # word runs across a number's edges or a sentence mark)
        at = bisect_left(starts, m.end())
        after = [w for w in words[at:at + 4] if w[1] <= right]
        upto = bisect_left(starts, m.start())
        before = carried + words[max(upto - 6, bisect_left(starts, left, 0, upto)):upto]
        carried = []
        next_number = _NUMBER.search(text, m.end())
        if next_number and _CHANGE_TO.fullmatch(text, m.end(), next_number.start()) and before \
                and before[-1][2] in CHANGE_FROM:
            carried = before  # the value a figure changed from: the one it changed to is the figure
            continue
        if _not_a_count(text, m.start(), (m.group(1), value), before, after) or _elsewhere(text, m.start(), m.end(), (left, right)):
            continue
        after = _own_words(text, after, m.end(), next_number.start() if next_number else None)
        unit, noun, skip = _unit_of(text, words, starts, (left, right, upto, m.end()), before, after)
        if skip:
            continue
        part_after = len(after) > 1 and after[0][2] in PART_OF and after[1][2] in PART_WORDS  # "27 of them"
        if unit is None and figures and (any(w[2] in PART_WORDS for w in before[-3:]) and before[-1][0] > left
                                         or part_after and value < figures[-1].value):
            last = figures[-1]  # «42 БПЛА, из них 32 — над ...», «34 дрона, 27 из них над ...»
            figures[-1] = replace(last, also=(*last.also, value), parts=(*last.parts, value))
            continue
        if unit is None or unit in PERSON_UNITS:
            unit = _in_hospital(text, (m.start(), m.end()), (left, right)) or unit
        if unit is None:
            continue
        end = noun[1] if noun else m.end()
        if unit in SHOT_DOWN_UNITS and _shot_down(text, words, starts, before, (m.start(), end, right)):
            unit += " shot down"
        if _increment(unit, before, after, units):
            if increments is not None and unit in INCREMENT_UNITS and unit not in {f.unit for f in increments}:
                increments.append(Figure(unit, value, " ".join(text[m.start():noun[1] if noun else m.end()].split())))
            continue  # «ещё один ребёнок скончался», "two more people died": an increment, not the toll
        written = named.get(m.start()) or " ".join(text[m.start():end].split())  # people named: the post's words
        found_figure = _ranged(Figure(unit, value, written, approximate=_approximate(before), sentence=text[left:right]),
                               text, m.end())
        value = found_figure.value
        if unit not in units:
            units.add(unit)
            figures.append(found_figure)
        else:  # another value of a unit already read: a part, or another event's count
            at_unit = next(i for i, f in enumerate(figures) if f.unit == unit)
            known = figures[at_unit]
            if value > known.value and any(w[2].startswith(RISE_STEMS) for w in before[-RISE_REACH:]) \
                    and not _a_total(text, words[bisect_left(starts, left, 0, upto):upto], m.start()):
                # a count told as risen («кількість поранених зросла до 47» after «понад 40»): the post's latest
                figures[at_unit] = replace(found_figure, also=tuple(v for v in known.values() if v != value))
            elif value not in known.values():
                part = value < known.value and (part_after or any(w[2] in PART_WORDS for w in before))
                voiced = (*known.voiced, value) if _another_speaker(text[left:right], known.sentence) else known.voiced
                figures[at_unit] = replace(known, also=(*known.also, value), parts=(*known.parts, value) if part else known.parts,
                                           voiced=voiced)
    return _shot_down_together(figures)


# Services that give counts of their own besides ACTOR_STEMS («по данным МЧС», «Спасательная служба объявила»): word beginnings
SERVICE_STEMS = ("мчс", "гсчс", "дснс", "минздрав", "спасател", "рятувальн", "rescue", "emergencies ministry", "emergency service",
                 "health ministry")
# A count told as a total of a longer time («всего с начала года», "since the start of the war"): no party's count of the event
_CUMULATIVE = re.compile(r"\b(?:с\s+начала|за\s+(?:этот\s+|текущий\s+)?год|since\s+the\s+(?:start|beginning)|this\s+year"
                         r"|so\s+far|з\s+початку|за\s+(?:цей\s+)?рік|с\s+(?:февраля|августа)\s+\d{4})", re.IGNORECASE)


def _another_speaker(sentence: str, first: str) -> bool:
    """Whether a sentence gives a count as another party's: it names a speaker (ACTOR_STEMS, SERVICE_STEMS), not
    the one of the first count's sentence, and tells no total of a longer time (_CUMULATIVE)."""
    if _CUMULATIVE.search(sentence):
        return False
    words = folded_text(sentence)
    speaker = extract_actor(sentence) or next((s for s in SERVICE_STEMS if f" {s}" in f" {words}"), None)
    return speaker is not None and (sentence == first or speaker != extract_actor(first))


# Those still in hospital («77 пострадавших остаются в больницах», "remain in hospital"), not those hospitalised
_STAYING = re.compile(r"\b(?:оста[ёеюя]|находя|находит|залиша|перебува|remain(?!ing)|still)", re.IGNORECASE)
_HOSPITAL = re.compile(r"\b(?:больниц|стационар|лікарн|госпітал(?!із)|hospitals?\b)", re.IGNORECASE)
_TOTAL_BEFORE = re.compile(r"\b(?:из|із|з|of)(?:\s+the)?\s+$", re.IGNORECASE)  # «из 12 пострадавших 8 ...»: the total, not those staying
STAYING_REACH = 2  # words at most between a count and the verb saying they stay («77 пострадавших остаются»)


def _in_hospital(text: str, number: tuple[int, int], sentence: tuple[int, int]) -> str | None:
    """What a count of people counts when its clause says they are still in hospital («77 пострадавших
    остаются в больницах», «у лікарнях залишаються 30», "23 patients remain in hospitals"): a count of its
    own ("in hospital", falling as they leave), not the injured or the hospitalised. The verb of staying stands
    within STAYING_REACH words of the count ("2 people were injured and are still in hospital": 2 injured), and
    a total they are some of («из 12 пострадавших») is no such count."""
    (start, end), (left, right) = number, sentence
    clause_start = max([text.rfind(mark, left, start) for mark in ",;:("] + [left])
    breaks = [at for at in (text.find(mark, end, right) for mark in ",;:(") if at >= 0]
    clause_end = min(breaks, default=right)
    if _TOTAL_BEFORE.search(text, clause_start, start) or not _HOSPITAL.search(text, clause_start, clause_end):
        return None
    return "in hospital" if any(_near(text, (start, end), (m.start(), m.end()))
                                for m in _STAYING.finditer(text, clause_start, clause_end)) else None


def _near(text: str, one: tuple[int, int], other: tuple[int, int]) -> bool:
    """Whether two spans of a text stand within STAYING_REACH words of each other."""
    between = text[one[1]:other[0]] if one[1] <= other[0] else text[other[1]:one[0]]
    return len(_WORD.findall(between)) <= STAYING_REACH


def _elsewhere(text: str, start: int, end: int, sentence: tuple[int, int]) -> bool:
    """Whether a count's clause (from a comma, semicolon or colon before it to one of those or a dash
    after it) says it is of other regions only («вместе с другими регионами — 42», "36 drones were shot
    down in other western regions"; not «над Курской и другими областями») or of the whole country."""
    left, right = sentence
    clause_start = max([text.rfind(mark, left, start) for mark in ",;:"] + [left])
    breaks = [at for at in (text.find(mark, end, right) for mark in ",;:—") if at >= 0]
    found = _OTHER_REGIONS.search(text, clause_start, min(breaks, default=right))
    return found is not None and not _WITH_OTHERS.search(text, clause_start, found.start())


# Words just before a number that tell it as approximate («более 120», "more than 150", «понад 20»)
APPROXIMATE = {"более", "свыше", "больше", "около", "почти", "порядка", "понад", "більше", "близько", "майже",
               "щонайменше", "over", "about", "almost", "nearly"}
APPROXIMATE_PAIRS = {("more", "than"), ("at", "least"), ("не", "менее"), ("не", "меньше"), ("не", "менше")}


def _approximate(before: list[tuple[int, int, str]]) -> bool:
    """Whether the words just before a number tell it as approximate."""
    return bool(before) and (before[-1][2] in APPROXIMATE or tuple(w[2] for w in before[-2:]) in APPROXIMATE_PAIRS)


def _a_total(text: str, sentence: list[tuple[int, int, str]], start: int) -> bool:
    """Whether the clause of the number at ``start`` (its sentence's words before it, from the last
    clause mark) tells a total since some time (TOTAL_WORDS, TOTAL_PAIRS)."""
    clause = [w[2] for w in sentence if not _CLAUSE_BREAK.search(text, w[1], start)]
    return bool(TOTAL_WORDS & set(clause)) or any(pair in TOTAL_PAIRS for pair in zip(clause, clause[1:]))


def _ranged(figure: Figure, text: str, end: int) -> Figure:
    """A count told as a range («15-20 пострадавших», «1-3 км»): its upper end, the lower one known as well."""
    upper = _COUNT_RANGE.match(text, end)
    if upper is None or int(upper.group(1)) <= figure.value:
        return figure
    return replace(figure, value=int(upper.group(1)), also=(figure.value,))


def _count_out_of(m: re.Match[str]) -> str:
    """«7 из 8 ракет» as «7 ракет из 8 ракет»: the words up to the second number's noun, given to the
    first, when it counts things (drones, missiles), not people."""
    nouns = m.group(3).split()
    at = next((i for i, word in enumerate(nouns) if _unit(_fold(word))), None)
    if at is None or _unit(_fold(nouns[at])) in PERSON_UNITS:
        return m.group()  # «погибли 2 из 3 пострадавших»: people, each count its own event's
    return f"{m.group(1)} {' '.join(nouns[:at + 1])}{m.group(2)}{m.group(3)}"


def _unit_of(text: str, words: list[tuple[int, int, str]], starts: list[int], at: tuple[int, int, int, int],
             before: list[tuple[int, int, str]], after: list[tuple[int, int, str]],
             ) -> tuple[str | None, tuple[int, int] | None, bool]:
    """The unit a number counts, where its noun ends, and whether it is no count at all (a duration):
    the noun after it, an event word after it ("100 were wounded", «9 получили ранения»), else the
    event word before it (not before a contrast: «госпіталізовано, а 3 отримали допомогу») or the toll
    word of its sentence; a count of people («5 человек») is never one of things."""
    left, right, upto, end = at  # its sentence's edges, the index of its first word after, its end
    unit, noun, generic = _noun_of(text, after)
    if unit is None and not generic:
        event = _event_after(text, after, end)
        if event is not None:
            return event[0], (end, event[1]), False
    if unit is None:
        if after and after[0][2].startswith(DISTANCE_STEMS) and _advanced(words, starts, left, right, after):
            return "km advanced", (after[0][0], after[0][1]), False
        if after and (after[0][2].startswith(NOT_FIGURES) or after[0][2] == "лет"):
            return None, None, True
        sentence = words[bisect_left(starts, left, 0, upto):upto]
        own = [w for w in sentence if not _CLAUSE_BREAK.search(text, w[1], end)]  # the number's clause
        unit = _unit_before(sentence, _after_contrast(before), own)
    if generic and unit not in PERSON_UNITS:
        unit = "people"
    return unit, noun, False


def _after_contrast(before: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The words before a number after the last word of contrast («а», «але», "but"): an event word
    before that is another group's («4 госпіталізовано, а 3 отримали допомогу на місці»)."""
    at = max((i for i, w in enumerate(before) if w[2] in CONTRASTS), default=-1)
    return before[at + 1:]


def _increment(unit: str, before: list[tuple[int, int, str]], after: list[tuple[int, int, str]], units: set[str]) -> bool:
    """Whether a count adds to one («ещё двое погибших», "two more people died", «сбито ещё 8
    беспилотников» after 4): to a count of its unit the text told, or to the story's when the text told
    none. After a count of another unit, or another toll told without a number, it lists more of
    something else (a toll of its own: «погибли 8, ещё 18 ранены», «погибла женщина, ещё 10 ранены»)."""
    if unit not in PERSON_UNITS and unit not in INCREMENT_UNITS:
        return False
    if not (before and before[-1][2] in INCREMENTS
            or after and after[0][2] == "more" and not (len(after) > 1 and after[1][2] == "than")):
        return False
    if units:
        return unit in units
    return not any(_stem_of(w[2], _EVENT_UNITS) not in (None, unit) for w in before)


def _shot_down(text: str, words: list[tuple[int, int, str]], starts: list[int], before: list[tuple[int, int, str]],
               span: tuple[int, int, int]) -> bool:
    """Whether a count of drones or missiles counts those shot down: a shoot-down word just before it
    (not for an increment: «ещё 3»), or in its clause before it («ПВО уничтожили над областью 27
    дронов»), between it and its noun («23 сбитых дрона»), or after its noun up to the clause's end."""
    start, end, right = span  # the number's start, its noun's end, its sentence's end
    if _OUT_OF_BEFORE.search(text, max(0, start - 12), start):
        return False  # «5 из 6 ракет», "66 of the 93 drones": the total, not those shot down
    clause = text.find(",", end, right)
    stop = right if clause < 0 else clause
    at = bisect_left(starts, end)
    following = [w[2] for w in words[at:at + 4] if w[1] <= stop]
    between = [w[2] for w in words[bisect_left(starts, start):at]]
    own = [b[2] for b in before if not _CLAUSE_BREAK.search(text, b[1], start)]
    # an increment is shot down only when its own clause says so (not «сбиты 5 дронов, ещё 3 дрона упали»)
    increment = bool(before) and before[-1][2] in INCREMENTS or "more" in between
    near = [] if increment else [b[2] for b in before[-3:]]
    return any(w.startswith(SHOT_DOWN_STEMS) for w in near + own + between + following)


def _own_words(text: str, after: list[tuple[int, int, str]], end: int, next_number: int | None) -> list[tuple[int, int, str]]:
    """The words after a number that may name what it counts: none after a comma ("kills 10, injures
    55"), none after the next number («до 3 — 2 ребенка и взрослый»)."""
    if after and "," in text[end:after[0][0]]:
        return []
    return [w for w in after if next_number is None or w[0] < next_number]


def _unit_before(sentence: list[tuple[int, int, str]], before: list[tuple[int, int, str]],
                 own: list[tuple[int, int, str]]) -> str | None:
    """The unit of a number without a noun: the event word just before it; in a toll's sentence
    («Число погибших ... возросло до 24»), the toll's own noun («Число погибших от ракетного удара ...
    до 11», "death toll"), else any unit word before it; but an event word in the number's ``own``
    clause after the toll's («Число погибших возросло до 5, пострадали 12 человек») is its unit."""
    toll = any(word.startswith(TOLL_STEMS) for _, _, word in sentence)
    if toll and not any(word.startswith(TOLL_STEMS) for _, _, word in own):
        found = next((u for _, _, word in reversed(own) if (u := _stem_of(word, _EVENT_UNITS))), None)
        if found:
            return found
    for _, _, word in reversed((_toll_nouns(sentence) or sentence) if toll else before):
        found = _unit(word) if toll else _stem_of(word, _EVENT_UNITS)
        if found:
            return found
    return None


def _toll_nouns(sentence: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """The words naming what a toll counts: the two after «число»/«кількість»/"number of", the one before "toll"."""
    for i, (_, _, word) in enumerate(sentence):
        if word.startswith(TOLL_STEMS):
            near = sentence[i - 1:i] if word == "toll" else sentence[i + 1:i + 3]
            if any(_unit(w[2]) for w in near):
                return near
    return []


def _advanced(words: list[tuple[int, int, str]], starts: list[int], left: int, right: int,
              after: list[tuple[int, int, str]]) -> bool:
    """Whether a distance is how far troops advanced («продвинулись на 15 км», "10 kilometers deep"):
    its sentence speaks of an advance and the distance is not one from somewhere («в 10 км от границы»)."""
    if len(after) > 1 and after[1][2] in FROM_WORDS:
        return False
    sentence = words[bisect_left(starts, left):bisect_left(starts, right)]
    return any(word.startswith(ADVANCE_STEMS) for _, _, word in sentence)


def _shot_down_together(figures: list[Figure]) -> list[Figure]:
    """A post's plain counts of what it says was shot down are parts of that count («44 drones
    shot down: Novgorod region 20 drones»)."""
    by_unit = {f.unit: f for f in figures}
    for unit in SHOT_DOWN_UNITS:
        plain, shot = by_unit.get(unit), by_unit.get(f"{unit} shot down")
        if plain and shot:
            if max(plain.values()) < shot.value:  # smaller: its parts; larger: a count launched
                extra = tuple(v for v in plain.values() if v not in shot.values())
                by_unit[shot.unit] = replace(shot, also=(*shot.also, *extra), parts=(*shot.parts, *extra))
                del by_unit[unit]
    return [by_unit[f.unit] for f in figures if f.unit in by_unit]


def _not_a_count(text: str, start: int, number: tuple[str, int], before: list[tuple[int, int, str]],
                 after: list[tuple[int, int, str]]) -> bool:
    """Whether a number (its digits as written, its value) at ``start`` is no count: a date, a year,
    an age or a source's name, one of a group it names after it, a negated number or one told before."""
    digits, value = number
    if after and after[0][2].startswith(MONTHS):
        return True  # 7 августа
    if before and before[-1][2].startswith(MONTHS) and value <= 31 and (not after or not _unit(after[0][2])):
        return True  # August 7 (not «23 ноября пятью ракетами»)
    if digits.isdigit() and 1900 <= value <= 2100 and (not after or not _unit(after[0][2])):
        return True  # a year
    gap = text[before[-1][1]:start] if before else ""
    return _named_by(before, gap) or _one_of(text, after) or _told_otherwise(before)


def _one_of(text: str, after: list[tuple[int, int, str]]) -> bool:
    """Whether a number counts some of a group it names after it («помер 1 з поранених», "4 of the
    wounded are in critical condition"): part of a count, no count of its own. Not with a total
    between («2 из 3 пострадавших»): a count of its own and a total of the group."""
    group = [w for w in after[1:3] if w[2] != "the"]
    return bool(after) and after[0][2] in PART_OF and bool(group) and _unit(group[0][2]) is not None \
        and not _DIGIT.search(text, after[0][1], group[0][0])


def _named_by(before: list[tuple[int, int, str]], gap: str) -> bool:
    """Whether a number is an age («в возрасте 7, 10 и 11 лет», "aged 7", «віком від 7 до 11») or a
    source's name («источник 112», «Telegram-канал 112»: only ``gap``, spaces or a hyphen, between
    them; not «Как сообщил источник, 3 человека погибли»), not a count."""
    if before and before[-1][2] in NAME_WORDS and _NAME_GAP.fullmatch(gap):
        return True
    words = [w[2] for w in before]
    while words and words[-1] in RANGE_WORDS:
        words.pop()
    return bool(words) and words[-1] in AGE_WORDS


HEAD_NOUNS = ("пункт",)  # nouns whose kind the next word names («пункты несокрушимости»)


def _noun_of(text: str, after: list[tuple[int, int, str]]) -> tuple[str | None, tuple[int, int] | None, bool]:
    """The unit the words after a number name, where its noun lies, and whether the noun is a
    generic one (people, residents)."""
    names = 0  # capitalised words skipped
    for i, (start, end, word) in enumerate(after[:3]):
        if word.startswith(NOT_FIGURES) and not _unit(word) and not _adjective(word):
            break
        found = _unit(word)
        if found:
            return found, (start, end), False
        if word.startswith(GENERIC_STEMS):
            event = _event_after(text, after, end)
            return (event[0], (start, event[1]), True) if event is not None else (None, (start, end), True)
        if _name_before_noun(text, after, i) and not names:
            names += 1  # a capitalised English word is a name that describes the count ("13 Kursk residents")
        elif word.startswith(HEAD_NOUNS):
            continue  # «674 пункти незламності»: the next word tells what the points are
        elif word not in FILLER and not _adjective(word):
            break
    return None, None, False


# English words a headline capitalises that name nothing ("Kills 10 As Drones Hit Port")
FUNCTION_WORDS = frozenset({"a", "an", "the", "as", "after", "in", "on", "at", "and", "or", "but", "for", "from", "by",
                            "with", "while", "when", "since", "before", "amid", "into", "near", "is", "are", "was",
                            "were", "have", "has", "had", "be", "been", "this", "that", "these", "those"})


def _name_before_noun(text: str, after: list[tuple[int, int, str]], at: int) -> bool:
    """Whether the word at ``at`` after a number is a capitalised English name right before the
    count's noun («13 Kursk residents»), not a function word of a headline ("10 As Drones Hit")."""
    start, _, word = after[at]
    if not (word.isascii() and text[start].isupper()) or word in FUNCTION_WORDS or at + 1 >= len(after):
        return False
    noun = after[at + 1][2]
    return _unit(noun) is not None or noun.startswith(GENERIC_STEMS)


def _adjective(word: str) -> bool:
    """Whether a folded word has a plural adjective's ending (Russian, Ukrainian) or an English
    adjective's («secondary», not a count of seconds)."""
    return len(word) > 4 and (word.endswith(_ADJECTIVE_ENDINGS) or word.isascii() and word.endswith(_EN_ADJECTIVE_ENDINGS))


def _told_otherwise(before: list[tuple[int, int, str]]) -> bool:
    """Whether the words before a number make it no figure of the claim: a negated number («а не
    9», "not 9") or one told earlier («ранее сообщалось о 9»)."""
    if before and before[-1][2] in NEGATIONS:
        return True
    return any(word in EARLIER for _, _, word in before)


def extract_kinds(text: str) -> set[str]:
    """The event kinds a text speaks of (KIND_STEMS), links and mentions left out."""
    if not unicodedata.is_normalized("NFC", text):
        text = unicodedata.normalize("NFC", text)  # composed first: a decomposed letter would split a word
    return _kinds_of(_words(text), text)


# Words naming a body beside an event word that make the word its name, not an event: the Emergencies
# Ministry («Министерство по чрезвычайным ситуациям», "emergency situations ministry") declares nothing
BODY_STEMS = ("ministr", "министерств", "міністерств", "служб", "service", "ведомств", "відомств")
# Nouns right after "emergency" that make it the response to an event, not a regime declared: an
# emergency response, emergency workers, emergency power cuts
RESPONSE_STEMS = ("respon", "worker", "crew", "team", "power", "room", "depart", "landing", "call", "medic", "rescu")


# A counter-terrorism regime as written: «режим КТО» in capitals in any case ending (not «режим, кто»,
# who), "counter-terrorism operation" or "regime"
_REGIME_KTO = re.compile(r"\b[Рр]ежим\w*\s+КТО\b|(?i:\bcounter[- ]?terror\w*\s+(?:operation|regime))")
# Nouns after a counter-terrorism word that make it a body's name ("counter-terrorism center"), not a regime
CT_BODY_STEMS = BODY_STEMS + ("center", "centre", "центр", "комитет", "комітет", "committee", "unit", "подраздел",
                              "підрозділ", "department", "департамент", "division", "agency")


def _unsaid(kind: str, words: list[str], at: int) -> bool:
    """Whether the word at ``at`` with a kind's stem tells no such event where it stands."""
    if kind == "emergency":
        return _not_a_regime(words, at)
    if kind == "fire":
        return _shooting(words, at)
    if kind == "counter-terrorism":
        return any(w.startswith(CT_BODY_STEMS) for w in words[at + 1:at + 3])
    if kind == "mourning":
        return not _mourning_declared(words, at)
    if kind == "outage":  # «отключения света», not of sirens, gas or the internet, nor «перебои с поставками»
        return not words[at].startswith(POWERLESS_STEMS) and not any(
            w.startswith(POWER_STEMS) for w in words[max(0, at - 3):at + 4])
    return False


# Words of days before a word of mourning («день траура», «днём жалоби», "days of mourning"), and of declaring it
DAY_WORDS = frozenset({"день", "дни", "дней", "днем", "дня", "дні", "днів", "day", "days"})
DECLARE_STEMS = ("объяв", "оголош", "оголос", "declar")


def _mourning_declared(words: list[str], at: int) -> bool:
    """Whether the mourning word at ``at`` tells a day of mourning: «день траура», «дни жалоби», "day of
    mourning", or «траур», «жалобу» declared («объявлен траур», «жалобу оголошено»); not "Mourning
    relatives", «траурный митинг», «жалоба» (a complaint)."""
    word, near = words[at], words[max(0, at - 3):at + 4]
    day = words[at - 1] if word != "mourning" else " ".join(words[max(0, at - 2):at]).removesuffix(" of")
    if at > 0 and day in DAY_WORDS:
        return word in ("траура", "жалоби", "mourning")
    return word in ("траур", "жалобу", "mourning") and any(w.startswith(DECLARE_STEMS) for w in near)


# Words of electric power: an outage word means a power outage only beside one («перебои с электричеством»)
POWER_STEMS = ("свет", "электр", "світл", "енерг", "энерг", "електр", "power", "electric")
POWERLESS_STEMS = ("знеструм", "обесточ")  # outage words that name power themselves
POWER_WORDS = frozenset({"power", "electricity"})
CUT_WORDS = frozenset({"cut", "cuts", "off", "cutting"})


def _power_cut(words: list[str]) -> bool:
    """Whether words tell power cut without an outage word: "power was cut", "cut power to", "without
    power", «без света», «без світла»."""
    for i, word in enumerate(words):
        if word in ("без", "without") and i + 1 < len(words) and words[i + 1].startswith(POWER_STEMS):
            return True
        if word in POWER_WORDS and CUT_WORDS & set(words[max(0, i - 2):i] + words[i + 1:i + 4]):
            return True
    return False


def _all_clear(words: list[str]) -> bool:
    """Whether a clause's words tell an all-clear: the danger itself lifted («опасность отменили», «скасували
    тривогу», "the alert was lifted"), "all clear", «отбой» as a word of its own, or «отбоя» of a danger
    («об отбое опасности»; not «отбоя нет от волонтеров», nor «отбойный»)."""
    if "all clear" in " ".join(words) or ALL_CLEAR_WORDS & set(words):
        return True
    return any(w.startswith(LIFTED_STEMS) and any(v.startswith(DANGER_STEMS) for v in words[max(0, at - 2):at + 3])
               or w in ALL_CLEAR_OF and any(v.startswith(DANGER_STEMS) for v in words[at + 1:at + 3])
               for at, w in enumerate(words))


def _alert_declared(words: list[str]) -> bool:
    """Whether a clause's words declare an alert («снова объявили ракетную тревогу», "an alert was declared")."""
    return any(w.startswith(_ALERT_STEMS) for w in words) and any(w.startswith(DECLARED_STEMS) for w in words)


def _kinds_of(words: list[str], text: str) -> set[str]:
    kinds = {kind for at, kind in enumerate(map(_kind, words)) if kind and not _unsaid(kind, words, at)}
    joined = " ".join(words)
    if "air" in words and "air raid" in joined:
        kinds.add("air alert")
    if "shot" in words and "shot down" in joined:
        kinds.add("shoot-down")
    clauses = [_words(clause) for clause in _CLAUSE_BREAK.split(text)]
    if any(_all_clear(clause) for clause in clauses):
        kinds.add("all-clear")
        if not any(_alert_declared(clause) for clause in clauses):
            kinds.discard("air alert")  # the alert's end, not an alert: a claim of its own
    if _REGIME_KTO.search(text):
        kinds.add("counter-terrorism")
    if _power_cut(words):
        kinds.add("outage")
    if {"плен", "полон"} & set(words):  # «взят в плен», «в полон»: not «пленный», a prisoner who speaks
        kinds.add("capture")
    if {"суд", "суду", "судом", "суде", "судья", "судьи", "судье", "court"} & set(words):  # not Суджа, судьба, суда (ships)
        kinds.add("court")
    for i, word in enumerate(words):
        following = words[i + 1:i + 3]
        # long-range weapons are missiles, unless drones («далекобійні дрони»)
        if word.startswith(CRIMINAL_STEMS) and any(w.startswith(CRIMINAL_MATTERS) for w in following):
            kinds.add("court")  # a criminal case or charges, not a criminal as a label
        if word.startswith(LONG_RANGE) and not any(_kind(w) == "drone" for w in following):
            kinds.add("missile")
        # a response promised («ответные действия», «ответный удар»), not return fire («ответный огонь»)
        if word.startswith("ответн") and following and following[0].startswith(RESPONSE_NOUNS):
            kinds.add("retaliation")
    return kinds


# Words beside "fire" that make it shooting, not a blaze: under fire, artillery fire, fire control
SHOOTING_BEFORE = frozenset({"under", "artillery", "open", "opened", "opens", "cease", "return", "returned", "heavy"})
SHOOTING_AFTER = frozenset({"control"})
# What "fires" as a verb is followed by: where it shoots (at, on, into), or its weapon after these words
FIRED_AT = frozenset({"at", "on", "into", "upon"})
FIRE_NOUN_BEFORE = frozenset({"the", "a", "two", "three", "several", "many", "large", "massive", "huge", "major", "big",
                              "forest", "new", "more"})  # before "fires" as a noun
FIRED_MODIFIERS = frozenset({"long", "range", "uk", "us", "american", "british", "french", "western", "its", "their",
                             "the", "a", "more", "new", "first", "ballistic", "cruise"})


def _shooting(words: list[str], at: int) -> bool:
    """Whether the English fire word at ``at`` tells shooting ("Ukraine fires Storm Shadow missiles",
    "came under fire", "fire control"), not a blaze: "fires" as a verb before its weapon or target, or a
    word of shooting beside it (whole words: "Fire in Ukraine's Odesa", "fire burned long" are blazes)."""
    if not words[at].startswith("fire"):
        return False  # «пожар», «пожежа»: always a blaze
    if at > 0 and words[at - 1] in SHOOTING_BEFORE or bool(SHOOTING_AFTER & set(words[at + 1:at + 2])):
        return True
    if words[at] != "fires" or at == 0 or words[at - 1] in FIRE_NOUN_BEFORE:
        return False  # "Fires at two substations", "massive fires on the outskirts": blazes
    for word in words[at + 1:at + 6]:
        if word in FIRED_AT or _kind(word) in WEAPON_KINDS:
            return True
        if word not in FIRED_MODIFIERS:
            return False
    return False


def _not_a_regime(words: list[str], at: int) -> bool:
    """Whether the emergency word at ``at`` names a body (the Emergencies Ministry) or a response
    ("emergency workers"), not a regime declared."""
    return (any(w.startswith(BODY_STEMS) for w in words[max(0, at - 2):at + 3])
            or words[at] == "emergency" and at + 1 < len(words) and words[at + 1].startswith(RESPONSE_STEMS))


_URL = re.compile(r"https?://\S+|t\.me/\S+|[@#]\w+")


def _words(text: str) -> list[str]:
    """The folded words of a text, links and mentions left out (each word folded alone)."""
    return [_fold(w) for w in _WORD.findall(_URL.sub(" ", text))]


def shingles(text: str) -> set[str]:
    return _shingles_of(_words(text))


def _shingles_of(words: list[str]) -> set[str]:
    if len(words) < 3:
        return {" ".join(words)} if words else set()
    return {" ".join(words[i:i + 3]) for i in range(len(words) - 2)}


def _permutations() -> tuple[np.ndarray, np.ndarray]:
    # a * h + b modulo 2**32 with odd a: datasketch 2's "affine32" scheme and its draws for SEED,
    # so that signatures stored by earlier versions (made with datasketch) stay comparable
    gen = np.random.RandomState(SEED)
    a = gen.randint(0, 1 << 31, NUM_PERM, dtype=np.uint32) * np.uint32(2) + np.uint32(1)
    b = gen.randint(0, 1 << 32, NUM_PERM, dtype=np.uint32)
    return a, b


_PERM_A, _PERM_B = _permutations()


_hashes: dict[str, int] = {}  # shingle -> its hash: the same phrases recur from post to post
_HASHES_HELD = 200_000


def _hash(item: str) -> int:
    h = int.from_bytes(hashlib.sha1(item.encode("utf-8")).digest()[:4], "little")
    # MurmurHash3's finaliser, in plain ints: a handful of numpy calls on a few values cost more
    h ^= h >> 16
    h = (h * 0x85EBCA6B) & 0xFFFFFFFF
    h ^= h >> 13
    h = (h * 0xC2B2AE35) & 0xFFFFFFFF
    h ^= h >> 16
    if len(_hashes) >= _HASHES_HELD:
        _hashes.clear()
    _hashes[item] = h
    return h


def minhash(items: set[str]) -> np.ndarray | None:
    """A NUM_PERM-value MinHash of a set of strings, or None for an empty set.

    Each string's hash is the first 4 bytes of its SHA-1 (little-endian), spread by the
    MurmurHash3 finaliser, then put through NUM_PERM affine permutations; the signature keeps
    each permutation's minimum. The values are those of datasketch 2's MinHash (scheme
    "affine32", seed SEED), which made the signatures stored by earlier versions.
    """
    if not items:
        return None
    cached = _hashes.get
    hv = np.array([cached(item) or _hash(item) for item in items], dtype=np.uint32)
    return (hv[:, None] * _PERM_A + _PERM_B).min(axis=0).astype(np.uint64)


# Band keys mix a band's ROWS values with fixed odd multipliers (arithmetic modulo 2**64) and a
# salt per band. They are computed, never stored (stored signatures give them again), so this
# mixing may change between versions.
_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93][:ROWS],
                dtype=np.uint64)
_SALT = (np.arange(1, BANDS + 1, dtype=np.uint64) * np.uint64(0xFF51AFD7ED558CCD))
_ONE = np.uint64(1)


def band_keys(signature: np.ndarray) -> list[int]:
    """One 63-bit key per band: posts sharing a key are candidates for near-duplicates."""
    # a matrix product sums each band's products (integer arithmetic wraps, without a warning)
    return (((signature.reshape(BANDS, ROWS) @ _MIX) ^ _SALT) >> _ONE).tolist()


def similarities(signature: np.ndarray, blobs: list[bytes]) -> np.ndarray:
    """The estimated Jaccard similarity of one signature with each of many stored ones, at once."""
    others = np.frombuffer(b"".join(blobs), dtype="<u8").reshape(len(blobs), NUM_PERM)
    return np.count_nonzero(others == signature, axis=1) / NUM_PERM


def from_blob(blob: bytes) -> np.ndarray:
    return np.frombuffer(blob, dtype="<u8")


def to_blob(signature: np.ndarray | None) -> bytes | None:
    return None if signature is None else signature.astype("<u8").tobytes()


_ACTOR = re.compile("|".join(
    rf"(?P<a{i}>\b(?:{'|'.join(re.escape(stem) for stem in stems)}))" for i, stems in enumerate(ACTOR_STEMS.values())))
_ACTOR_NAMES = list(ACTOR_STEMS)
# Words that say someone speaks; a dash before a name or a colon after it («— Минобороны», «Лавров:»)
# says so too. The speaker of a post is the first known one beside such a word.
SPEECH_STEMS = ("заяв", "сказа", "сообщ", "повідом", "said", "say", "told", "stated", "announc", "объяв", "оголос",
                "подтверд", "підтверд", "confirm", "назвал", "назвав", "отметил", "зазнач", "уточн", "написал",
                "написав", "wrote", "слов", "according", "считает", "вважа", "пообещ", "пообіц", "пригроз", "выраз",
                "вислов", "express", "отказал", "відмов", "declin", "признал", "визнав", "admit", "claim", "утвержд",
                "стверджу", "добав", "додав", "added", "поясн", "explain", "warn", "предупред", "попередж")
SPEECH_REACH = 4  # words between a speaker's name and the word that says it speaks
_TOKEN = re.compile(r"[^\W\d_]+|[—–:]", re.UNICODE)


# A name's dative ending (Путину, Путіну, губернатору, Зеленскому) or a word of telling before it
# in English ("told", "briefed") makes it the one spoken to
DATIVE_ENDINGS = ("у", "ю", "ому", "ему")
TOLD = {"told", "briefed", "informed"}


def _addressed(joined: list[str], begin: int, end: int) -> bool:
    last = joined[end - 1] if end > begin else joined[begin]
    return (last.endswith(DATIVE_ENDINGS) and not last.endswith(("ау", "ую")) and len(last) > 4) \
        or bool(TOLD & set(joined[max(0, begin - 2):begin]))


def spoken_by(text: str) -> str | None:
    """The first known speaker a text names beside a word of speech, or None."""
    return _speaker(text, spoken=True)


def extract_actor(text: str) -> str | None:
    """The speaker of a text: the first known one (ACTOR_STEMS) beside a word of speech, else the
    first known one it names, or None."""
    return _speaker(text, spoken=False)


def _speaker(text: str, *, spoken: bool) -> str | None:
    text = _URL.sub(" ", text)
    tokens = [(m.start(), m.group() if m.group() in "—–:" else _fold(m.group())) for m in _TOKEN.finditer(text)]
    joined, starts, at = [], [], 0
    for _, token in tokens:
        starts.append(at)
        joined.append(token)
        at += len(token) + 1
    folded = " ".join(joined) + " "  # a trailing space: a stem ending in one («ова ») ends a text too
    first = None
    for found in _ACTOR.finditer(folded):
        name = _ACTOR_NAMES[int(found.lastgroup[1:])] if found.lastgroup else None
        if name is None:
            continue
        begin, end = bisect_right(starts, found.start()) - 1, bisect_left(starts, found.end())
        if _addressed(joined, begin, end):
            continue  # the one spoken to («доложил Путину», "told Zelensky"), not the speaker
        first = first or name
        if begin > 0 and joined[begin - 1] in ("—", "–") or ":" in joined[end:end + 2]:
            return name
        near = joined[max(0, begin - SPEECH_REACH):begin] + joined[end:end + SPEECH_REACH]
        if any(word.startswith(SPEECH_STEMS) for word in near):
            return name
    if spoken:  # a lead that says someone spoke, naming one known speaker far from the word
        return first if any(word.startswith(SPEECH_STEMS) for word in joined) else None
    return first


def folded_text(text: str) -> str:
    """A whole text folded as the words are (lower case, NFC, ё -> е, one apostrophe)."""
    return " ".join(_fold(w) for w in _WORD.findall(_URL.sub(" ", text)))


def extract_objects(text: str) -> set[str]:
    """The named weapons a text speaks of (OBJECT_STEMS), in any of the three languages."""
    padded = f" {folded_text(text)}"
    return {name for name, stems in OBJECT_STEMS.items() if any(f" {stem}" in padded for stem in stems)}


# Facilities a strike or a closure names (an airport, an airfield): the name after the word («аэропорт
# Шереметьево», «аэродром "Халино"») or, in English, the one word before it ("Sheremetyevo airport")
FACILITY_STEMS = ("аэропорт", "аэродром", "аеропорт", "аеродром", "авиабаз", "авіабаз", "airport", "airfield",
                  "airbase")
_FACILITY_NAME = r"[«\"“„']?([A-ZА-ЯЁІЇЄҐ][\w’'-]+(?:\s*-\s*[A-ZА-ЯЁІЇЄҐ0-9][\w’'-]*)?)"
# the town an airport is told in («аэропорт в Курске», "the airport in Kursk"), not a region («в Курской области»)
_FACILITY_AFTER = re.compile(r"\b(?i:" + "|".join(FACILITY_STEMS) + r")\w*\s+(?:(?:в|у|in)\s+)?" + _FACILITY_NAME
                             + r"(?![\w’'-])(?!\s+(?i:област|обл\b|регион|район|oblast|region|province|край|краю|округ))")
# a list goes on after «и», «та», "and", or after a comma with a quoted name («Внуково», «Домодедово» и ...),
# not after a comma before a sentence's next words («аэропорт Внуково, Собянин сообщил»)
_FACILITY_MORE = re.compile(r"[»\"”']?\s*(?:,\s*(?=[«\"“„'])|\s(?:и|та|і|й|and)\s*)" + _FACILITY_NAME)
_FACILITY_BEFORE = re.compile(r"\b([A-Z][a-z]+(?:-[A-Z0-9]\w*)?)\s+(?:International\s+)?(?i:airport|airfield|air\s?base|airbase)s?\b")
# Words before or after the word of an airport that name none: function words, weekdays, countries, a headline's
# verbs ("Ukraine Strikes Airfield"), bodies («аэродрому Минобороны»)
NOT_FACILITY_NAMES = frozenset({"oblast", "region", "international", "military", "civil", "civilian", "russian",
                                "ukrainian", "capital", "the", "main", "two", "three", "both", "other", "several"}
                               | FUNCTION_WORDS
                               | {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "today",
                                  "yesterday", "tonight", "ukraine", "russia", "belarus", "moldova", "poland",
                                  "strikes", "strike", "struck", "hits", "hit", "attacks", "attack", "targets", "target",
                                  "bombs", "shells", "closes", "closed", "shuts", "reopens", "says", "near", "key",
                                  "major", "drone", "drones", "missile", "missiles", "new", "big", "another",
                                  "минобороны", "мо", "вкс", "ввс", "всу", "зсу", "рф", "россии", "россия", "украины",
                                  "україни", "україна", "украина", "сша", "нато", "фсб", "сбу", "гур", "мчс", "дснс"})
_LATIN = dict(zip("абвгдежзийклмнопрстуфхцчшщъыьэюяіїєґ",
                  ("a", "b", "v", "g", "d", "e", "zh", "z", "i", "i", "k", "l", "m", "n", "o", "p", "r", "s", "t", "u",
                   "f", "kh", "ts", "ch", "sh", "sch", "", "y", "", "e", "yu", "ya", "i", "i", "e", "g")))
FACILITY_KEY = 6  # letters that tell a name: its first and its next consonants in Latin spelling («Бориспіль», Boryspil: "brspl")
_VOWELS = re.compile(r"[aeiouy]")
# Spellings of one sound made one letter, in order: w as v (Moscow, Москвы), the digraphs, the Ukrainian г
# written h (Myrhorod, Миргород; Hostomel, Гостомель; Chuhuiv, Чугуїв) as g, c as k
_SOUNDS = (("w", "v"), ("shch", "w"), ("sch", "w"), ("kh", "x"), ("zh", "j"), ("ch", "q"), ("sh", "w"), ("h", "g"),
           ("c", "k"))
# Case endings with a consonant, left out of a name in Cyrillic («Белгородом», «Жуковского»: Белгород, Жуковск)
_CASE_ENDING = re.compile(r"(?<=[^\W\d_]{4})(?:ого|его|ому|ему|ом|ем|ой|ей|ым|им|ами|ями|ах|ях|ам|ям)$")
_DOUBLED = re.compile(r"(.)\1+")


def facility_key(name: str) -> str | None:
    """The key of an airport's or airfield's name (see extract_facilities), or None for a word no name."""
    word = _fold(name.split()[0].split("-")[0]).removesuffix("'s")  # "Russia's": the country's
    if word in NOT_FACILITY_NAMES:
        return None
    latin = re.sub(r"[^a-z0-9]", "", "".join(_LATIN.get(c, c) for c in _CASE_ENDING.sub("", word)))
    for spelling, sound in _SOUNDS:
        latin = latin.replace(spelling, sound)
    if len(latin) < 3:
        return None
    first = "a" if _VOWELS.match(latin) else latin[0]  # Ейск, Yeysk; Уфа, Ufa
    # vowels left out: each language spells them its own way (и, і, y; е, є, ye); doubled letters as one
    return (first + _DOUBLED.sub(r"\1", _VOWELS.sub("", latin[1:])))[:FACILITY_KEY]


def extract_facilities(text: str) -> dict[str, str]:
    """The airports and airfields a text names, each keyed by its first letter and next consonants in
    Latin spelling, FACILITY_KEY letters at most, each sound one letter (a name in any of the three
    languages, in any case ending, is one facility), with the name as first written."""
    names = [m.group(1) for m in _FACILITY_BEFORE.finditer(text)]
    for m in _FACILITY_AFTER.finditer(text):
        names.append(m.group(1))
        while more := _FACILITY_MORE.match(text, m.end()):
            names.append(more.group(1))
            m = more
    found: dict[str, str] = {}
    for name in names:
        if (key := facility_key(name)) is not None:
            found.setdefault(key, name)
    return found


def claim_of(text: str, translation: str | None = None, published: datetime | None = None) -> Claim:
    """The claim of a post's text (and its translation): figures, kinds, speaker, named time (read
    against ``published``) and text signature."""
    words = _words(text)  # once, for the shingles and the event kinds
    items = _shingles_of(words)
    signature = minhash(items)
    increments: list[Figure] = []
    figures = extract_figures(text, increments)
    kinds = _kinds_of(words, text) if unicodedata.is_normalized("NFC", text) else extract_kinds(text)
    top = lead(text)
    lead_kinds = extract_kinds(top)
    lead_weapons = lead_kinds & WEAPON_KINDS
    if lead_weapons:  # what struck is what the lead names; other weapons of the text are background
        kinds -= WEAPON_KINDS - lead_weapons
    kinds -= STATEMENT_KINDS - lead_kinds  # a statement's content is its lead's
    actor = extract_actor(text) or (extract_actor(translation) if translation else None)
    spoken = actor is not None and spoken_by(top) == actor
    if translation:
        units = {f.unit for f in figures}
        figures += [f for f in extract_figures(translation) if f.unit not in units]
        kinds |= extract_kinds(translation)
    # the weapons the lead names are the claim's; others of the text are background (an earlier strike)
    objects = extract_objects(top) or extract_objects(text) or (extract_objects(translation) if translation else set())
    return Claim(figures, kinds, signature, band_keys(signature) if signature is not None else [], len(items), actor,
                 extract_when(text, published), spoken, objects, confirms=confirmed(top),
                 hedged=hedged(top), increments=increments, lead_kinds=lead_kinds,
                 facilities=extract_facilities(text), denies=denied(text))


CONFIRM_STEMS = ("подтверд", "підтверд", "confirm")
# Words just before a word of confirmation that make it none: «не подтвердил», "declined to confirm"
UNCONFIRMING = ("не", "ні", "not", "never", "cannot", "didn", "без", "without", "отказ", "відмов", "declin", "refus",
                "unable", "нельзя")


# Words that tell an event as unconfirmed: hearsay, unnamed sources, media and bloggers as the only
# source; whole words (СМИ, not Смирнов; «можливо», not «можливості»), and stems only where no other
# word begins so (a Telegram channel is where governors speak: no hedge)
HEDGE_WORDS = frozenset({"якобы", "нібито", "reportedly", "allegedly", "возможно", "можливо", "сми", "змі", "media",
                         "сообщалось", "повідомлялося", "повідомлялось", "unconfirmed"})
HEDGE_STEMS = ("предположительн", "імовірн", "источник", "джерел", "source", "военкор", "воєнкор", "блогер",
               "blogger", "неподтвержд", "непідтвердж")


# Words of a denial or a refutation: «опроверг», «спростував», «заперечує», "denied", "refuted"
DENIAL_STEMS = ("опроверг", "опровер", "спросту", "спростов", "заперечу", "заперечи", "отрица", "denie", "deny",
                "refut", "debunk")


# Whole words that negate a denial besides UNCONFIRMING: «ни опровергнуть», "nor denied"; after it: «опровергнуть не удалось»
DENIAL_NEGATIONS = frozenset({"ни", "ні", "nor", "neither"})
NEGATED_AFTER = frozenset({"не", "ні", "not"})
FAILED_STEMS = ("удал", "вдал", "смог", "змог", "могл", "змогл")  # «опровергнуть эти сведения не удалось»: no denial
ALTERNATIVES = frozenset({"или", "ни", "чи", "або", "ні", "or", "nor"})  # «подтвердить или опровергнуть»: neither
_QUOTED_WORD = re.compile(r"[«\"“„']\w+[»\"”']")  # a word quoted alone («"Опровергли" — пишут»): a word cited


def denied(text: str) -> bool:
    """Whether a text says a party denies or refutes what was told (a word of denial, not negated:
    «не опровергли», «ни подтвердить, ни опровергнуть», «опровергнуть не удалось» are none, nor a
    word quoted alone or access denied)."""
    words = _words(_QUOTED_WORD.sub(" ", text))
    return any(word.startswith(DENIAL_STEMS) and _denies(words, i) for i, word in enumerate(words))


def _denies(words: list[str], at: int) -> bool:
    """Whether the denial word at ``at`` tells a denial: not negated before or after it, not one of
    a confirmation's alternatives ("confirm or deny"), not access denied, nor «отрицательно»."""
    before, after = words[max(0, at - 3):at], words[at + 1:at + 7]
    failed = any(w in NEGATED_AFTER and n.startswith(FAILED_STEMS) for w, n in zip(after, after[1:]))
    alternative = any(w.startswith(CONFIRM_STEMS) for w in before[-2:] + after[:2]) and bool(
        ALTERNATIVES & set(before[-2:] + after[:1]))
    return not (words[at].startswith("отрицательн")  # «отрицательно»: negative
                or any(w.startswith(UNCONFIRMING) or w in DENIAL_NEGATIONS for w in before)
                or after[:1] and after[0] in NEGATED_AFTER or failed or alternative
                or "access" in words[max(0, at - 5):at + 2])


def hedged(text: str) -> bool:
    """Whether a text tells what it tells as unconfirmed (HEDGE_WORDS, HEDGE_STEMS)."""
    return any(word in HEDGE_WORDS or word.startswith(HEDGE_STEMS) for word in _words(text))


def confirmed(text: str) -> bool:
    """Whether a text says a party confirms what it tells (a word of confirmation, not negated)."""
    words = _words(text)
    return any(word.startswith(CONFIRM_STEMS) and not any(w.startswith(UNCONFIRMING) for w in words[max(0, i - 3):i])
               for i, word in enumerate(words))
