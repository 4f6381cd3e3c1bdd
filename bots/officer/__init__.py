"""The officer duty bot (python-telegram-bot): urgent reports of the officer's district with Accept / Decline."""
