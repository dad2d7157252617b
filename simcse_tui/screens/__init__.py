"""One module (or folder) per screen; folders mirror the screen's regions."""
