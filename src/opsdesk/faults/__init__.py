"""Fault tickets: their life (tickets), how they are judged (views), agreed requests, edits and reopen."""
