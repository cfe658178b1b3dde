"""NiceGUI components: each owns its elements and its subscription to the change feed."""
