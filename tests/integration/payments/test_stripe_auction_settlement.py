"""A full auction with three bidders paying deposits through Stripe (localstripe):
the winner's deposit is captured, the two others released, every amount reconciles."""
from payments_world import DEPOSIT, INC, START, deliver, synthesised_event

from market.services import payments as pay_svc


def pay_and_hold(w, gateway, browser, lot_id, bidder):
    reg = w.register(lot_id, bidder, gateway)
    dep = reg["deposit"]
    assert dep["status"] == "pending" and dep["gateway"] == "stripe"
    assert reg["deposit"]["client_secret"].startswith(dep["reference"])
    assert browser(dep["reference"]) == "requires_capture"
    # localstripe never sends amount_capturable_updated: synthesised around its own object
    assert deliver(w, synthesised_event(gateway, dep["reference"],
                                        "payment_intent.amount_capturable_updated")) == "hold"
    return dep["id"], dep["reference"]


def test_three_bidders_winner_captured_two_released_amounts_reconcile(pay_world_any, gateway, browser):
    w = pay_world_any
    lot_id = w.add_lot()
    deps = [pay_and_hold(w, gateway, browser, lot_id, i) for i in range(3)]
    assert [w.deposit(d).status for d, _ in deps] == ["held"] * 3

    w.clock.advance(minutes=2)
    w.bid(lot_id, 0, START)
    w.bid(lot_id, 1, START + INC)
    w.bid(lot_id, 2, START + 3 * INC)
    result = w.close(lot_id)
    assert result["status"] == "sold" and result["winner_id"] == w.bidder_orgs[2]
    assert [w.deposit(d).status for d, _ in deps] == ["released", "released", "applied"]
    # the close wrote the commands; no money has moved yet
    assert w.count_outbox(status="pending") == 3
    assert gateway.retrieve(deps[2][1]).status == "held"

    run = pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now)
    assert (run.done, run.retried, run.failed) == (3, 0, 0)
    states = [gateway.retrieve(ref) for _, ref in deps]
    assert [s.status for s in states] == ["released", "released", "captured"]
    assert states[2].amount_captured_fen == DEPOSIT
    assert sum(s.amount_captured_fen for s in states) == DEPOSIT

    # a second run finds nothing to do
    assert pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now).done == 0
    for deposit_id, _ in deps:
        report = pay_svc.reconcile_deposit(w.uow_factory, gateway, actor_id=w.operator_id,
                                           deposit_id=deposit_id, now=w.now)
        assert report["consistent"], report
        assert report["action"] == "none"
    winner = pay_svc.reconcile_deposit(w.uow_factory, gateway, actor_id=w.operator_id,
                                       deposit_id=deps[2][0], now=w.now)
    assert winner["ours"]["captured_fen"] == winner["provider"]["captured_fen"] == DEPOSIT


def test_deposit_larger_than_the_hammer_price_is_captured_only_up_to_the_price(pay_world, gateway, browser):
    w = pay_world
    lot_id = w.add_lot(deposit=START * 2)
    deposit_id, ref = pay_and_hold(w, gateway, browser, lot_id, 0)
    w.clock.advance(minutes=2)
    w.bid(lot_id, 0, START)
    assert w.close(lot_id)["hammer_price_fen"] == START
    assert pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now).done == 1
    state = gateway.retrieve(ref)
    assert (state.status, state.amount_fen, state.amount_captured_fen) == ("captured", START * 2, START)
    report = pay_svc.reconcile_deposit(w.uow_factory, gateway, actor_id=w.operator_id,
                                       deposit_id=deposit_id, now=w.now)
    assert report["consistent"] and report["ours"]["captured_fen"] == START


def test_winner_who_does_not_sign_forfeits_the_already_captured_deposit_without_a_second_move(
        pay_world, gateway, browser):
    from market.services import auctions as auction_svc
    w = pay_world
    lot_id = w.add_lot()
    deposit_id, ref = pay_and_hold(w, gateway, browser, lot_id, 0)
    w.clock.advance(minutes=2)
    w.bid(lot_id, 0, START)
    confirmation_id = w.close(lot_id)["confirmation_id"]
    pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now)
    w.clock.advance(days=10)
    assert auction_svc.forfeit_confirmation(w.uow(), confirmation_id, w.now) is not None
    assert w.deposit(deposit_id).status == "forfeited"
    assert [c.reason for c in w.commands(deposit_id)] == ["apply"]
    assert pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now).done == 0
    assert gateway.retrieve(ref).amount_captured_fen == DEPOSIT
    assert pay_svc.reconcile_deposit(w.uow_factory, gateway, actor_id=w.operator_id,
                                     deposit_id=deposit_id, now=w.now)["consistent"]


def test_forfeit_of_a_held_deposit_captures_it_in_full(pay_world, gateway, browser):
    from market.services.auctions import settle_deposit
    w = pay_world
    lot_id = w.add_lot()
    deposit_id, ref = pay_and_hold(w, gateway, browser, lot_id, 0)
    with w.uow() as uow:
        settle_deposit(uow, uow.deposits.get(deposit_id, lock=True), "forfeit", w.now)
        uow.commit()
    [cmd] = w.commands(deposit_id)
    assert (cmd.action, cmd.reason, cmd.idempotency_key) == ("capture", "forfeit",
                                                            f"deposit-{deposit_id}-capture-forfeit")
    assert pay_svc.process_payment_outbox(w.uow_factory, gateway, w.now).done == 1
    assert gateway.retrieve(ref).amount_captured_fen == DEPOSIT
