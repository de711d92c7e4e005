"""A full auction over HTTP with three bidders paying their deposits through Stripe
(localstripe): registrations hand out client secrets, signed webhooks hold the deposits,
the operator closes the lot, the outbox settles; the winner's deposit is captured, the two
others released, and every amount reconciles with Stripe."""
import json
from datetime import timedelta

from market.adapters.payments.webhooks import sign
from market.services import payments as pay_svc
from payments_world import synthesised_event
from stripe_e2e_settings import WEBHOOK_SECRET

DEPOSIT = 5_000_00
START, INC = 50_000_00, 1_000_00
BIDDERS = ["corp_member", "corp_zj_member", "corp_ah_member"]


def iso(dt):
    return dt.isoformat()


def test_full_auction_with_three_stripe_deposits(app, client, cast, pay, stripe_gateway):
    from market.domain.achievements import Achievement
    s = app.extensions["market"]
    cast.org("corp_ah", "合肥量子测控科技有限公司", "enterprise", "安徽", "合肥")
    cast.user("corp_ah_member", "member", organisation="corp_ah")
    now = s.clock.now()
    with s.uow_factory() as uow:
        a = Achievement(title="一种量子点显示器件封装方法", holder_id=cast.orgs["uni"], market_code="SH",
                        field="新能源与高效节能", ip_type="发明专利", now=now, province="上海")
        a.publish_imported(None, now)
        uow.session.add(a)
        uow.commit()
        achievement_id = a.id
    op = cast["op_sh"]
    auction = client.post("/api/v1/auctions", json={"market_code": "SH", "title": "长三角专场"}, headers=op)
    assert auction.status_code == 201, auction.get_json()
    starts = now + timedelta(minutes=1)
    lot = client.post(f"/api/v1/auctions/{auction.get_json()['id']}/lots", headers=op, json={
        "achievement_id": achievement_id, "starting_price_fen": START, "increment_fen": INC,
        "deposit_fen": DEPOSIT, "starts_at": iso(starts), "free_period_ends_at": iso(starts + timedelta(minutes=30)),
        "window_seconds": 60})
    assert lot.status_code == 201, lot.get_json()
    lot_id = lot.get_json()["id"]

    deposits = {}
    for who in BIDDERS:
        r = client.post(f"/api/v1/lots/{lot_id}/registrations", headers=cast[who])
        assert r.status_code == 201, r.get_json()
        dep = r.get_json()["deposit"]
        assert dep["gateway"] == "stripe" and dep["status"] == "pending"
        assert pay(dep["reference"]) == "requires_capture"     # Stripe.js with the client secret
        event = synthesised_event(stripe_gateway, dep["reference"], "payment_intent.amount_capturable_updated")
        body = json.dumps(event)
        hook = client.post("/api/v1/payments/stripe/webhook", data=body,
                           headers={"Stripe-Signature": sign(body, WEBHOOK_SECRET), "Content-Type": "application/json"})
        assert hook.get_json()["outcome"] == "hold"
        deposits[who] = dep

    s.clock.advance(minutes=2)
    for who, amount in zip(BIDDERS, (START, START + INC, START + 4 * INC)):
        r = client.post(f"/api/v1/lots/{lot_id}/bids", json={"amount_fen": amount}, headers=cast[who])
        assert r.status_code == 201, r.get_json()
    s.clock.advance(hours=1)
    closed = client.post(f"/api/v1/lots/{lot_id}/close", headers=op)
    assert closed.status_code == 200 and closed.get_json()["status"] == "sold"

    run = pay_svc.process_payment_outbox(s.uow_factory, stripe_gateway, s.clock.now())   # the scheduler's job
    assert run.done == 3

    views = {who: client.get(f"/api/v1/deposits/{d['id']}/payment", headers=cast[who]).get_json()
             for who, d in deposits.items()}
    assert [views[w]["status"] for w in BIDDERS] == ["released", "released", "applied"]
    assert all(v["settlement"] == "settled" for v in views.values())
    assert [views[w]["captured_fen"] for w in BIDDERS] == [0, 0, DEPOSIT]
    stripe_states = [stripe_gateway.retrieve(deposits[w]["reference"]) for w in BIDDERS]
    assert [st.status for st in stripe_states] == ["released", "released", "captured"]
    assert sum(st.amount_captured_fen for st in stripe_states) == DEPOSIT
    for who in BIDDERS:
        report = client.post(f"/api/v1/deposits/{deposits[who]['id']}/payment/reconcile", headers=op).get_json()
        assert report["consistent"] and report["action"] == "none", report
        assert report["ours"]["captured_fen"] == report["provider"]["captured_fen"]
