from django.apps import AppConfig


class ChatsConfig(AppConfig):
    name = "qunguan.chats"
    label = "chats"
    verbose_name = "聊天记录"
