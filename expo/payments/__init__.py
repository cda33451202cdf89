"""Booth fees, invoices and payments."""
