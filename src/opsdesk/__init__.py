"""opsdesk: the maintenance desk for a hospital information-systems contract."""

__version__ = "0.1.0"
