"""E-mail over SMTP (邮件), with Django's mail and the QUNGUAN_EMAIL_* settings."""
