"""Helpers for the booth fee journey: the files a producer and a committee member would have
at hand (a photo of the transfer receipt, the bank's statement export) and the choice of a
demo exhibitor whose booth still waits for its confirmation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from PIL import Image
from playwright.sync_api import Page

from tests.browser.conftest import login

EVENT = "/manage/e/hkn2027"
# Demo exhibitors holding one priced booth, not invoiced by the payments demo, that no other
# journey confirms or pays. Not the
# "exhibitor with a booth" (produsen16): the booths journey moves it to a free booth and
# confirms it. That journey's allocation may move these too, hence a list, first fit wins.
CANDIDATES = ("produsen15@expo.test", "nastar3@expo.test", "nastar4@expo.test",
              "nastar2@expo.test")


def rupiah(amount: int) -> str:
    """An amount as an Indonesian writes it on a form: ``Rp 450.127``."""
    return "Rp " + f"{amount:,}".replace(",", ".")


def exhibitor_to_confirm(page: Page) -> str:
    """Signs ``page`` in as the first candidate whose one booth is priced and not yet
    confirmed, and returns its email (the page is left on My booth)."""
    for email in CANDIDATES:
        login(page, email)
        page.goto(EVENT + "/my-booth")
        card = page.locator("#my-booth")
        if (card.count() == 1 and card.locator("form[action$='/confirm']").count() == 1
                and "Rp" in card.inner_text()):
            return email
        page.context.clear_cookies()
    pytest.fail(f"none of the demo exhibitors {CANDIDATES} holds one unconfirmed priced booth")


def proof_png(path: Path) -> Path:
    """A (very small) photo of the transfer receipt."""
    Image.new("RGB", (40, 24), (0, 90, 160)).save(path, format="PNG")
    return path


def bca_statement(path: Path, *, day: dt.date, amount: int, sender: str) -> Path:
    """A KlikBCA "mutasi rekening" CSV as the bank exports it: the account preamble, the
    header with its unnamed CR/DB column, a date without its year, amounts written
    ``450,127.00``, and the balance footer."""
    money = f"{amount:,}.00"
    sender = sender.replace(",", " ").upper()[:40]
    opening = 12_000_000
    lines = [
        "No. Rekening,=,'0011223344",
        "Nama,=,PANITIA HKN KALTIM 2027",
        f"Periode,=,{day:%d/%m/%Y} - {day:%d/%m/%Y}",
        "Mata Uang,=,IDR",
        "",
        "Tanggal,Keterangan,Cabang,Jumlah,,Saldo",
        f"'{day:%d/%m},TRSF E-BANKING CR {day:%d%m}/FTSCY/WS95031 {amount}.00 {sender},"
        f"'0000,\"{money}\",CR,\"{opening + amount:,}.00\"",
        "",
        f"Saldo Awal,=,\"{opening:,}.00\"",
        f"Mutasi Kredit,=,\"{money}\",1 Transaksi",
        "Mutasi Debet,=,0.00,0 Transaksi",
        f"Saldo Akhir,=,\"{opening + amount:,}.00\"",
    ]
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    return path
