"""From post to inbox: the pipeline decides, the outbox delivers, the story threads; the daemon runs it."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timezone

from monitor.config import load_config
from monitor.mail.outbox import outbox_for
from monitor.pipeline import Pipeline
from monitor.storage import Archive, Post

from .conftest import run_cli, write_config
from .support.smtp import SmtpServer

T0 = datetime(2024, 8, 6, 6, 41, tzinfo=timezone.utc)


def governor(message_id: int, hour: int, text: str) -> Post:
    return Post(source="telegram", channel="1000000102", message_id=message_id, date=T0.replace(hour=hour),
                text=text, channel_title="Губернатор Курской области", channel_username="gubernator_46",
                url=f"https://t.me/gubernator_46/{message_id}")


def test_a_new_claim_and_its_changed_figure_arrive_once_each_threaded(tmp_path):
    smtp = SmtpServer().start()
    try:
        config = load_config(write_config(tmp_path, f"""
            [email]
            host = "127.0.0.1"
            port = {smtp.port}
            sender = "monitor@example.org"
            starttls = false
            timezone = "Europe/Moscow"
            [[watchlist]]
            name = "kursk"
            regions = ["RU-KRS"]
            recipients = ["desk@example.org"]
            """))
        with Archive(config.storage.path) as archive:
            pipeline = Pipeline(archive, config)
            pipeline.ingest([governor(2101, 6, "Противник обстрелял Суджу, пострадали 5 мирных жителей.")])
            pipeline.ingest([Post(source="telegram", channel="1000000103", message_id=501, date=T0.replace(hour=7),
                                  text="Противник обстрелял Суджу, пострадали 5 мирных жителей.",
                                  channel_title="Фронтовая сводка", fwd_from_channel="1000000102", fwd_from_id=2101)])
            pipeline.ingest([governor(2102, 15, "Число пострадавших в Судже выросло до 24 человек.")])
            outbox = outbox_for(archive, config)
            outbox.deliver_due()
            outbox.deliver_due()  # nothing left: each alert once
        messages = smtp.wait_for(2)
        assert len(smtp.messages) == 2
        (_, new), (_, update) = messages
        assert new["Subject"].startswith("[kursk] NEW: Противник обстрелял Суджу")
        assert update["Subject"].startswith("[kursk] UPDATE injured 5 -> 24: Число пострадавших в Судже")
        assert update["In-Reply-To"] == new["Message-ID"] and new["Message-ID"] in update["References"]
        body = update.get_body(("plain",)).get_content()
        assert "  - injured: 5 -> 24" in body and "24 человек" in body and "was 5" in body
        assert "https://t.me/gubernator_46/2102" in body
        assert "Sources carrying this story: 2" in body
    finally:
        smtp.stop()


def test_monitor_run_once_on_the_embedded_default_delivers_to_the_maildir(tmp_path):
    config_path = write_config(tmp_path, '[[watchlist]]\nname = "kursk"\nregions = ["RU-KRS"]\nrecipients = ["desk@example.org"]\n')
    config = load_config(config_path)
    with Archive(config.storage.path) as archive:
        Pipeline(archive, config).ingest([governor(2101, 6, "Противник обстрелял Суджу, пострадали 5 мирных жителей.")])
    result = run_cli("run", "--once", config=config_path)
    assert result.returncode == 0, result.stderr
    assert "1 mails sent" in result.stdout
    mails = list((tmp_path / "maildir" / "new").iterdir())
    assert len(mails) == 1
    message = email.message_from_bytes(mails[0].read_bytes(), policy=email.policy.default)
    assert message["To"] == "desk@example.org" and message["Subject"].startswith("[kursk] NEW:")
    again = run_cli("run", "--once", config=config_path)
    assert "0 mails sent" in again.stdout and len(list((tmp_path / "maildir" / "new").iterdir())) == 1
