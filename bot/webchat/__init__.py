"""The web chat: an embeddable widget (static/widget.js, widget.css) and a demo hospital page that embeds it."""
