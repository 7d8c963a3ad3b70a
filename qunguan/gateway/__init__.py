"""The live QQ gateway (QQ 机器人网关): OneBot v11 events in, audit and handling out."""
