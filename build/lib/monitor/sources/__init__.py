"""Where posts come from: Telegram (Telethon and Desktop exports), the t.me/s web preview, RSS/Atom feeds."""
