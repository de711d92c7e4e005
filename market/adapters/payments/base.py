"""The payment port (defined in market.domain.payments, re-exported for the gateway adapters)."""
from market.domain.payments import (PaymentError, PaymentGateway, PaymentHold,  # noqa: F401
                                    PaymentResult, PaymentState)
