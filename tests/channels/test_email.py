"""The SMTP adapter against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from expo.channels.base import Outgoing, PermanentError, TemporaryError
from expo.channels.email import SmtpAdapter, message_id
from expo.settings import SmtpSettings

from .smtp_server import SmtpServer, free_port

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    with SmtpServer() as running:
        yield running


def adapter_for(port: int, **kw: object) -> SmtpAdapter:
    return SmtpAdapter(SmtpSettings(host="127.0.0.1", port=port, sender="Expo <expo@pameran.id>",
                                    starttls=False, **kw))  # type: ignore[arg-type]


def ticket(key: str = "ticket:12:email") -> Outgoing:
    return Outgoing(to="sari@example.com", subject="Tiket Anda", body="Halo Sari,\nini tiketmu.",
                    key=key, attachment_name="tiket.png", attachment=PNG)


async def test_smtp_sends_subject_body_attachment_and_a_stable_message_id(server) -> None:
    sent = await adapter_for(server.port).send(ticket())
    assert len(server.recorder.messages) == 1
    mail = server.recorder.messages[0]
    assert server.recorder.envelopes[0].rcpt_tos == ["sari@example.com"]
    assert server.recorder.envelopes[0].mail_from == "expo@pameran.id"
    assert mail["Subject"] == "Tiket Anda" and mail["To"] == "sari@example.com"
    assert mail["Message-ID"] == message_id("ticket:12:email", "expo@pameran.id")
    assert mail["Message-ID"].endswith("@pameran.id>") and "ticket.12.email" in mail["Message-ID"]
    assert sent.provider_id == mail["Message-ID"]
    body = mail.get_body(preferencelist=("plain",))
    assert body is not None and body.get_content().replace("\r\n", "\n").strip() == "Halo Sari,\nini tiketmu."
    [attached] = list(mail.iter_attachments())
    assert attached.get_filename() == "tiket.png" and attached.get_content_type() == "image/png"
    assert attached.get_content() == PNG


async def test_smtp_message_id_is_the_same_for_a_resend_and_differs_by_key(server) -> None:
    adapter = adapter_for(server.port)
    await adapter.send(ticket())
    await adapter.send(ticket())
    await adapter.send(ticket("ticket:13:email"))
    ids = [m["Message-ID"] for m in server.recorder.messages]
    assert ids[0] == ids[1] != ids[2]
    # Keys that read alike still get distinct ids (a digest of the whole key follows).
    assert message_id("a:b", "x@y.id") != message_id("a.b", "x@y.id")


async def test_smtp_plain_message_has_no_attachment(server) -> None:
    await adapter_for(server.port).send(Outgoing(to="a@example.com", subject="Hi", body="Hello",
                                                 key="mail:1"))
    mail = server.recorder.messages[0]
    assert not mail.is_multipart() and mail.get_content().strip() == "Hello"


async def test_smtp_4xx_answer_is_temporary(server) -> None:
    server.recorder.data_answer = "451 4.3.0 Try again later"
    with pytest.raises(TemporaryError, match="451.*Try again later"):
        await adapter_for(server.port).send(ticket())


async def test_smtp_5xx_data_answer_is_permanent(server) -> None:
    server.recorder.data_answer = "550 5.7.1 Message refused"
    with pytest.raises(PermanentError, match="550.*Message refused"):
        await adapter_for(server.port).send(ticket())


async def test_smtp_refused_recipient_is_permanent_and_a_busy_mailbox_temporary(server) -> None:
    server.recorder.rcpt_answer = "550 5.1.1 No such user"
    with pytest.raises(PermanentError, match="550.*No such user"):
        await adapter_for(server.port).send(ticket())
    server.recorder.rcpt_answer = "452 4.2.2 Mailbox full"
    with pytest.raises(TemporaryError, match="452.*Mailbox full"):
        await adapter_for(server.port).send(ticket())
    assert server.recorder.messages == []


async def test_smtp_wrong_password_is_permanent() -> None:
    with SmtpServer(with_auth=True) as server:
        adapter = adapter_for(server.port, user="expo", password="wrong")
        with pytest.raises(PermanentError, match="535"):
            await adapter.send(ticket())
        assert server.recorder.messages == []


async def test_smtp_nothing_listening_is_temporary() -> None:
    with pytest.raises(TemporaryError, match="SMTP"):
        await adapter_for(free_port()).send(ticket())


async def test_smtp_starttls_not_offered_is_permanent(server) -> None:
    adapter = SmtpAdapter(SmtpSettings(host="127.0.0.1", port=server.port, starttls=True))
    with pytest.raises(PermanentError, match="STARTTLS"):
        await adapter.send(ticket())
