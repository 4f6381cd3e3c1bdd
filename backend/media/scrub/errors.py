"""What a scrubber raises when it cannot hand out a file without its author's metadata."""


class Unsupported(Exception):
    """No scrubber for this type: the file cannot be handed out without its author's metadata."""


class Malformed(Exception):
    """The file does not parse as its type claims: nothing safe can be made of it."""
