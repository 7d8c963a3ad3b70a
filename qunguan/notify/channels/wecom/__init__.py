"""WeCom group robot (企业微信群机器人): HTTP POST of a JSON text message to the robot's webhook."""
