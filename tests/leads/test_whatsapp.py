"""The lead messages on WhatsApp: through gettext, Indonesian by default."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

from expo.i18n import reset_locale, set_locale
from expo.leads.service import producer_whatsapp, whatsapp_link

MOBILE = "+6281234567890"


def in_locale(locale, fn):  # type: ignore[no-untyped-def]
    token = set_locale(locale)
    try:
        return fn()
    finally:
        reset_locale(token)


def text_of(link: str) -> str:
    return parse_qs(urlsplit(link).query)["text"][0]


def test_lead_messages_are_translated():
    def follow_up() -> str:
        return whatsapp_link(phone="081234567890", visitor_name="Bu Rina", business="Amplang Bu Sri",
                             event_name="HKN 2027")

    assert follow_up().startswith("https://wa.me/6281234567890?text=")
    assert text_of(in_locale("id", follow_up)) == (
        "Halo Bu Rina, terima kasih sudah mampir ke stand Amplang Bu Sri di HKN 2027. Kami ingin "
        "menindaklanjuti minat Anda. Ada yang bisa kami bantu?")
    assert text_of(in_locale("en", follow_up)).startswith("Hello Bu Rina, thank you")

    def to_producer() -> str:
        return producer_whatsapp(phone=MOBILE, business="Amplang Bu Sri", event_name="HKN 2027")

    assert text_of(in_locale("id", to_producer)) == (
        "Halo Amplang Bu Sri, saya melihat produk Anda di HKN 2027. Boleh minta info?")
    assert text_of(in_locale("en", to_producer)) == (
        "Hello Amplang Bu Sri, I saw your products at HKN 2027. Could you tell me more?")
