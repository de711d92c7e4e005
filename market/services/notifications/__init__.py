"""Notifications (issue 18, people): rules that turn facts into inbox rows and outbox mails
(`auctions`, `listings`), the mail worker (`delivery`) and the user's side (`inbox`).

Each rule takes the unit of work, the facts of one event and `now`, and is called with one line
from the service that records the event, inside the same transaction; with the message bus of
issue 16 it becomes a handler of that event as it is."""
