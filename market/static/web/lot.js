// The live auction hall: keeps the server-rendered lot page current from the lot's event stream.
// Plain JavaScript, no inline script (the Content-Security-Policy forbids it). The countdown runs
// on the server's clock: the offset between server_now and this browser's clock is kept from
// every event, so a wrong clock in the browser does not move the end.
(function () {
  "use strict";
  var hall = document.getElementById("lot-hall");
  if (!hall || !window.EventSource) { return; }
  var $ = function (id) { return document.getElementById(id); };
  var endsAt = Date.parse(hall.dataset.endsAt);
  var offset = Date.parse(hall.dataset.serverNow) - Date.now();   // server clock minus ours
  var live = ["scheduled", "open"].indexOf(hall.dataset.status) >= 0;
  var LABELS = { sold: "已成交", unsold: "流拍", cancelled: "已撤拍", open: "竞价中", scheduled: "待开拍" };

  function yuan(fen) {
    var whole = fen % 100 === 0;
    return "¥" + (fen / 100).toLocaleString("zh-CN", { minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2 });
  }
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function tick() {
    if (!live) { return; }
    var left = Math.max(0, Math.floor((endsAt - (Date.now() + offset)) / 1000));
    $("lot-countdown").textContent = left >= 6000 ? "—" : pad(Math.floor(left / 60)) + ":" + pad(left % 60);
  }
  function timeOf(iso) {
    var d = new Date(Date.parse(iso) + 8 * 3600 * 1000);   // shown in Asia/Shanghai
    return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
  }
  function setStatus(status) {
    var el = $("lot-status");
    el.textContent = LABELS[status] || status;
    el.className = "status status-" + status;
  }
  function onEvent(message) {
    var e = JSON.parse(message.data);
    if (e.server_now) { offset = Date.parse(e.server_now) - Date.now(); }
    if (e.type === "bid_accepted") {
      $("lot-price").textContent = yuan(e.amount_fen);
      $("lot-leader").textContent = e.paddle_no + " 号牌";
      // e.seq is the lot's event sequence, not the bid's: count the accepted bids seen instead
      $("lot-bid-count").textContent = String(Number($("lot-bid-count").textContent) + 1);
      var body = $("lot-bids");
      var empty = body.querySelector("tr.empty");
      if (empty) { empty.remove(); }
      var row = document.createElement("tr");
      [e.paddle_no + " 号", yuan(e.amount_fen), timeOf(e.at)].forEach(function (text, i) {
        var cell = document.createElement("td");
        cell.textContent = text;
        if (i === 1) { cell.className = "num"; }
        row.appendChild(cell);
      });
      row.className = "fresh";
      body.insertBefore(row, body.firstChild);
    } else if (e.type === "window_restarted" && e.ends_at) {
      endsAt = Date.parse(e.ends_at);
    } else if (e.type === "timed_window_started") {
      $("lot-phase").textContent = "限时报价期";
    } else if (e.type === "lot_opened") {
      setStatus("open");
    } else if (e.type === "lot_closed" || e.type === "lot_cancelled") {
      live = false;
      setStatus(e.status || "cancelled");
      if (e.hammer_price_fen) { $("lot-price").textContent = yuan(e.hammer_price_fen); }
      $("lot-countdown").textContent = "已结束";
      source.close();
    }
  }
  // Last-Event-ID: the page already shows every event up to the one it was rendered at
  var source = new EventSource(hall.dataset.eventsUrl + "?last_event_id=" + encodeURIComponent(hall.dataset.lastEventId));
  ["lot_opened", "timed_window_started", "bid_accepted", "window_restarted", "lot_closed", "lot_cancelled"]
    .forEach(function (type) { source.addEventListener(type, onEvent); });
  source.onopen = function () { $("live-state").textContent = "实时连接中"; hall.dataset.live = "connected"; };
  source.onerror = function () { $("live-state").textContent = "连接中断，正在重新连接…"; };
  tick();
  setInterval(tick, 250);
}());
