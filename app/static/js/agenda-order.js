// Reordering the agenda without a page load per step: drag a point to another place (or to the
// other part, Bespreken or Ter kennisname), or use its Omhoog and Omlaag buttons, which then
// move it at once and keep the keyboard focus on it. Each change is saved right away as the
// whole order; a screen reader hears where the point went. Without JavaScript the buttons post
// their forms as before, one step per page load.
(function () {
  var lists = Array.prototype.slice.call(document.querySelectorAll("ol[data-reorder]"));
  if (!lists.length) return;
  var announce = document.getElementById("agenda-announce");
  var url = lists[0].dataset.reorder;
  var busy = false;
  document.querySelectorAll(".kb-js-only").forEach(function (el) { el.hidden = false; });
  var earlier = null;
  try { earlier = sessionStorage.getItem("agenda-order-error"); sessionStorage.removeItem("agenda-order-error"); } catch (e) { /* private mode */ }
  if (earlier) {
    var note = document.createElement("p");
    note.className = "utrecht-paragraph kb-order-error";
    note.setAttribute("role", "alert");
    note.textContent = "Niet opgeslagen: " + earlier;
    lists[0].parentNode.insertBefore(note, lists[0].previousElementSibling || lists[0]);
  }

  function lines() {
    var out = [];
    lists.forEach(function (list) {
      list.querySelectorAll("li[data-entry]").forEach(function (li) { out.push([li, list.dataset.section]); });
    });
    return out;
  }

  function renumber() {
    lines().forEach(function (pair, index) {
      var li = pair[0], position = String(index + 1);
      var number = li.querySelector(".kb-agenda__number");
      if (number) number.textContent = position;
      // What a screen reader hears follows the new place: "Punt 2: …", "Omhoog: punt 2".
      var hidden = li.querySelector(".kb-agenda__title .visually-hidden");
      if (hidden) hidden.textContent = "Punt " + position + ": ";
      li.querySelectorAll("form[data-move] button").forEach(function (button) {
        var label = button.getAttribute("aria-label");
        if (label) button.setAttribute("aria-label", label.replace(/punt \d+$/, "punt " + position));
      });
    });
    lists.forEach(function (list) {
      var empty = list.querySelector(".kb-agenda-edit__empty");
      var items = list.querySelectorAll("li[data-entry]");
      if (empty) empty.hidden = items.length > 0;
      // No Omhoog on the first point of a part, no Omlaag on the last.
      items.forEach(function (li, n) {
        li.querySelectorAll("form[data-move]").forEach(function (form) {
          form.hidden = (form.dataset.move === "omhoog" && n === 0) || (form.dataset.move === "omlaag" && n === items.length - 1);
        });
      });
    });
    // The minutes to discuss, against the time there is.
    var planned = document.getElementById("timing-planned");
    if (planned) {
      var total = 0;
      lines().forEach(function (pair) { if (pair[1] === "bespreken") total += Number(pair[0].dataset.minutes || 0); });
      planned.textContent = String(total);
    }
  }

  function say(li) {
    var all = lines();
    var index = all.findIndex(function (pair) { return pair[0] === li; });
    var title = li.querySelector(".kb-agenda__title");
    var part = document.getElementById("deel-" + all[index][1]);
    announce.textContent = (title ? title.textContent.replace(/^Punt \d+: /, "") : "Punt") +
      " staat nu op plaats " + (index + 1) + (part ? ", " + part.textContent : "") + ".";
  }

  function version() {
    var field = document.querySelector("input[name=version]");
    return field ? field.value : "";
  }

  function save(li) {
    var form = document.querySelector("form.kb-plan-form");
    if (!form || busy) return;
    busy = true;
    var data = new FormData();
    var token = form.querySelector("input[type=hidden]");
    data.append(token.name, token.value);
    data.append("actie", "volgorde");
    data.append("version", version());
    data.append("order", lines().map(function (pair) { return pair[0].dataset.entry + ":" + pair[1]; }).join(","));
    fetch(url, { method: "POST", body: data, credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) {
        if (!response.ok) {
          return response.json().then(function (body) {
            var detail = body && body.detail;
            var message = Array.isArray(detail) ? detail.map(function (d) { return d.message; }).join(" ") : String(detail || "");
            throw new Error(message || "De volgorde is niet opgeslagen.");
          }, function () { throw new Error("De volgorde is niet opgeslagen."); });
        }
        return response.json();
      })
      .then(function (body) {
        document.querySelectorAll("input[name=version]").forEach(function (field) { field.value = body.version; });
        busy = false;
        if (li) say(li);
      })
      .catch(function (error) {
        // The page shows the stored order again, and after loading says why this one was not kept.
        try { sessionStorage.setItem("agenda-order-error", error.message); } catch (e) { /* private mode */ }
        window.location.reload();
      });
  }

  function move(li, step) {
    var all = lines().map(function (pair) { return pair[0]; });
    var list = li.parentElement;
    var siblings = Array.prototype.slice.call(list.querySelectorAll("li[data-entry]"));
    var index = siblings.indexOf(li);
    var target = siblings[index + step];
    if (!target) return;
    list.insertBefore(li, step < 0 ? target : target.nextSibling);
    renumber();
    save(li);
    return all;
  }

  renumber();
  lists.forEach(function (list) {
    list.querySelectorAll("form[data-move]").forEach(function (form) {
      var step = form.dataset.move === "omhoog" ? -1 : form.dataset.move === "omlaag" ? 1 : 0;
      if (!step) return;
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var li = form.closest("li[data-entry]");
        move(li, step);
        // The focus stays on the point: on the same button, or (now first or last, where that
        // button is gone) on the other move button.
        var target = form.hidden ? li.querySelector("form[data-move]:not([hidden]) button") : form.querySelector("button");
        if (target) target.focus();
      });
    });
    list.querySelectorAll("li[data-entry]").forEach(function (li) {
      li.draggable = true;
      li.addEventListener("dragstart", function (event) {
        event.dataTransfer.effectAllowed = "move";
        event.dataTransfer.setData("text/plain", li.dataset.entry);
        li.classList.add("kb-dragging");
      });
      li.addEventListener("dragend", function () { li.classList.remove("kb-dragging"); });
    });
    list.addEventListener("dragover", function (event) {
      event.preventDefault();
      var dragged = document.querySelector(".kb-dragging");
      if (!dragged) return;
      var after = Array.prototype.slice.call(list.querySelectorAll("li[data-entry]:not(.kb-dragging)"))
        .find(function (li) { var box = li.getBoundingClientRect(); return event.clientY < box.top + box.height / 2; });
      list.insertBefore(dragged, after || null);
    });
    list.addEventListener("drop", function (event) {
      event.preventDefault();
      var dragged = document.querySelector(".kb-dragging");
      renumber();
      if (dragged) save(dragged);
    });
  });
})();
