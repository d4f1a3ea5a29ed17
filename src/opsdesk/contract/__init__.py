"""The contract and its records besides faults: settings and terms, systems, people, calendar
overrides, change requests, inspections, confirmations."""
