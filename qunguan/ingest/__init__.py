"""Reading chat exports and bot event logs (导入聊天记录): files in, ``ChatRecord`` objects out.

Pure Python, no Django: each supported format is one module in ``formats/`` that recognises
its files (``sniff``) and turns them into records (``read``), never raising on bad input —
a line it cannot understand becomes a ``Reject`` with its line number. Storing, de-duplicating
and auditing the records is the Django side's job (``qunguan.chats``).
"""

from qunguan.ingest.records import ChatRecord, Reject

__all__ = ["ChatRecord", "Reject"]
