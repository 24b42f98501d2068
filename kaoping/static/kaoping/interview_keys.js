/* The survey answer screen (surveys/interview.html, interview_correct.html) by keyboard: in a
 * focused row, keys 1–9 choose that option and 0 clears the row; Enter moves to the next row
 * (Tab works as usual). Skip logic shows or hides the questions that depend on an answer as it
 * changes (the server applies the same rule). */
(function () {
  "use strict";

  function start() {
    var form = document.getElementById("kp-answers");
    if (!form) return;
    function rows() {
      return Array.prototype.filter.call(form.querySelectorAll("[data-row], textarea.kp-text"), function (r) {
        return !r.closest(".kp-question").hidden;
      });
    }
    function focusRow(row) {
      if (!row) return;
      if (row.tagName === "TEXTAREA") { row.focus(); return; }
      var target = row.querySelector("input[type=radio]:checked") || row.querySelector("input[type=radio]");
      if (target) target.focus();
    }
    function answers(section) {
      var given = [];
      section.querySelectorAll("input[type=radio]:checked").forEach(function (r) { given.push(r.value); });
      section.querySelectorAll("textarea").forEach(function (t) { if (t.value.trim()) given.push(t.value.trim()); });
      return given;
    }
    function applySkips() {
      var sections = {};
      form.querySelectorAll(".kp-question").forEach(function (section) {
        var parent = section.dataset.showIf;
        if (parent) {
          var p = sections[parent];
          var shown = false;
          if (p && !p.hidden) {
            var wanted = JSON.parse(section.querySelector("script[type='application/json']").textContent);
            var given = answers(p);
            shown = given.length > 0 && (wanted.length === 0 || given.some(function (v) { return wanted.indexOf(v) >= 0; }));
          }
          section.hidden = !shown;
        }
        sections[section.dataset.number] = section;
      });
    }
    form.addEventListener("change", applySkips);
    form.addEventListener("input", function (event) { if (event.target.tagName === "TEXTAREA") applySkips(); });
    form.addEventListener("keydown", function (event) {
      var target = event.target;
      if (target.type !== "radio") {
        if (event.key === "Enter" && target.tagName === "TEXTAREA" && !event.shiftKey) {
          event.preventDefault();
          var list = rows();
          focusRow(list[list.indexOf(target) + 1]);
        }
        return;
      }
      var row = target.closest("[data-row]");
      if (!row) return;
      if (/^[0-9]$/.test(event.key)) {
        var radios = row.querySelectorAll("input[type=radio]");
        if (event.key === "0") {
          radios.forEach(function (r) { r.checked = false; });
        } else {
          var choice = radios[Number(event.key) - 1];
          if (!choice) return;
          choice.checked = true;
          choice.focus();
        }
        event.preventDefault();
        applySkips();
        return;
      }
      if (event.key === "Enter") {
        event.preventDefault();
        var all = rows();
        focusRow(all[all.indexOf(row) + 1]);
      }
    });
    applySkips();
    focusRow(rows()[0]);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
