// Cotizador's only hand-written script. Everything works without it; it adds
// the collapsible phone menu and makes htmx failures visible (htmx 2 does
// not swap error responses, so without this a failed request looks like
// nothing happened).
(function () {
  "use strict";
  document.documentElement.classList.remove("no-js");
  document.documentElement.classList.add("js");

  function setupMenu() {
    var toggle = document.querySelector(".nav-toggle");
    var nav = document.getElementById("site-nav");
    if (!toggle || !nav) return;
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = toggle.getAttribute("aria-expanded") === "true";
      toggle.setAttribute("aria-expanded", open ? "false" : "true");
      nav.classList.toggle("open", !open);
    });
  }

  // Shows a server error message, or a generic one, in the flash area.
  function showError(html, fallback) {
    var area = document.getElementById("flash");
    if (!area) return;
    var box = document.createElement("div");
    if (html && html.indexOf("flash-error") !== -1) {
      box.innerHTML = html;
    } else {
      var p = document.createElement("p");
      p.className = "flash flash-error";
      p.setAttribute("role", "alert");
      p.textContent = fallback;
      box.appendChild(p);
    }
    area.replaceChildren.apply(area, Array.prototype.slice.call(box.childNodes));
  }

  // Controls that only make sense with JavaScript start hidden.
  function showJSOnly(root) {
    root.querySelectorAll("[data-js-only]").forEach(function (el) { el.hidden = false; });
  }

  // A BOM row's "Quitar" button removes the row; without JavaScript the
  // same is done by choosing no material.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-remove-row]");
    if (!btn) return;
    var row = btn.closest("tr");
    if (row) row.remove();
  });

  // Quote editor: removing a line drops its fieldset and reprices the rest
  // (the rates section's change handler asks for a full recalculation).
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-remove-line]");
    if (!btn) return;
    var line = btn.closest("fieldset");
    if (line) line.remove();
    var rates = document.getElementById("quote-rates");
    if (rates && window.htmx) htmx.trigger(rates, "change");
  });

  // Picking a customer from the suggestions fills the quote's customer.
  document.addEventListener("click", function (e) {
    var pick = e.target.closest("#customer-suggestions [data-id]");
    if (!pick) return;
    e.preventDefault();
    var fields = { customer_id: "id", customer_name: "name", customer_phone: "phone", customer_email: "email", customer_rfc: "rfc", customer_address: "address" };
    Object.keys(fields).forEach(function (id) {
      var el = document.getElementById(id);
      var v = pick.getAttribute("data-" + fields[id]);
      if (el && v !== null) el.value = v;
    });
    document.getElementById("customer-suggestions").replaceChildren();
  });
  // Typing a different name forgets the customer picked before.
  document.addEventListener("input", function (e) {
    if (e.target.id === "customer_name") {
      var id = document.getElementById("customer_id");
      if (id) id.value = "";
    }
  });

  // A field that gets focus is scrolled above the editor's save bar, so the
  // bar never covers what is being typed (nor takes a tap meant for it).
  document.addEventListener("focusin", function (e) {
    var bar = document.querySelector(".sticky-actions");
    if (!bar || !e.target.closest("#quote-form") || e.target.closest(".sticky-actions")) return;
    var below = e.target.getBoundingClientRect().bottom - bar.getBoundingClientRect().top + 12;
    if (below > 0) window.scrollBy(0, below);
  });

  // In the quote editor Enter must not submit (it would save half-typed
  // lines); prices update as you type.
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Enter" || !e.target.closest("#quote-form")) return;
    if (e.target.tagName === "INPUT" && e.target.type !== "submit") e.preventDefault();
  });

  // Forms that end something (cancel, reject, turn a link off) ask first.
  // Without JavaScript they submit directly; the server still checks
  // that the change is allowed.
  document.addEventListener("submit", function (e) {
    var form = e.target.closest("form[data-confirm]");
    if (!form) return;
    if (!window.confirm(form.getAttribute("data-confirm"))) {
      e.preventDefault();
      return;
    }
    // Confirmed here: the server need not ask again.
    if (form.elements.confirmado) form.elements.confirmado.value = "1";
  });

  // "Imprimir" on the printable pages (cut list, shopping list): the
  // button shows only with JavaScript; without it the browser's own print
  // prints the same page.
  document.addEventListener("click", function (e) {
    if (e.target.closest("[data-print]")) window.print();
  });

  // "Copiar enlace": the link's text box is there (and selectable) without
  // JavaScript too.
  document.addEventListener("click", function (e) {
    var btn = e.target.closest("[data-copy]");
    if (!btn) return;
    var field = document.querySelector(btn.getAttribute("data-copy"));
    if (!field) return;
    field.select();
    var done = function () { btn.textContent = btn.getAttribute("data-copied") || btn.textContent; };
    if (navigator.clipboard) navigator.clipboard.writeText(field.value).then(done, function () {});
  });

  document.addEventListener("DOMContentLoaded", function () {
    setupMenu();
    showJSOnly(document);
  });
  document.addEventListener("htmx:load", function (e) { showJSOnly(e.detail.elt.parentNode || document); });
  document.addEventListener("htmx:responseError", function (e) {
    var xhr = e.detail.xhr;
    showError(xhr && xhr.responseText, document.body.dataset.errorGeneric || "Error");
  });
  document.addEventListener("htmx:sendError", function () {
    showError("", document.body.dataset.errorNetwork || "Sin conexión");
  });
})();
