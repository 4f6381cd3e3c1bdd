"""What several domains share: errors, i18n, crypto, clock, pagination, logging."""
