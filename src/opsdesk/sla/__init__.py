"""The working calendar as applied and the SLA clocks: pure, no database, no Typer."""
