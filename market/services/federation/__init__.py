"""Federation out (issue 18): the change feed other markets mirror the catalogue from, and the
webhooks that push the same changes to them. `changes` records and serves the feed; `webhooks`
keeps subscriptions and delivers."""
