"""Demo data: a fictional conservatory (蓉城音乐学院) built only through the domain actions."""
