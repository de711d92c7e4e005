// The operator console and the big screen (大屏): every lot of the day kept current from the
// auction-wide stream. Each lot's element carries the lot's last event seq at render time, so
// an event the page already shows (sent again on resuming) is dropped.
(function () {
  "use strict";
  var root = document.getElementById("console") || document.getElementById("screen");
  var Live = window.MarketLive;
  if (!root || !window.EventSource || !Live) { return; }
  var LABELS = { sold: "已成交", unsold: "流拍", cancelled: "已撤拍", open: "竞价中", scheduled: "待开拍" };
  var lots = {};
  Live.setServerNow(root.dataset.serverNow);
  root.querySelectorAll("[data-lot-id]").forEach(function (el) {
    lots[el.dataset.lotId] = { el: el, seq: Number(el.dataset.seq || 0), endsAt: Date.parse(el.dataset.endsAt),
                               live: ["open", "scheduled"].indexOf(el.dataset.status) >= 0 };
  });
  function field(lot, name) { return lot.el.querySelector("[data-field=" + name + "]"); }
  function set(lot, name, text) { var el = field(lot, name); if (el) { el.textContent = text; } }
  function title(lot) { var a = lot.el.querySelector("a, h2"); return a ? a.textContent : ""; }
  function log(text) {
    var list = document.getElementById("event-log");
    if (!list) { return; }
    var item = document.createElement("li");
    item.textContent = text;
    list.insertBefore(item, list.firstChild);
    while (list.children.length > 30) { list.removeChild(list.lastChild); }
  }
  function setStatus(lot, status) {
    var el = field(lot, "status");
    if (el) { el.textContent = LABELS[status] || status; el.className = "status status-" + status; }
    lot.el.dataset.status = status;
  }
  function onEvent(e) {
    var lot = lots[String(e.lot_id)];
    if (!lot || e.seq <= lot.seq) { return; }
    lot.seq = e.seq;
    var when = Live.timeOf(e.at);
    if (e.type === "bid_accepted") {
      set(lot, "price", Live.yuan(e.amount_fen));
      set(lot, "leader", e.paddle_no + " 号");
      var count = field(lot, "count");
      if (count) { count.textContent = String(Number(count.textContent) + 1); }
      var bids = field(lot, "bids");
      if (bids) {
        var li = document.createElement("li");
        li.textContent = e.paddle_no + " 号 · " + Live.yuan(e.amount_fen) + " · " + when;
        bids.insertBefore(li, bids.firstChild);
        while (bids.children.length > 5) { bids.removeChild(bids.lastChild); }
      }
      lot.el.classList.remove("fresh"); void lot.el.offsetWidth; lot.el.classList.add("fresh");
      log(when + " " + title(lot) + "：" + e.paddle_no + " 号出价 " + Live.yuan(e.amount_fen));
    } else if (e.type === "window_restarted" && e.ends_at) {
      lot.endsAt = Date.parse(e.ends_at);
      set(lot, "phase", "限时报价期");
    } else if (e.type === "timed_window_started") {
      set(lot, "phase", "限时报价期");
      log(when + " " + title(lot) + "：进入限时报价期");
    } else if (e.type === "lot_opened") {
      setStatus(lot, "open");
      set(lot, "phase", "自由报价期");
      log(when + " " + title(lot) + "：开拍");
    } else if (e.type === "lot_closed" || e.type === "lot_cancelled") {
      lot.live = false;
      var status = e.status || "cancelled";
      setStatus(lot, status);
      set(lot, "phase", "");
      set(lot, "clock", "已结束");
      if (e.hammer_price_fen) { set(lot, "price", Live.yuan(e.hammer_price_fen)); }
      log(when + " " + title(lot) + "：" + (status === "sold" ? "成交 " + Live.yuan(e.hammer_price_fen) + "（" + e.paddle_no + " 号）"
                                           : LABELS[status]));
    }
  }
  function tick() {
    Object.keys(lots).forEach(function (id) {
      var lot = lots[id];
      if (lot.live) { set(lot, "clock", Live.clockText(lot.endsAt)); }
    });
  }
  Live.follow(root.dataset.eventsUrl, root.dataset.lastEventId,
    ["lot_opened", "timed_window_started", "bid_accepted", "window_restarted", "lot_closed", "lot_cancelled"],
    onEvent,
    function (state) {
      root.dataset.live = state;
      document.getElementById("live-state").textContent = state === "connected" ? "实时连接中" : "连接中断，正在重新连接…";
    });
  tick();
  setInterval(tick, 250);
}());
