"""The tamper-evident audit trail: every change in the app is recorded through here."""
