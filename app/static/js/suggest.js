// Suggestions while typing, for search fields with data-suggest. Without JavaScript the search
// form works the same, just without suggestions.
(function () {
  document.querySelectorAll("input[data-suggest]").forEach(function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    var timer = null;
    var last = "";
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () {
        var q = input.value.trim();
        if (q.length < 2 || q === last) return;
        last = q;
        fetch(input.dataset.suggest + "?q=" + encodeURIComponent(q), { credentials: "same-origin" })
          .then(function (r) { return r.ok ? r.json() : { items: [], terms: [] }; })
          .then(function (data) {
            list.textContent = "";
            var words = q.split(/\s+/).slice(0, -1).join(" ");
            data.terms.forEach(function (term) {
              var option = document.createElement("option");
              option.value = (words ? words + " " : "") + term;
              list.appendChild(option);
            });
            data.items.forEach(function (item) {
              var option = document.createElement("option");
              option.value = item.title;
              list.appendChild(option);
            });
          })
          .catch(function () {});
      }, 150);
    });
  });
})();
