"""In-app inbox (站内信): the notification row itself; nothing leaves the server."""
