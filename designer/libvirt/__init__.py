"""libvirt import and host configuration (SPEC §11); Qt-free."""
