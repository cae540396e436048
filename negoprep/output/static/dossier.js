// negoprep dossier reading page: open a citation's passage beside the dossier, its quote highlighted.
// Highlights come only from the positions grounding matched (data-check on the citation, data-checks
// on the passage's pieces); an unverified quote opens its passage without a highlight.
(function () {
  "use strict";
  function ready(fn) {
    if (document.readyState !== "loading") fn();
    else document.addEventListener("DOMContentLoaded", fn);
  }
  ready(function () {
    var pane = document.getElementById("source-passages");
    if (!pane) return;
    var status = pane.querySelector(".pane-status");
    var close = pane.querySelector(".pane-close");
    var docs = pane.querySelectorAll(".doc");

    function clear() {
      pane.querySelectorAll(".q.hl").forEach(function (el) { el.classList.remove("hl"); });
      pane.querySelectorAll(".passage.active").forEach(function (el) { el.classList.remove("active"); });
      document.querySelectorAll(".cite.active").forEach(function (el) { el.classList.remove("active"); });
    }

    function open(link) {
      var passage = document.getElementById(link.getAttribute("data-source"));
      if (!passage) return false;
      clear();
      docs.forEach(function (d) { d.classList.toggle("shown", d.contains(passage)); });
      passage.classList.add("active");
      link.classList.add("active");
      var check = link.getAttribute("data-check");
      var marked = [];
      if (check !== null) {
        passage.querySelectorAll(".q").forEach(function (el) {
          if ((el.getAttribute("data-checks") || "").indexOf(" " + check + " ") >= 0) {
            el.classList.add("hl");
            marked.push(el);
          }
        });
      }
      status.hidden = false;
      status.textContent = marked.length ? status.getAttribute("data-highlighted") : status.getAttribute("data-unverified");
      status.classList.toggle("warn", !marked.length);
      pane.classList.add("open", "focused");
      close.hidden = false;
      (marked[0] || passage).scrollIntoView({ block: "center", behavior: "smooth" });
      return true;
    }

    document.addEventListener("click", function (event) {
      var link = event.target.closest ? event.target.closest("a.cite[data-source]") : null;
      if (link && open(link)) event.preventDefault();
    });
    close.addEventListener("click", function () {
      clear();
      pane.classList.remove("open", "focused");
      close.hidden = true;
      status.hidden = true;
    });
    // A link to a citation (page.html#cite-12) opens it, so a citation can be shared.
    var linked = /^#cite-\d+$/.test(location.hash) && document.getElementById(location.hash.slice(1));
    if (linked && linked.hasAttribute("data-source")) {
      open(linked);
      linked.scrollIntoView({ block: "center" });
    }
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && pane.classList.contains("open")) close.click();
    });
  });
})();
