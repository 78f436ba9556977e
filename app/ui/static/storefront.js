/* The demo storefront: a shop's pages on shopassist's REST API, with a customer token (no build step).
 *
 *   #/                      grid (GET /v1/products) with filters, and "Recommended for you"
 *   #/?q=linen              search (GET /v1/products/search, personalised for the shopper)
 *   #/p/<id>                product page: records a view (POST /v1/events), variants, add to cart, similar
 *   #/cart                  the cart (shared with the chat widget), checkout link, a demo order
 *
 * Text goes in as text, never as HTML. document.body.dataset.ready names the view once its data is shown.
 */
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("storefront-config").textContent);
  var apiBase = location.origin;
  var cartKey = "shopassist:cart:" + apiBase + ":" + config.token.slice(0, 24);  // the widget's key
  var view = document.getElementById("view");
  var facetsLoaded = false;

  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined && text !== null) node.textContent = String(text);
    return node;
  }
  function uid(prefix) { return prefix + "-" + Date.now() + "-" + Math.random().toString(36).slice(2, 10); }
  function money(p) { return (p.currency === "USD" ? "$" : "") + Number(p.price).toFixed(2) + (p.currency === "USD" ? "" : " " + p.currency); }
  function image(p) {
    return /^https?:\/\//.test(p.image_url || "") ? p.image_url : "/demo/images/" + encodeURIComponent(p.id) + ".svg";
  }

  async function api(method, path, body, headers) {
    var h = { "Authorization": "Bearer " + config.token };
    if (body !== undefined) h["Content-Type"] = "application/json";
    Object.keys(headers || {}).forEach(function (k) { h[k] = headers[k]; });
    var response = await fetch(apiBase + path, { method: method, headers: h, body: body === undefined ? undefined : JSON.stringify(body) });
    var data = null;
    try { data = await response.json(); } catch (e) { data = null; }
    if (!response.ok) {
      var error = new Error((data && data.error && data.error.message) || ("HTTP " + response.status));
      error.status = response.status;
      throw error;
    }
    return data;
  }

  function record(type, productId, value) {
    return api("POST", "/v1/events", { events: [{ event_id: uid(type), user_id: config.customer, product_id: productId,
      type: type, value: value || 1 }] });
  }

  // ---- cart (the widget keeps the same id under the same key) -----------------------------------------
  function cartId() { try { return localStorage.getItem(cartKey); } catch (e) { return null; } }
  function keepCart(id) { try { if (id) localStorage.setItem(cartKey, id); else localStorage.removeItem(cartKey); } catch (e) { /* off */ } }
  async function currentCart(create) {
    var id = cartId();
    if (id) {
      try { return await api("GET", "/v1/carts/" + encodeURIComponent(id)); } catch (e) { if (e.status !== 404) throw e; keepCart(null); }
    }
    if (!create) return null;
    var opened = await api("POST", "/v1/carts", {});
    keepCart(opened.id);
    return opened;
  }
  function showCount(cart) {
    var units = cart ? cart.lines.reduce(function (n, l) { return n + l.quantity; }, 0) : 0;
    document.getElementById("cart-count").textContent = String(units);
  }
  async function addToCart(product, variant, quantity) {
    var cart = await currentCart(true);
    var line = { product_id: product.id, quantity: quantity || 1 };
    if (variant && Object.keys(variant).length) line.variant = variant;
    cart = await api("POST", "/v1/carts/" + encodeURIComponent(cart.id) + "/lines", line, { "Idempotency-Key": uid("add") });
    showCount(cart);
    return cart;
  }
  window.addEventListener("shopassist:cart", function (event) {  // the chat changed the cart
    keepCart(event.detail.id);
    showCount(event.detail);
    if (location.hash === "#/cart") route();
  });

  // ---- cards and sections ----------------------------------------------------------------------------------
  function card(p, ad) {
    var c = el("article", "card" + (ad ? " sponsored" : ""));
    c.dataset.productId = p.id;
    if (ad) { c.dataset.impressionId = ad.impression_id; c.appendChild(el("div", "ad-label", "Sponsored")); }
    var link = el("a", "card-link");
    link.href = "#/p/" + encodeURIComponent(p.id);
    if (ad) {  // the click is the advertiser's to pay for: report it (once per impression, the server makes sure)
      link.addEventListener("click", function () {
        api("POST", "/v1/ads/clicks", { impression_id: ad.impression_id }).catch(function () { /* not fatal */ });
      });
    }
    var img = el("img");
    img.src = image(p); img.alt = ""; img.loading = "lazy"; img.width = 200; img.height = 200;
    link.appendChild(img);
    link.appendChild(el("div", "title", p.title));
    c.appendChild(link);
    c.appendChild(el("div", "price", money(p)));
    var meta = p.category.split(" > ").slice(-1)[0] + (p.rating ? " · ★ " + Number(p.rating).toFixed(1) : "");
    c.appendChild(el("div", "meta", meta));
    if (!p.in_stock) c.appendChild(el("div", "sold-out", "Out of stock"));
    return c;
  }
  function listed(items) {  // API list items ({product, sponsored, ad}) as [product, ad] pairs
    return items.map(function (i) { return [i.product, i.sponsored ? i.ad : null]; });
  }

  function section(title, items, id, note) {
    var s = el("section", "row");
    if (id) s.id = id;
    var head = el("h2", null, title);
    if (note) head.appendChild(el("span", "note", " " + note));
    s.appendChild(head);
    var grid = el("div", "cards");
    items.forEach(function (p) { grid.appendChild(Array.isArray(p) ? card(p[0], p[1]) : card(p)); });
    s.appendChild(grid);
    return s;
  }

  async function loadFacets() {
    if (facetsLoaded) return;
    var facets = await api("GET", "/v1/catalog/facets");
    var list = document.getElementById("categories");
    var all = el("li"); var a0 = el("a", null, "Everything"); a0.href = "#/"; all.appendChild(a0); list.appendChild(all);
    facets.categories.forEach(function (f) {
      var li = el("li"); var a = el("a", null, f.value.split(" > ").slice(-1)[0]);
      a.href = "#/?category=" + encodeURIComponent(f.value); a.title = f.value;
      li.appendChild(a); li.appendChild(el("span", "count", f.count)); list.appendChild(li);
    });
    facetsLoaded = true;
  }

  function params() {
    var query = location.hash.indexOf("?") >= 0 ? location.hash.slice(location.hash.indexOf("?") + 1) : "";
    return new URLSearchParams(query);
  }

  // ---- views ---------------------------------------------------------------------------------------------
  async function home() {
    var p = params();
    var q = p.get("q") || "";
    var filters = new URLSearchParams();
    ["category", "min_price", "max_price", "in_stock", "sort"].forEach(function (k) { if (p.get(k)) filters.set(k, p.get(k)); });
    document.getElementById("q").value = q;
    var recsPromise = api("GET", "/v1/users/" + encodeURIComponent(config.customer) + "/recommendations?limit=8");
    var listPromise;
    if (q) {
      filters.set("q", q); filters.set("limit", "24"); filters.set("user_id", config.customer);
      listPromise = api("GET", "/v1/products/search?" + filters.toString()).then(function (r) {
        return { items: listed(r.items), total: r.items.length, personalized: r.personalized };
      });
    } else {
      filters.set("limit", "24");
      listPromise = api("GET", "/v1/products?" + filters.toString());
    }
    var results = await Promise.all([recsPromise, listPromise]);
    var recs = results[0], list = results[1];
    view.textContent = "";
    var recItems = listed(recs.items);
    var why = recs.cold_start ? "(popular right now: browse a little and this changes)" : "(from what you viewed and bought)";
    view.appendChild(section("Recommended for you", recItems, "recommended", why));
    var title = q ? "Results for “" + q + "”" : (p.get("category") ? p.get("category") : "All products");
    var grid = section(title, list.items, "grid", "(" + list.total + ")");
    view.appendChild(grid);
    if (!q && list.total > list.items.length) {
      var more = el("button", "more", "Load more");
      var offset = list.items.length;
      more.addEventListener("click", async function () {
        filters.set("offset", String(offset));
        var next = await api("GET", "/v1/products?" + filters.toString());
        next.items.forEach(function (item) { grid.querySelector(".cards").appendChild(card(item)); });
        offset += next.items.length;
        if (offset >= next.total) more.remove();
      });
      view.appendChild(more);
    }
    document.body.dataset.ready = "home";
  }

  function variantOptions(product) {
    var names = { size: ["size", "sizes"], colour: ["colour", "color", "colours", "colors"] }, out = {};
    Object.keys(names).forEach(function (key) {
      names[key].forEach(function (n) {
        var v = product.attributes[n];
        if (!out[key] && v !== undefined) out[key] = Array.isArray(v) ? v.map(String) : [String(v)];
      });
    });
    return out;
  }

  async function productPage(id) {
    var product = await api("GET", "/v1/products/" + encodeURIComponent(id));
    record("view", product.id).catch(function () { /* a view not recorded is no error for the shopper */ });
    view.textContent = "";
    var page = el("div", "product"); page.dataset.productId = product.id;
    var img = el("img"); img.src = image(product); img.alt = ""; img.width = 360; img.height = 360;
    page.appendChild(img);
    var info = el("div", "info");
    info.appendChild(el("h1", null, product.title));
    info.appendChild(el("div", "price", money(product)));
    info.appendChild(el("p", "meta", product.category + (product.brand ? " · " + product.brand : "")));
    info.appendChild(el("p", null, product.description));
    var options = variantOptions(product), selects = {};
    Object.keys(options).forEach(function (key) {
      var label = el("label", "variant", key + " ");
      var select = el("select"); select.name = key;
      options[key].forEach(function (v) { var o = el("option", null, v); o.value = v; select.appendChild(o); });
      label.appendChild(select); info.appendChild(label); selects[key] = select;
    });
    var add = el("button", "add-to-cart", product.in_stock ? "Add to cart" : "Out of stock");
    add.disabled = !product.in_stock;
    var status = el("div", "status");
    add.addEventListener("click", async function () {
      add.disabled = true;
      var variant = {};
      Object.keys(selects).forEach(function (k) { variant[k] = selects[k].value; });
      try { await addToCart(product, variant, 1); status.textContent = "Added to your cart."; }
      catch (e) { status.textContent = "Could not add it: " + e.message; }
      finally { add.disabled = false; }
    });
    info.appendChild(add); info.appendChild(status);
    page.appendChild(info);
    view.appendChild(page);
    var similar = await api("GET", "/v1/products/" + encodeURIComponent(product.id) + "/similar?limit=6");
    view.appendChild(section("You may also like", similar.items.map(function (i) { return i.product; }), "similar"));
    document.body.dataset.ready = "product";
  }

  async function cartPage() {
    var cart = await currentCart(false);
    showCount(cart);
    view.textContent = "";
    view.appendChild(el("h1", null, "Your cart"));
    if (!cart || !cart.lines.length) {
      view.appendChild(el("p", "empty", "Your cart is empty."));
      document.body.dataset.ready = "cart";
      return;
    }
    var table = el("table", "lines");
    cart.lines.forEach(function (line) {
      var row = el("tr", "line"); row.dataset.productId = line.product_id;
      var name = el("td"); var a = el("a", null, line.title); a.href = "#/p/" + encodeURIComponent(line.product_id); name.appendChild(a);
      var variant = Object.keys(line.variant).map(function (k) { return line.variant[k]; }).join(", ");
      if (variant) name.appendChild(el("div", "meta", variant));
      row.appendChild(name);
      row.appendChild(el("td", "qty", line.quantity + " × " + Number(line.unit_price).toFixed(2)));
      row.appendChild(el("td", "total", Number(line.line_total).toFixed(2)));
      var remove = el("button", "remove", "Remove");
      remove.addEventListener("click", async function () {
        await fetch(apiBase + "/v1/carts/" + encodeURIComponent(cart.id) + "/lines/" + encodeURIComponent(line.id),
                    { method: "DELETE", headers: { "Authorization": "Bearer " + config.token } });
        route();
      });
      var cell = el("td"); cell.appendChild(remove); row.appendChild(cell);
      table.appendChild(row);
    });
    view.appendChild(table);
    view.appendChild(el("p", "subtotal", "Subtotal: " + Number(cart.subtotal).toFixed(2) + " " + cart.currency));
    var checkout = el("a", "checkout", "Checkout at the shop");
    checkout.href = /^https?:\/\//.test(cart.checkout_url) ? cart.checkout_url : "#/cart";
    checkout.target = "_blank"; checkout.rel = "noopener";
    view.appendChild(checkout);
    var order = el("button", "demo-order", "Place a demo order");
    view.appendChild(order);
    view.appendChild(el("p", "note", "Demo only: records each line as a purchase for the recommender and empties the cart; no payment."));
    order.addEventListener("click", async function () {
      order.disabled = true;
      var events = cart.lines.map(function (l) {
        return { event_id: uid("purchase"), user_id: config.customer, product_id: l.product_id, type: "purchase", value: l.quantity };
      });
      await api("POST", "/v1/events", { events: events });
      keepCart(null);
      showCount(null);
      location.hash = "#/";
    });
    document.body.dataset.ready = "cart";
  }

  async function route() {
    delete document.body.dataset.ready;
    var hash = location.hash || "#/";
    try {
      await loadFacets();
      if (hash.indexOf("#/p/") === 0) await productPage(decodeURIComponent(hash.slice(4)));
      else if (hash === "#/cart") await cartPage();
      else await home();
    } catch (e) {
      view.textContent = "";
      view.appendChild(el("p", "error", "Something went wrong: " + e.message));
      document.body.dataset.ready = "error";
    }
  }

  document.getElementById("search").addEventListener("submit", function (event) {
    event.preventDefault();
    var q = document.getElementById("q").value.trim();
    location.hash = q ? "#/?q=" + encodeURIComponent(q) : "#/";
  });
  document.getElementById("filters-form").addEventListener("submit", function (event) {
    event.preventDefault();
    var p = params(), form = event.target;
    ["min_price", "max_price", "sort"].forEach(function (k) { if (form[k].value) p.set(k, form[k].value); else p.delete(k); });
    if (form.in_stock.checked) p.set("in_stock", "true"); else p.delete("in_stock");
    location.hash = "#/?" + p.toString();
  });
  window.addEventListener("hashchange", route);
  currentCart(false).then(showCount).catch(function () { /* the count stays 0 */ });
  route();
})();
