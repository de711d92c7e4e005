"""Payment gateways: the port and its adapters (manual bank transfer, Stripe)."""
