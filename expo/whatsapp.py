"""WhatsApp click-to-chat links (``https://wa.me/<digits>?text=...``): the one builder.

Producers, buyers and the committee talk on WhatsApp; a link opens a chat with the message
written out, for the sender to read and send. The message is the caller's, already in the
reader's language (through ``gettext``).
"""

from __future__ import annotations

from urllib.parse import quote

from expo import phones

BASE = "https://wa.me/"


def wa_link(phone: str, text: str = "") -> str:
    """A link to chat with ``phone`` (E.164, or as typed), with ``text`` prefilled.

    No number, no link: an empty string, so that a template can leave the button out.
    """
    number = phones.digits(phone or "")
    if not number:
        return ""
    return BASE + number + ("?text=" + quote(text, safe="") if text else "")
