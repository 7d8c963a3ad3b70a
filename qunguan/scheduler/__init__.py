"""The scheduler (定时任务): due jobs run once each, across restarts and processes.

``table.job`` registers a job; ``runner.run_due`` runs the due ones (``qunguan tick`` once,
``qunguan scheduler`` in a loop). The jobs themselves are listed in ``jobs.py``.
"""
