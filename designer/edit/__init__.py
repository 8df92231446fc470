"""The editing layer: every change a user can make to a design, without Qt.

Each operation (``designer.edit.ops``) takes a Topology, ids and plain values and
returns either a command (``designer.edit.commands``: apply, revert, text) or a
sentence saying why the change is refused. The GUI turns gestures into calls here
and puts the commands on its undo stack; the rules themselves live in
``designer.model.checks``.
"""
