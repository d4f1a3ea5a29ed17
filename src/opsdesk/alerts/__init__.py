"""Alerts: nobody misses a clock. What is due (:mod:`.due`), the channels it goes to and the
thresholds (:mod:`.channels`), the messages within each service's limits (:mod:`.messages`), the
services themselves (:mod:`.transport`), and a run that sends each alert once per channel
(:mod:`.runs`).

The alert tables (``alert_channel``, ``alert_setting``, ``alert_delivery``) are the alerts' own
bookkeeping, not contract records: they write no history event and ``verify`` does not replay them
(a sent WeCom message is not evidence of the service; the ticket's times are). An alert run reads
the contract's records and never writes to them.
"""
