"""Running qunguan on a server: backup, restore, upgrade, health, metrics, security headers, logs."""
