"""The built-in demo contract and synthetic stores at scale."""
