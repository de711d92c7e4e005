// The live auction hall: keeps the server-rendered lot page current from the lot's event stream
// and sends the bid forms without a reload. Plain JavaScript, no inline script (the
// Content-Security-Policy forbids it). The countdown runs on the server's clock.
(function () {
  "use strict";
  var hall = document.getElementById("lot-hall");
  var Live = window.MarketLive;
  if (!hall || !window.EventSource || !Live) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var endsAt = Date.parse(hall.dataset.endsAt);
  var increment = Number(hall.dataset.increment);
  var myPaddle = hall.dataset.myPaddle ? Number(hall.dataset.myPaddle) : null;
  var leading = hall.dataset.leading === "true";
  var live = ["scheduled", "open"].indexOf(hall.dataset.status) >= 0;
  var LABELS = { sold: "已成交", unsold: "流拍", cancelled: "已撤拍", open: "竞价中", scheduled: "待开拍" };
  Live.setServerNow(hall.dataset.serverNow);

  function show(id, on) { var el = $(id); if (el) { el.classList.toggle("hidden", !on); } }
  function tick() { if (live) { $("lot-countdown").textContent = Live.clockText(endsAt); } }
  function setStatus(status) {
    var el = $("lot-status");
    el.textContent = LABELS[status] || status;
    el.className = "status status-" + status;
  }
  function setNext(priceFen) {
    var next = priceFen + increment;
    $("lot-next").textContent = Live.yuan(next);
    document.querySelectorAll("[data-next]").forEach(function (el) { el.textContent = Live.yuan(next); });
    var amount = $("amount");
    if (amount && document.activeElement !== amount) { amount.value = String(next / 100); }
  }
  function setLeading(now) {
    if (myPaddle === null) { return; }
    if (leading && !now) { show("outbid", true); }
    if (now) { show("outbid", false); }
    leading = now;
    show("leading-note", now);
  }
  function addBid(e) {
    $("lot-price").textContent = Live.yuan(e.amount_fen);
    $("lot-leader").textContent = e.paddle_no + " 号牌";
    $("lot-bid-count").textContent = String(Number($("lot-bid-count").textContent) + 1);
    setNext(e.amount_fen);
    var body = $("lot-bids");
    var empty = body.querySelector("tr.empty");
    if (empty) { empty.remove(); }
    var row = document.createElement("tr");
    [e.paddle_no + " 号", Live.yuan(e.amount_fen), Live.timeOf(e.at)].forEach(function (text, i) {
      var cell = document.createElement("td");
      cell.textContent = text;
      if (i === 1) { cell.className = "num"; }
      row.appendChild(cell);
    });
    row.className = "fresh";
    body.insertBefore(row, body.firstChild);
    setLeading(myPaddle !== null && e.paddle_no === myPaddle);
  }
  function showResult(e) {
    var box = $("lot-result");
    if (e.type === "lot_cancelled") {
      box.textContent = "已撤拍：" + (e.reason || "");
    } else if (e.status === "sold") {
      box.textContent = "成交：成交价 " + Live.yuan(e.hammer_price_fen) + "，竞得号牌 " + e.paddle_no + " 号" +
        (myPaddle !== null && e.paddle_no === myPaddle ? "（贵单位竞得，请按期签署成交确认书）" : "");
    } else {
      box.textContent = "流拍：未达成交条件";
    }
    show("lot-result", true);
    show("leading-note", false);
    $("lot-phase").textContent = "";
    document.querySelectorAll("form[data-bid-form]").forEach(function (f) { f.classList.add("hidden"); });
  }
  function onEvent(e) {
    if (e.type === "bid_accepted") {
      addBid(e);
    } else if (e.type === "window_restarted" && e.ends_at) {
      endsAt = Date.parse(e.ends_at);
      $("lot-ends").textContent = e.ends_at.slice(5, 10) + " " + e.ends_at.slice(11, 19);
      $("lot-phase").textContent = "限时报价期";
    } else if (e.type === "timed_window_started") {
      $("lot-phase").textContent = "限时报价期";
    } else if (e.type === "lot_opened") {
      setStatus("open");
      $("lot-phase").textContent = "自由报价期";
    } else if (e.type === "lot_closed" || e.type === "lot_cancelled") {
      live = false;
      setStatus(e.status || "cancelled");
      if (e.hammer_price_fen) { $("lot-price").textContent = Live.yuan(e.hammer_price_fen); }
      $("lot-countdown").textContent = "已结束";
      showResult(e);
      follower.stop();
      $("live-state").textContent = "竞价已结束";
    }
  }
  function onState(state) {
    hall.dataset.live = state;
    $("live-state").textContent = state === "connected" ? "实时连接中" : "连接中断，正在重新连接…";
  }

  // The bid forms post normally without script; with it, the same form goes by fetch.
  function answerShown(ok, text) {
    $("bid-answer").textContent = ok ? text : "";
    $("bid-answer-error").textContent = ok ? "" : "出价未被接受：" + text;
    show("bid-answer", ok);
    show("bid-answer-error", !ok);
    var old = $("bid-refusal");
    if (old) { old.remove(); }
  }
  document.querySelectorAll("form[data-bid-form]").forEach(function (form) {
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var button = form.querySelector("button");
      button.disabled = true;
      fetch(form.action, { method: "POST", body: new FormData(form), credentials: "same-origin",
                           headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json().catch(function () { return { accepted: false, message: "HTTP " + r.status }; }); })
        .then(function (answer) {
          answerShown(answer.accepted, answer.words || answer.message);
          if (answer.accepted) {
            if (answer.server_now) { Live.setServerNow(answer.server_now); }
            if (answer.ends_at) { endsAt = Date.parse(answer.ends_at); }
            if (form.querySelector("[name=max_amount_yuan]")) { form.reset(); }
          }
        })
        .catch(function () { answerShown(false, "网络中断，请稍后重试"); })
        .then(function () { button.disabled = false; });
    });
  });

  var follower = Live.follow(hall.dataset.eventsUrl, hall.dataset.lastEventId,
    ["lot_opened", "timed_window_started", "bid_accepted", "window_restarted", "lot_closed", "lot_cancelled"],
    onEvent, onState);
  tick();
  setInterval(tick, 250);
}());
