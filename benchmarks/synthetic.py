"""Synthetic multilingual posts for the benchmarks: the shapes and vocabulary of border-region news."""

from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

PLACES_RU = ["Суджа", "Судже", "Суджей", "Курск", "Курске", "Белгороде", "Шебекино", "Тёткино", "Олешне", "Глушково",
             "Рыльске", "Льгове", "Брянске", "Климово", "Грайвороне", "Коренево", "Курчатове", "Москве", "Воронеже"]
PLACES_UK = ["Суми", "Сумах", "Суджі", "Харкові", "Вовчанську", "Чернігові", "Шостці", "Охтирці", "Білопіллі",
             "Краснопіллі", "Курщині", "Києві", "Глухові", "Юнаківці"]
PLACES_EN = ["Sudzha", "Kursk", "Belgorod", "Sumy", "Kharkiv", "Vovchansk", "Shebekino", "Tyotkino", "Bryansk",
             "Chernihiv", "Moscow", "Kyiv", "Lgov", "Rylsk"]
RU = [
    "В {p} объявлена воздушная тревога, жителей просят пройти в укрытия.",
    "Противник обстрелял {p}: пострадали {n} человек, повреждены {m} домов.",
    "Над {p} сбиты {n} беспилотников, обломки упали на территорию промзоны.",
    "Из {p} эвакуированы {n} жителей, пункты временного размещения работают круглосуточно.",
    "Губернатор сообщил о {n} раненых после атаки дрона в {p}.",
    "В {p} открыт новый сквер, горожане оценили фонтан и детскую площадку.",
    "Курс доллара вырос на {n} копеек, аналитики ждут стабилизации к концу недели.",
    "Подразделения ВСУ численностью до {n} человек пытались прорваться у {p}, уничтожено {m} единиц техники.",
]
UK = [
    "У {p} пролунали вибухи, триває повітряна тривога.",
    "Ворог атакував {p} дронами: постраждали {n} людей, пошкоджено {m} будинків.",
    "Сили оборони збили {n} безпілотників над {p} цієї ночі.",
    "З {p} евакуювали {n} мешканців, працюють пункти незламності.",
    "У {p} відкрили оновлену бібліотеку для дітей та підлітків.",
    "Окупанти {n} разів обстріляли прикордоння, зокрема {p}.",
]
EN = [
    "Air raid alert declared in {p}; residents urged to take shelter.",
    "Shelling of {p} injured {n} people and damaged {m} houses, officials said.",
    "{n} drones were shot down over {p} overnight, the ministry said.",
    "{n} residents evacuated from {p} as fighting continues near the border.",
    "A new bridge opened in {p} after {n} months of repairs.",
]


def make_texts(count: int, seed: int = 7) -> list[tuple[str, str]]:
    """``count`` (lang, text) pairs, about half Russian, a third Ukrainian, the rest English."""
    rnd = random.Random(seed)
    out = []
    for _ in range(count):
        roll = rnd.random()
        if roll < 0.5:
            lang, templates, places = "ru", RU, PLACES_RU
        elif roll < 0.83:
            lang, templates, places = "uk", UK, PLACES_UK
        else:
            lang, templates, places = "en", EN, PLACES_EN
        sentences = [rnd.choice(templates).format(p=rnd.choice(places), n=rnd.randint(1, 300), m=rnd.randint(1, 40))
                     for _ in range(rnd.randint(1, 3))]
        out.append((lang, " ".join(sentences)))
    return out


def make_export(count: int, channels: int = 20, seed: int = 7) -> dict:
    """A full-account Telegram Desktop export holding ``count`` posts over ``channels`` channels."""
    texts = make_texts(count, seed)
    start = datetime(2024, 8, 1, tzinfo=timezone.utc)
    chats = [{"name": f"Канал {c}", "type": "public_channel", "id": 2_000_000_000 + c, "messages": []} for c in range(channels)]
    for i, (_, text) in enumerate(texts):
        chat = chats[i % channels]
        when = start + timedelta(seconds=30 * i)
        chat["messages"].append({
            "id": len(chat["messages"]) + 1, "type": "message",
            "date": when.strftime("%Y-%m-%dT%H:%M:%S"), "date_unixtime": str(int(when.timestamp())),
            "from": chat["name"], "from_id": f"channel{chat['id']}", "text": text,
        })
    return {"chats": {"list": chats}}
