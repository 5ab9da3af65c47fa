"""Numbers written in words, in Russian, Ukrainian and English: «до пяти», «шестеро», «двох»,
«six», «тысяча двести» become digits, so that figures are read whichever way they are written."""

from __future__ import annotations

import re

from ..matching.normalise import WORD_RE, fold

# folded word -> value; several forms per number (cases, collective numerals)
_UNITS = {
    1: "один одна одно одного одной одному одним одною однієї одній одну one",
    2: "два две двух двум двумя двое двоих дві двох двом двома двоє two",
    3: "три трех трем тремя трое троих трьох трьом трьома троє three",
    4: "четыре четырех четырем четырьмя четверо четверых чотири чотирьох чотирьом four",
    5: "пять пяти пятью пятеро пятерых п'ять п'яти п'ятьох п'ятеро five",
    6: "шесть шести шестью шестеро шестерых шість шести шістьох шестеро six",
    7: "семь семи семью семеро семерых сім семи сімох семеро seven",
    8: "восемь восьми восемью восьмеро вісім восьми вісьмох eight",
    9: "девять девяти девятью девятеро дев'ять дев'яти дев'ятьох дев'ятеро nine",
    10: "десять десяти десятью десятеро десятьох ten",
    11: "одиннадцать одиннадцати одинадцять одинадцяти одинадцятеро eleven",
    12: "двенадцать двенадцати дванадцять дванадцяти дванадцятеро twelve",
    13: "тринадцать тринадцати тринадцять тринадцяти thirteen",
    14: "четырнадцать четырнадцати чотирнадцять чотирнадцяти fourteen",
    15: "пятнадцать пятнадцати п'ятнадцять п'ятнадцяти fifteen",
    16: "шестнадцать шестнадцати шістнадцять шістнадцяти sixteen",
    17: "семнадцать семнадцати сімнадцять сімнадцяти seventeen",
    18: "восемнадцать восемнадцати вісімнадцять вісімнадцяти eighteen",
    19: "девятнадцать девятнадцати дев'ятнадцять дев'ятнадцяти nineteen",
}
_TENS = {
    20: "двадцать двадцати двадцять двадцяти twenty",
    30: "тридцать тридцати тридцять тридцяти thirty",
    40: "сорок сорока forty",
    50: "пятьдесят пятидесяти п'ятдесят п'ятдесяти fifty",
    60: "шестьдесят шестидесяти шістдесят шістдесяти sixty",
    70: "семьдесят семидесяти сімдесят сімдесяти seventy",
    80: "восемьдесят восьмидесяти вісімдесят вісімдесяти eighty",
    90: "девяносто девяноста дев'яносто ninety",
}
_HUNDREDS = {
    100: "сто ста hundred",
    200: "двести двухсот двісті двохсот",
    300: "триста трехсот трьохсот",
    400: "четыреста четырехсот чотириста чотирьохсот",
    500: "пятьсот пятисот п'ятсот п'ятисот",
    600: "шестьсот шестисот шістсот шестисот",
    700: "семьсот семисот сімсот семисот",
    800: "восемьсот восьмисот вісімсот восьмисот",
    900: "девятьсот девятисот дев'ятсот дев'ятисот",
}
_THOUSAND = set("тысяча тысячи тысяч тысячу тисяча тисячі тисяч тисячу thousand".split())
# a dozen multiplies the number before it ("two dozen": 24), or is 12 alone; half a dozen is 6
_DOZEN = set("dozen дюжина дюжины дюжин дюжину дюжини".split())
_HALF_DOZEN = re.compile(r"\bhalf\s+a\s+dozen\b|\bполдюжин[аыуи]\b", re.IGNORECASE)
# «121 тыс.», «180 тис.»: digits counted in thousands (the abbreviation's point ends no sentence)
_ABBREVIATED_THOUSAND = re.compile(r"(?<![\d.,])(\d{1,3})\s*(?:тыс|тис)\b\.?", re.IGNORECASE)


def _table(groups: dict[int, str]) -> dict[str, int]:
    return {word: value for value, words in groups.items() for word in words.split()}


_SMALL = _table(_UNITS)
_TEN = _table(_TENS)
_HUNDRED = _table(_HUNDREDS)
# a case ending written after the digits: «6-ю ракетами», «5-ти», «двух-трёх» stays as it is
_ENDING = re.compile(r"(\d+)-(ю|ти|ми|х|ух|ех|ёх|и|ой|ого|ому|ым|ом|ма|ть|ьох|ох)\b", re.IGNORECASE)
# «-ма» after 7 or 8 (not 17, 18) is an ordinal's ending: «47-ма бригада» (сорок сьома), not «5-ма ракетами»
_ORDINAL_MA = re.compile(r"(?<!1)[78]$")


def _case_ending(m: re.Match[str]) -> str:
    """The digits without a case ending written after them; an ordinal's «-ма» kept."""
    ordinal = m.group(2).lower() == "ма" and _ORDINAL_MA.search(m.group(1))
    return m.group() if ordinal else m.group(1)
_DIGITS_BEFORE = re.compile(r"(?<![\d.,])(\d{1,3})\s+$")
_ANY = set(_SMALL) | set(_TEN) | set(_HUNDRED) | _THOUSAND | _DOZEN


def _value(words: list[str]) -> int | None:
    """The number a run of number words names (hundreds, tens, units, with thousands), or None."""
    total, current = 0, 0
    for word in words:
        if word in _THOUSAND:
            total += (current or 1) * 1000
            current = 0
        elif word in _DOZEN:
            current = (current or 1) * 12
        elif word == "hundred":
            current = (current or 1) * 100
        elif word in _HUNDRED:
            current += _HUNDRED[word]
        elif word in _TEN:
            current += _TEN[word]
        elif word in _SMALL:
            current += _SMALL[word]
    value = total + current
    return value or None


def digits_for_words(text: str) -> str:
    """``text`` with each run of number words replaced by its digits («до пяти человек» -> «до 5
    человек»); everything else as written."""
    text = _ABBREVIATED_THOUSAND.sub(lambda m: str(int(m.group(1)) * 1000), _ENDING.sub(_case_ending, _HALF_DOZEN.sub("6", text)))
    out: list[str] = []
    at = 0
    run: list[tuple[int, int, str]] = []

    def close() -> None:
        nonlocal at
        while run and run[-1][2] == "and":
            run.pop()
        if not run:
            return
        value = _value([w for _, _, w in run])
        digits = _DIGITS_BEFORE.search(text, at, run[0][0]) if run[0][2] in _THOUSAND else None
        if digits is not None and len(run) == 1:  # «59 тысяч»: the digits counted in thousands
            out.append(text[at:digits.start()])
            out.append(str(int(digits.group(1)) * 1000))
            at = run[-1][1]
        elif value is not None:
            out.append(text[at:run[0][0]])
            out.append(str(value))
            at = run[-1][1]
        run.clear()

    for m in WORD_RE.finditer(text):
        word = fold(m.group())
        joins = word == "and" and run and (run[-1][2] == "hundred" or run[-1][2] in _THOUSAND)
        if word in _ANY or joins:
            if run and text[run[-1][1]:m.start()].strip(" -") != "":
                close()
            run.append((m.start(), m.end(), word))
        else:
            close()
    close()
    out.append(text[at:])
    return "".join(out)
