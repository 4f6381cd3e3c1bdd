"""The citizen bot (aiogram 3): legal questions with cited answers, filing reports, their statuses."""
