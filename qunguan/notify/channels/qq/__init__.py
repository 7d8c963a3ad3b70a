"""QQ private message (QQ私聊) through the running gateway."""
