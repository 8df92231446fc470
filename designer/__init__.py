"""RackIO Designer: plan virtualised server racks — VMM load, saturation and SR-IOV guarantees."""

__version__ = "0.1.0"
