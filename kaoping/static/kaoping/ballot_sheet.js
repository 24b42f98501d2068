/* The leader-rating ballot sheet by keyboard (appraisal/sheet.html): in a score sheet, Enter
 * moves to the next unit's score; in a vote sheet, keys 1–4 choose a level in the focused row. */
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("kp-sheet");
    if (!form) {
      return;
    }
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (event.key === "Enter" && target.classList.contains("kp-score")) {
        event.preventDefault();
        var inputs = Array.prototype.slice.call(form.querySelectorAll("input.kp-score"));
        var next = inputs[inputs.indexOf(target) + 1];
        if (next) {
          next.focus();
          next.select();
        }
        return;
      }
      if (target.type === "radio" && /^[1-4]$/.test(event.key)) {
        var row = target.closest("[data-row]");
        var radios = row.querySelectorAll("input[type=radio]");
        var choice = radios[Number(event.key) - 1];
        if (choice) {
          choice.checked = true;
          choice.focus();
          event.preventDefault();
        }
      }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
