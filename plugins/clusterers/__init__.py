"""Built-in clusterer plugins."""
