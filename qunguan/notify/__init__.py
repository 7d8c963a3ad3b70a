"""Notifications (通知): in-app inbox, e-mail, WeCom group robots and QQ private messages.

``actions.do_notify`` is the one way any part of qunguan tells a person something; delivery
through the person's chosen channels happens after the caller's transaction commits.
"""
