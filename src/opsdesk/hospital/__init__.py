"""What the hospital answers: its confirmations of records (双方确认) and what still awaits them."""
