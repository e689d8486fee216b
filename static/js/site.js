// Small progressive enhancements. Every page also works without JavaScript.
document.addEventListener("DOMContentLoaded", function () {
  // Buttons that submit a form once: a double tap must not send twice.
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function () {
      form.querySelectorAll("button[type=submit]").forEach(function (b) {
        window.setTimeout(function () { b.disabled = true; }, 0);
      });
    });
  });
  // Tables with a header row stack into labelled rows on phones (site.css).
  document.querySelectorAll("main table").forEach(function (table) {
    var head = table.tHead ? table.tHead.rows[0] : null;
    if (!head || head.cells.length < 3) { return; }
    var labels = Array.prototype.map.call(head.cells, function (c) { return c.textContent.trim(); });
    Array.prototype.forEach.call(table.tBodies, function (body) {
      Array.prototype.forEach.call(body.rows, function (row) {
        Array.prototype.forEach.call(row.cells, function (cell, i) {
          if (labels[i] && !cell.hasAttribute("data-label")) { cell.setAttribute("data-label", labels[i]); }
        });
      });
    });
    table.classList.add("stack");
  });
});

// Copy buttons: <button data-copy-target="ID" data-copied-text="コピーしました">.
// Without JavaScript (or clipboard access) the text stays there to select by hand.
document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-copy-target]");
  if (!button || !navigator.clipboard) { return; }
  var source = document.getElementById(button.dataset.copyTarget);
  if (!source) { return; }
  var label = button.textContent;
  navigator.clipboard.writeText(source.value !== undefined ? source.value : source.textContent).then(function () {
    button.textContent = button.dataset.copiedText || "コピーしました";
    window.setTimeout(function () { button.textContent = label; }, 2500);
  });
});
