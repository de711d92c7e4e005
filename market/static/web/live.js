// What the live pages share (lot page, operator console, big screen): one event stream that
// resumes from the last event id after a dropped connection, the server's clock for countdowns
// (never the browser's), and money and time shown as the server renders them.
(function () {
  "use strict";
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  var Live = {
    offset: 0,   // the server's clock minus this browser's, from the page and from every event
    setServerNow: function (iso) { if (iso) { Live.offset = Date.parse(iso) - Date.now(); } },
    serverNow: function () { return Date.now() + Live.offset; },
    yuan: function (fen) {
      var whole = fen % 100 === 0;
      return "¥" + (fen / 100).toLocaleString("zh-CN", { minimumFractionDigits: whole ? 0 : 2, maximumFractionDigits: 2 });
    },
    clockText: function (endsAt) {
      var left = Math.max(0, Math.floor((endsAt - Live.serverNow()) / 1000));
      return left >= 6000 ? "—" : pad(Math.floor(left / 60)) + ":" + pad(left % 60);
    },
    timeOf: function (iso) {
      var d = new Date(Date.parse(iso) + 8 * 3600 * 1000);   // shown in Asia/Shanghai
      return pad(d.getUTCHours()) + ":" + pad(d.getUTCMinutes()) + ":" + pad(d.getUTCSeconds());
    },
    // Follows `url` from event `lastId` on. The browser's own reconnection sends Last-Event-ID;
    // if the stream is closed for good (an error answer), it is opened again from the last id seen.
    follow: function (url, lastId, types, onEvent, onState) {
      var source = null, stopped = false;
      function open() {
        source = new EventSource(url + "?last_event_id=" + encodeURIComponent(lastId));
        types.forEach(function (type) {
          source.addEventListener(type, function (message) {
            if (message.lastEventId) { lastId = message.lastEventId; }
            var e = JSON.parse(message.data);
            Live.setServerNow(e.server_now);
            onEvent(e);
          });
        });
        source.addEventListener("reconnect", function () { source.close(); open(); });
        source.onopen = function () { onState("connected"); };
        source.onerror = function () {
          onState("reconnecting");
          if (source.readyState === 2 && !stopped) { setTimeout(open, 2000); }
        };
      }
      open();
      return { stop: function () { stopped = true; source.close(); }, lastId: function () { return lastId; } };
    }
  };
  window.MarketLive = Live;
}());
