/* shopassist chat widget: one <script> tag, no build step, no dependencies.
 *
 *   <script src="https://assist.example.com/widget.js"
 *           data-api-base="https://assist.example.com"   (default: the script's origin)
 *           data-token="sact.…"                           (a customer token minted by the shop's backend)
 *           data-title="Ask us anything" data-open="false"></script>
 *
 * Streams replies over SSE (POST /v1/chat with stream=true), renders product cards with an "Add to cart"
 * button (POST /v1/carts, then its lines, each add with an Idempotency-Key), and keeps the conversation and
 * cart ids in localStorage. The chat adds to the same cart (its id goes with each message) once the shopper
 * confirms an offer (Yes / No buttons). Every cart change fires a "shopassist:cart" event on window with the
 * cart, so the page around the widget can show it. Text is inserted as text, never as HTML.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) return;
  var apiBase = (script.dataset.apiBase || new URL(script.src, location.href).origin).replace(/\/+$/, "");
  var token = script.dataset.token || "";
  var title = script.dataset.title || "Chat with us";
  var storeKey = "shopassist:conversation:" + apiBase + ":" + token.slice(0, 24);
  var cartKey = "shopassist:cart:" + apiBase + ":" + token.slice(0, 24);
  var conversationId = null, cartId = null;
  try { conversationId = localStorage.getItem(storeKey); } catch (e) { conversationId = null; }
  try { cartId = localStorage.getItem(cartKey); } catch (e) { cartId = null; }

  var host = document.createElement("div");
  host.id = "shopassist-widget";
  document.body.appendChild(host);
  var root = host.attachShadow({ mode: "open" });
  root.innerHTML =
    '<style>' +
    ':host{all:initial;font-family:system-ui,-apple-system,"Segoe UI",sans-serif}' +
    '.launcher{position:fixed;right:20px;bottom:20px;border:0;border-radius:24px;padding:12px 18px;' +
    'background:#1f2937;color:#fff;font-size:15px;cursor:pointer;box-shadow:0 4px 14px rgba(0,0,0,.25)}' +
    '.panel{position:fixed;right:20px;bottom:76px;width:360px;max-width:calc(100vw - 40px);height:520px;' +
    'max-height:calc(100vh - 100px);display:none;flex-direction:column;background:#fff;border-radius:12px;' +
    'box-shadow:0 8px 30px rgba(0,0,0,.25);overflow:hidden;color:#111827;font-size:14px}' +
    '.panel.open{display:flex}' +
    '.head{background:#1f2937;color:#fff;padding:12px 14px;font-weight:600}' +
    '.log{flex:1;overflow-y:auto;padding:12px;display:flex;flex-direction:column;gap:8px}' +
    '.msg{padding:8px 11px;border-radius:10px;max-width:85%;white-space:pre-wrap;line-height:1.4}' +
    '.user{align-self:flex-end;background:#2563eb;color:#fff}' +
    '.assistant{align-self:flex-start;background:#f3f4f6}' +
    '.assistant.streaming::after{content:"\\25CF";margin-left:4px;color:#9ca3af}' +
    '.error{align-self:center;color:#b91c1c;font-size:13px}' +
    '.cards{display:flex;gap:8px;overflow-x:auto;align-self:stretch;padding-bottom:4px}' +
    '.card{min-width:140px;max-width:160px;border:1px solid #e5e7eb;border-radius:8px;padding:8px;' +
    'background:#fff;font-size:12px}' +
    '.card .t{font-weight:600;margin-bottom:4px}.card .p{color:#047857}.card .i{color:#6b7280}' +
    '.card.sponsored{border-color:#e0c97a}.ad-label{font-size:10px;color:#92400e;text-transform:uppercase}' +
    '.card button{margin-top:6px;border:0;border-radius:6px;padding:4px 8px;background:#047857;color:#fff;' +
    'font-size:12px;cursor:pointer}.card button:disabled{background:#9ca3af;cursor:default}' +
    '.cart-note{align-self:flex-start;font-size:13px;color:#047857}.cart-note a{color:#2563eb}' +
    '.confirm{display:flex;gap:6px;align-self:flex-start}.confirm button{border:1px solid #2563eb;' +
    'background:#fff;color:#2563eb;border-radius:14px;padding:4px 12px;cursor:pointer;font-size:13px}' +
    'form{display:flex;border-top:1px solid #e5e7eb}' +
    'input{flex:1;border:0;padding:12px;font-size:14px;outline:none}' +
    'button.send{border:0;background:#2563eb;color:#fff;padding:0 16px;cursor:pointer}' +
    'button.send:disabled{background:#9ca3af}' +
    '</style>' +
    '<button class="launcher" type="button" part="launcher"></button>' +
    '<div class="panel" role="dialog"><div class="head"></div><div class="log" aria-live="polite"></div>' +
    '<form><input name="message" autocomplete="off" maxlength="2000" placeholder="Type your question…">' +
    '<button class="send" type="submit">Send</button></form></div>';

  var launcher = root.querySelector(".launcher");
  var panel = root.querySelector(".panel");
  var log = root.querySelector(".log");
  var form = root.querySelector("form");
  var input = root.querySelector("input");
  var sendButton = root.querySelector("button.send");
  launcher.textContent = title;
  root.querySelector(".head").textContent = title;
  launcher.addEventListener("click", function () { panel.classList.toggle("open"); input.focus(); });
  if (script.dataset.open === "true") panel.classList.add("open");

  function add(cls, text) {
    var el = document.createElement("div");
    el.className = cls;
    el.textContent = text;
    log.appendChild(el);
    log.scrollTop = log.scrollHeight;
    return el;
  }

  function safeUrl(url) {
    try {
      var u = new URL(url, location.href);
      return u.protocol === "https:" || u.protocol === "http:" ? u.href : null;
    } catch (e) { return null; }
  }

  function renderCards(items) {
    if (!items || !items.length) return;
    var row = document.createElement("div");
    row.className = "cards";
    items.forEach(function (p) {
      var card = document.createElement(safeUrl(p.url) ? "a" : "div");
      card.className = "card product-card";
      card.dataset.productId = p.id;
      if (card.tagName === "A") { card.href = safeUrl(p.url); card.target = "_blank"; card.rel = "noopener"; }
      var t = document.createElement("div"); t.className = "t"; t.textContent = p.title;
      var pr = document.createElement("div"); pr.className = "p";
      pr.textContent = (p.currency === "USD" ? "$" : "") + Number(p.price).toFixed(2) +
        (p.currency === "USD" ? "" : " " + p.currency);
      var id = document.createElement("div"); id.className = "i"; id.textContent = p.id;
      var buy = document.createElement("button"); buy.type = "button"; buy.className = "add-to-cart";
      buy.textContent = p.in_stock === false ? "Out of stock" : "Add to cart";
      buy.disabled = p.in_stock === false;
      buy.addEventListener("click", function (event) {
        event.preventDefault(); event.stopPropagation();  // the card may be a link to the product page
        buy.disabled = true;
        addToCart(p).finally(function () { buy.disabled = false; });
      });
      if (p.sponsored && p.ad) {  // labelled, and its click reported (charged once per impression)
        card.classList.add("sponsored"); card.dataset.impressionId = p.ad.impression_id;
        var label = document.createElement("div"); label.className = "ad-label"; label.textContent = "Sponsored";
        card.appendChild(label);
        card.addEventListener("click", function () {
          api("/v1/ads/clicks", { impression_id: p.ad.impression_id }).catch(function () { /* not fatal */ });
        });
      }
      card.appendChild(t); card.appendChild(pr); card.appendChild(id); card.appendChild(buy);
      row.appendChild(card);
    });
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  function api(path, body, extraHeaders) {
    var headers = { "Content-Type": "application/json", "Authorization": "Bearer " + token };
    Object.keys(extraHeaders || {}).forEach(function (k) { headers[k] = extraHeaders[k]; });
    return fetch(apiBase + path, { method: "POST", headers: headers, body: JSON.stringify(body) });
  }

  function storedCart() {  // the page around the widget may have opened the cart since
    try { return localStorage.getItem(cartKey) || cartId; } catch (e) { return cartId; }
  }

  async function addToCart(product, retried) {
    cartId = storedCart();
    try {
      if (!cartId) {
        var opened = await api("/v1/carts", {});
        if (!opened.ok) throw new Error((await opened.json()).error.message);
        cartId = (await opened.json()).id;
        try { localStorage.setItem(cartKey, cartId); } catch (e) { /* storage disabled */ }
      }
      var key = "widget-" + Date.now() + "-" + Math.random().toString(36).slice(2);  // one add, even if retried
      var added = await api("/v1/carts/" + encodeURIComponent(cartId) + "/lines",
                            { product_id: product.id, quantity: 1 }, { "Idempotency-Key": key });
      if (added.status === 404 && !retried) {  // the cart is gone: open a new one
        cartId = null;
        try { localStorage.removeItem(cartKey); } catch (e) { /* storage disabled */ }
        return addToCart(product, true);
      }
      var cart = await added.json();
      if (!added.ok) throw new Error(cart.error.message);
      cartChanged(cart, "Added " + product.title + " to your cart");
      return cart;
    } catch (e) {
      add("error", "Could not add to the cart: " + (e && e.message ? e.message : "please try again."));
    }
  }

  function cartChanged(cart, said) {
    cartId = cart.id;
    try { localStorage.setItem(cartKey, cartId); } catch (e) { /* storage disabled */ }
    var units = cart.lines.reduce(function (n, line) { return n + line.quantity; }, 0);
    var note = add("cart-note", said + " (" + units + (units === 1 ? " item" : " items") + "). ");
    var checkout = safeUrl(cart.checkout_url);
    if (checkout) {
      var link = document.createElement("a"); link.href = checkout; link.target = "_blank"; link.rel = "noopener";
      link.textContent = "Checkout"; note.appendChild(link);
    }
    window.dispatchEvent(new CustomEvent("shopassist:cart", { detail: cart }));
  }

  function renderConfirm(offer) {
    var row = document.createElement("div"); row.className = "confirm";
    [["Yes, add it", "yes"], ["No", "no"]].forEach(function (choice) {
      var b = document.createElement("button"); b.type = "button"; b.textContent = choice[0];
      b.addEventListener("click", function () {
        row.remove();
        add("msg user", choice[1]);
        send(choice[1], false);
      });
      row.appendChild(b);
    });
    log.appendChild(row);
    log.scrollTop = log.scrollHeight;
  }

  function parseEvent(block) {
    var event = "message", data = [];
    block.split("\n").forEach(function (line) {
      if (line.indexOf("event:") === 0) event = line.slice(6).trim();
      else if (line.indexOf("data:") === 0) data.push(line.slice(5).replace(/^ /, ""));
    });
    if (!data.length) return null;
    try { return { event: event, data: JSON.parse(data.join("\n")) }; } catch (e) { return null; }
  }

  async function send(text, retried) {
    cartId = storedCart();
    var bubble = add("msg assistant streaming", "");
    var response;
    try {
      response = await fetch(apiBase + "/v1/chat", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Authorization": "Bearer " + token },
        body: JSON.stringify({ conversation_id: conversationId, message: text, stream: true, cart_id: cartId })
      });
    } catch (e) {
      bubble.remove();
      add("error", "The assistant cannot be reached. Please try again.");
      return;
    }
    if (!response.ok) {
      bubble.remove();
      if (response.status === 404 && conversationId && !retried) {  // conversation gone: start a new one
        conversationId = null;
        try { localStorage.removeItem(storeKey); } catch (e) { /* storage disabled */ }
        return send(text, true);
      }
      var message = "Something went wrong (" + response.status + ").";
      try { message = (await response.json()).error.message || message; } catch (e) { /* not JSON */ }
      add("error", message);
      return;
    }
    var reader = response.body.getReader();
    var decoder = new TextDecoder();
    var buffer = "";
    for (;;) {
      var chunk = await reader.read();
      if (chunk.done) break;
      buffer += decoder.decode(chunk.value, { stream: true }).replace(/\r\n/g, "\n");
      var cut;
      while ((cut = buffer.indexOf("\n\n")) >= 0) {
        var parsed = parseEvent(buffer.slice(0, cut));
        buffer = buffer.slice(cut + 2);
        if (!parsed) continue;
        if (parsed.event === "token") {
          bubble.textContent += parsed.data.text;
          log.scrollTop = log.scrollHeight;
        } else if (parsed.event === "products") {
          renderCards(parsed.data.items);
        } else if (parsed.event === "done") {
          bubble.textContent = parsed.data.reply;  // the checked reply is authoritative
          bubble.classList.remove("streaming");
          if (parsed.data.conversation_id) {
            conversationId = parsed.data.conversation_id;
            try { localStorage.setItem(storeKey, conversationId); } catch (e) { /* storage disabled */ }
          }
          if (parsed.data.cart) cartChanged(parsed.data.cart, "Your cart is updated");
          if (parsed.data.cart_offer && !parsed.data.cart_offer.missing.length) renderConfirm(parsed.data.cart_offer);
        } else if (parsed.event === "error") {
          add("error", (parsed.data.error && parsed.data.error.message) || "The reply failed.");
        }
      }
    }
    bubble.classList.remove("streaming");
  }

  form.addEventListener("submit", async function (event) {
    event.preventDefault();
    var text = input.value.trim();
    if (!text) return;
    input.value = "";
    add("msg user", text);
    sendButton.disabled = true;
    try { await send(text, false); } finally { sendButton.disabled = false; input.focus(); }
  });

  window.ShopAssist = {
    open: function () { panel.classList.add("open"); },
    addToCart: function (product) { return addToCart(product, false); },
    cartId: function () { return cartId; },
    reset: function () {
      conversationId = null;
      try { localStorage.removeItem(storeKey); } catch (e) { /* storage disabled */ }
      log.textContent = "";
    }
  };
})();
