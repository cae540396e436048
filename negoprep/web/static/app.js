/* negoprep web app: the drop zones show that files are being dragged over them, and which files
   were chosen. The native file input takes the dropped files; this only shows what it holds. */
(function () {
  "use strict";
  function setUp(zone) {
    var input = zone.querySelector("input[type=file]");
    if (!input) { return; }
    var list = document.createElement("span");
    list.className = "drop-files";
    zone.appendChild(list);
    ["dragenter", "dragover"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.add("dragging"); });
    });
    ["dragleave", "drop"].forEach(function (name) {
      zone.addEventListener(name, function () { zone.classList.remove("dragging"); });
    });
    input.addEventListener("change", function () {
      var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
      list.textContent = names.length ? names.length + " file(s): " + names.join(", ") : "";
    });
  }
  document.addEventListener("DOMContentLoaded", function () {
    Array.prototype.forEach.call(document.querySelectorAll(".dropzone"), setUp);
  });
})();
