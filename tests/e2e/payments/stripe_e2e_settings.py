"""Test-only Stripe settings for the e2e payment tests (localstripe accepts any sk_ key)."""
TEST_KEY = "sk_test_e2e_localstripe_only"
WEBHOOK_SECRET = "whsec_e2e_test_secret"
