"""THE ROLE MATRIX: for every operation of the OpenAPI document, which roles may call it.

One row per operation ("METHOD /path" exactly as in /api/v1/openapi.json). A role not in the row is
refused (401 anonymous, 403, or 404 where the resource is hidden from it). The roles, relative to
the resource the request names (see role_world.py for the cast):

  anonymous       no token
  university      a member of the university that holds the achievement / is party to the contract
  enterprise      a member of the enterprise that posted the demand / bids / is party to the contract
  operator        an operator of the resource's market
  other_operator  an operator of another market
  admin           the regional admin

A new endpoint fails test_every_operation_has_a_row until it has a row here and a recipe in
role_world.RECIPES (how to call it). Adding one is two lines."""
from __future__ import annotations

ANON, UNI, ENT, OP, OTHER_OP, ADMIN = "anonymous", "university", "enterprise", "operator", "other_operator", "admin"
ROLES = (ANON, UNI, ENT, OP, OTHER_OP, ADMIN)

EVERYONE = frozenset(ROLES)
SIGNED_IN = EVERYONE - {ANON}
OPERATORS = frozenset({OP, OTHER_OP, ADMIN})        # each operator acting on their own market
OWN_MARKET = frozenset({OP, ADMIN})                 # the resource's market's operators and the admin
ONLY_ADMIN = frozenset({ADMIN})
REGISTRAR = frozenset({OP})                         # 认定登记 is the market's own act: not even the admin
PARTIES = frozenset({UNI, ENT})                     # a deal's two sides (the holder's and the buyer's members)
PARTIES_AND_MARKET = PARTIES | OWN_MARKET           # who sees a deal; anyone else gets 404
NOT_PARTIES = SIGNED_IN - PARTIES                   # 异议: anyone signed in but the deal's own parties

MATRIX: dict[str, frozenset] = {
    # auth
    "POST /api/v1/auth/login": EVERYONE,
    "POST /api/v1/auth/logout": SIGNED_IN,
    "POST /api/v1/auth/logout-everywhere": SIGNED_IN,
    "POST /api/v1/auth/password": SIGNED_IN,
    "GET /api/v1/auth/me": SIGNED_IN,
    # markets, organisations, users
    "GET /api/v1/markets": EVERYONE,
    "GET /api/v1/organisations": EVERYONE,
    "POST /api/v1/organisations": ONLY_ADMIN,
    "GET /api/v1/organisations/{org_id}": EVERYONE,
    "POST /api/v1/users": ONLY_ADMIN,
    "POST /api/v1/users/{user_id}/password-reset": ONLY_ADMIN,
    # joining the platform (issue 20): the uni's member is its administrator; its market is SH. Rows
    # left empty are for registrants (signed up, in no organisation: not in the cast; see tests/e2e/signup)
    "POST /api/v1/accounts/signup": EVERYONE,
    "POST /api/v1/accounts/confirm": EVERYONE,                       # whoever holds the mailed link
    "POST /api/v1/accounts/password-reset": EVERYONE,
    "POST /api/v1/accounts/password-reset/confirm": EVERYONE,
    "POST /api/v1/accounts/organisation": frozenset(),               # registrants only
    "POST /api/v1/invitations/accept": EVERYONE,
    "GET /api/v1/organisations/{org_id}/join-requests": frozenset({UNI}),
    "POST /api/v1/organisations/{org_id}/join-requests": frozenset(),  # registrants only
    "POST /api/v1/join-requests/{request_id}/approve": frozenset({UNI}),
    "POST /api/v1/join-requests/{request_id}/refuse": frozenset({UNI}),
    "GET /api/v1/organisations/{org_id}/members": frozenset({UNI, OP, ADMIN}),
    "PATCH /api/v1/organisations/{org_id}/members/{user_id}": frozenset({UNI}),
    "DELETE /api/v1/organisations/{org_id}/members/{user_id}": frozenset({UNI}),
    "POST /api/v1/organisations/{org_id}/invitations": frozenset({UNI}),
    "GET /api/v1/organisations/verification-queue": OPERATORS,
    "POST /api/v1/organisations/{org_id}/verify": OWN_MARKET,
    "POST /api/v1/organisations/{org_id}/reject": OWN_MARKET,
    # achievements (held by the SH university; the resource's market is SH)
    "GET /api/v1/achievements": EVERYONE,
    "POST /api/v1/achievements": frozenset({UNI}),
    "GET /api/v1/achievements/mine": frozenset({UNI}),            # holders of achievements only
    "GET /api/v1/achievements/review-queue": OPERATORS,
    "GET /api/v1/achievements/{achievement_id}": EVERYONE,            # published
    "PATCH /api/v1/achievements/{achievement_id}": frozenset({UNI}),  # a draft
    "GET /api/v1/achievements/{achievement_id}/history": frozenset({UNI, OP, ADMIN}),
    "POST /api/v1/achievements/{achievement_id}/submit": frozenset({UNI}),
    "POST /api/v1/achievements/{achievement_id}/review": OWN_MARKET,
    "POST /api/v1/achievements/{achievement_id}/withdraw": frozenset({UNI, OP, ADMIN}),
    "POST /api/v1/achievements/{achievement_id}/reopen": frozenset({UNI}),
    "GET /api/v1/achievements/{achievement_id}/matches": EVERYONE,
    "POST /api/v1/achievements/{achievement_id}/listings": OWN_MARKET,   # listed on ZJ too: ZJ's operators
    # demands (posted by the JS enterprise; the resource's market is JS)
    "GET /api/v1/demands": EVERYONE,
    "POST /api/v1/demands": frozenset({ENT}),
    "GET /api/v1/demands/mine": frozenset({ENT}),                  # enterprises only
    "GET /api/v1/demands/review-queue": OPERATORS,
    "GET /api/v1/demands/{demand_id}": EVERYONE,                      # open
    "PATCH /api/v1/demands/{demand_id}": frozenset({ENT}),            # a draft
    "GET /api/v1/demands/{demand_id}/history": frozenset({ENT, OP, ADMIN}),
    "POST /api/v1/demands/{demand_id}/submit": frozenset({ENT}),
    "POST /api/v1/demands/{demand_id}/review": OWN_MARKET,
    "POST /api/v1/demands/{demand_id}/close": frozenset({ENT, OP, ADMIN}),
    "GET /api/v1/demands/{demand_id}/matches": EVERYONE,
    # contracts (seller: the SH university, buyer: the JS enterprise; registered in SH)
    "GET /api/v1/contracts": SIGNED_IN,
    "POST /api/v1/contracts": frozenset({UNI, ENT, OP, ADMIN}),
    "POST /api/v1/contracts/demand-deals": frozenset({ENT, OP, ADMIN}),   # the demand's enterprise or market
    "GET /api/v1/contracts/{contract_id}": frozenset({UNI, ENT, OP, ADMIN}),
    "PATCH /api/v1/contracts/{contract_id}": frozenset({UNI, ENT, OP, ADMIN}),
    "POST /api/v1/contracts/{contract_id}/register": REGISTRAR,
    "POST /api/v1/contracts/{contract_id}/refuse": REGISTRAR,
    "POST /api/v1/contracts/{contract_id}/revoke": REGISTRAR,
    "POST /api/v1/contracts/{contract_id}/resubmit": frozenset({UNI, ENT, OP}),
    "GET /api/v1/contracts/imports/{market_code}": OWN_MARKET,
    "POST /api/v1/contracts/imports/{market_code}": REGISTRAR,
    "GET /api/v1/contracts/imports/{market_code}/{run_id}": OWN_MARKET,
    "GET /api/v1/stats/contracts": EVERYONE,
    "GET /api/v1/stats/flows": EVERYONE,
    # feed imports (the JS market)
    "GET /api/v1/markets/{code}/imports": OWN_MARKET,
    "POST /api/v1/markets/{code}/imports": OWN_MARKET,
    "GET /api/v1/markets/{code}/imports/{run_id}": OWN_MARKET,
    # auctions (an SH session; the JS enterprise registers and bids)
    "GET /api/v1/auctions": EVERYONE,
    "POST /api/v1/auctions": OWN_MARKET,
    "GET /api/v1/auctions/{auction_id}": EVERYONE,
    "GET /api/v1/auctions/{auction_id}/events": EVERYONE,             # the day stream: console and big screen
    "POST /api/v1/auctions/{auction_id}/lots": OWN_MARKET,
    "GET /api/v1/lots/{lot_id}": EVERYONE,
    "GET /api/v1/lots/{lot_id}/bids": EVERYONE,
    "POST /api/v1/lots/{lot_id}/bids": frozenset({ENT}),
    "POST /api/v1/lots/{lot_id}/registrations": frozenset({ENT}),
    "POST /api/v1/lots/{lot_id}/cancel": OWN_MARKET,
    "POST /api/v1/lots/{lot_id}/close": OWN_MARKET,
    "POST /api/v1/lots/{lot_id}/reoffer": OWN_MARKET,
    "GET /api/v1/lots/{lot_id}/events": EVERYONE,
    "POST /api/v1/deposits/{deposit_id}/confirm": OWN_MARKET,
    "GET /api/v1/confirmations/{confirmation_id}": frozenset({UNI, ENT, OP, ADMIN}),
    "POST /api/v1/confirmations/{confirmation_id}/sign": OWN_MARKET,
    "GET /api/v1/registrations/mine": SIGNED_IN,                    # only the caller's organisation's
    # deposits' payments (the JS enterprise's deposit for an SH lot)
    "POST /api/v1/payments/stripe/webhook": EVERYONE,                 # no token: Stripe's signature decides
    "GET /api/v1/deposits/{deposit_id}/payment": frozenset({ENT, OP, ADMIN}),
    "POST /api/v1/deposits/{deposit_id}/payment/intent": frozenset({ENT}),
    "GET /api/v1/deposits/{deposit_id}/payment/history": frozenset({ENT, OP, ADMIN}),
    "POST /api/v1/deposits/{deposit_id}/payment/reconcile": OWN_MARKET,
    "POST /api/v1/deposits/{deposit_id}/payment/refund": OWN_MARKET,
    "POST /api/v1/deposits/{deposit_id}/payment/retry": OWN_MARKET,
    # deals by agreement (an SH university's achievement; the JS enterprise buys; listed in SH)
    "GET /api/v1/deals/interests": SIGNED_IN,                         # each sees only its own (tested in deals)
    "POST /api/v1/deals/interests": frozenset({ENT}),                 # company members, for their company
    "GET /api/v1/deals/interests/{interest_id}": PARTIES_AND_MARKET,
    "POST /api/v1/deals/interests/{interest_id}/accept": frozenset({UNI}),    # the holder's members answer
    "POST /api/v1/deals/interests/{interest_id}/decline": frozenset({UNI}),
    "GET /api/v1/deals/negotiations": SIGNED_IN,                      # each sees only its own (tested in deals)
    "GET /api/v1/deals/negotiations/{negotiation_id}": PARTIES_AND_MARKET,
    "POST /api/v1/deals/negotiations/{negotiation_id}/offers": PARTIES,
    "POST /api/v1/deals/offers/{offer_id}/accept": frozenset({UNI}),  # the enterprise's offer: the other side
    "POST /api/v1/deals/offers/{offer_id}/decline": frozenset({UNI}),
    "POST /api/v1/deals/offers/{offer_id}/counter": frozenset({UNI}),
    "GET /api/v1/deals/agreements/{agreement_id}": PARTIES_AND_MARKET,
    "POST /api/v1/deals/agreements/{agreement_id}/sign": PARTIES_AND_MARKET,
    "GET /api/v1/publicity-notices": EVERYONE,
    "GET /api/v1/publicity-notices/{notice_id}": EVERYONE,
    "POST /api/v1/publicity-notices/{notice_id}/objections": NOT_PARTIES,
    "POST /api/v1/publicity-notices/objections/{objection_id}/ruling": OWN_MARKET,
    # search
    "GET /api/v1/search": EVERYONE,
    # audit trail (each reader sees its own scope: the market's, all, or its own entries)
    "GET /api/v1/audit": SIGNED_IN,
    # notifications (each user's own inbox, preferences, watches and saved searches)
    "GET /api/v1/notifications": SIGNED_IN,
    "GET /api/v1/notifications/unread-count": SIGNED_IN,
    "POST /api/v1/notifications/read-all": SIGNED_IN,
    "POST /api/v1/notifications/{notification_id}/read": frozenset({UNI}),     # the holder's own notification
    "GET /api/v1/notifications/preferences": SIGNED_IN,
    "PUT /api/v1/notifications/preferences": SIGNED_IN,
    "GET /api/v1/notifications/unsubscribe": EVERYONE,                # no log-in: the signed token decides
    "POST /api/v1/notifications/unsubscribe": EVERYONE,
    "GET /api/v1/watches": SIGNED_IN,
    "POST /api/v1/watches": SIGNED_IN,
    "DELETE /api/v1/watches/{watch_id}": frozenset({UNI}),            # the university member's own watch
    "GET /api/v1/saved-searches": SIGNED_IN,
    "POST /api/v1/saved-searches": SIGNED_IN,
    "DELETE /api/v1/saved-searches/{search_id}": frozenset({UNI}),
    # federation out: the public change feed; webhook subscriptions of the SH market
    "GET /api/v1/changes": EVERYONE,
    "GET /api/v1/webhooks": OPERATORS,                               # each operator its market's
    "POST /api/v1/webhooks": OWN_MARKET,
    "GET /api/v1/webhooks/{subscription_id}": OWN_MARKET,
    "PATCH /api/v1/webhooks/{subscription_id}": OWN_MARKET,
    "DELETE /api/v1/webhooks/{subscription_id}": OWN_MARKET,
    "POST /api/v1/webhooks/{subscription_id}/rotate-secret": OWN_MARKET,
    "GET /api/v1/webhooks/{subscription_id}/deliveries": OWN_MARKET,
    "POST /api/v1/webhooks/{subscription_id}/deliveries/{delivery_id}/resend": OWN_MARKET,
}
