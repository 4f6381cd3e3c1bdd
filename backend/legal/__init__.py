"""Legal help for citizens: cited answers from Kazakhstan's codes over HTTP (partner apps) and in the bots."""
