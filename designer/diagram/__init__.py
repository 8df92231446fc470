"""Qt-free diagram geometry: where lines run (``routing``) and the draw.io writer (``drawio``)."""
