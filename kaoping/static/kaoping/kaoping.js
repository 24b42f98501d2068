/* Kaoping's page behaviours, declared in the markup with data attributes so that no template
 * needs an inline script or an on*="" handler (the Content Security Policy forbids both).
 * Loaded by base.html on every page; handlers are delegated from the document, so content
 * htmx swaps in later behaves the same.
 *
 *   <form data-confirm="Text">            asks before the form is submitted;
 *   <button data-confirm="Text">          asks before this button submits its form;
 *   <select data-autosubmit>              submits its form on change; with
 *          data-resets="field"            that field of the form is left out (disabled);
 *   <button data-history-back>            goes back one page;
 *   <input type=checkbox data-check-all=".selector">  ticks or clears every box it names;
 *   <div data-shown-by="ID" data-shown-value="v">     shown only while the control with
 *                                         that id has the value v.
 */
(function () {
  "use strict";

  function confirmed(element, event) {
    var message = element.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
      return false;
    }
    return true;
  }

  // A button's own question is asked on its click; the form's question on the submission.
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) {
      return;
    }
    var button = target.closest("button[data-confirm], input[type=submit][data-confirm]");
    if (button && !button.disabled) {
      confirmed(button, event);
      return;
    }
    if (target.closest("[data-history-back]")) {
      event.preventDefault();
      window.history.back();
    }
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form instanceof HTMLFormElement && form.hasAttribute("data-confirm")) {
      confirmed(form, event);
    }
  });

  function submit(form) {
    if (form.requestSubmit) {
      form.requestSubmit();
    } else {
      form.submit();
    }
  }

  function syncShown(root) {
    root.querySelectorAll("[data-shown-by]").forEach(function (element) {
      var control = document.getElementById(element.getAttribute("data-shown-by"));
      if (control) {
        element.hidden = control.value !== element.getAttribute("data-shown-value");
      }
    });
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (!(target instanceof Element)) {
      return;
    }
    if (target.matches("select[data-autosubmit]") && target.form) {
      var reset = target.getAttribute("data-resets");
      if (reset && target.form.elements[reset]) {
        target.form.elements[reset].disabled = true; // a new plan starts at its latest period
      }
      submit(target.form);
      return;
    }
    if (target.matches("input[type=checkbox][data-check-all]")) {
      document.querySelectorAll(target.getAttribute("data-check-all")).forEach(function (box) {
        if (!box.disabled) {
          box.checked = target.checked;
        }
      });
    }
    if (target.id) {
      syncShown(document);
    }
  });

  function start() {
    syncShown(document);
    document.documentElement.setAttribute("data-kaoping-ready", "true");
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
