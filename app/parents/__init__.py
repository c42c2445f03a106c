"""Parents: private links to one child's báo liên lạc (no accounts), the parent page, read receipts."""
