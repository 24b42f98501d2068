/* Drafts of long forms, kept in this browser tab (sessionStorage) while the user types, so
 * that what was entered is not lost when a submission fails (the database is unavailable,
 * the connection drops) and the form is shown again. Declared in the markup, no inline
 * script (the Content Security Policy forbids them):
 *
 *   <form data-draft-key="report:12:34:2022Q3"      one key per record being edited
 *         data-draft-version-field="row_version">   the record's version field
 *     <div data-draft-notice hidden>…</div>         shown when typed values were restored
 *
 * The draft remembers the version the form was opened at. When the form is shown again at
 * the same version (the save did not happen), the typed values come back; when the version
 * moved (the save succeeded, or someone else saved), the draft is dropped. Passwords, files
 * and hidden fields are never kept. Nothing leaves the browser; closing the tab forgets it.
 */
(function () {
  "use strict";

  var PREFIX = "kaoping-draft:";
  var SKIPPED = ["hidden", "file", "password", "submit", "button", "reset", "image"];

  function store() {
    try {
      return window.sessionStorage;
    } catch (error) {
      return null; // storage disabled: the form works as before
    }
  }

  function keeps(field) {
    if (!field.name || field.disabled || field.name === "csrfmiddlewaretoken") {
      return false;
    }
    if (field.tagName === "TEXTAREA" || field.tagName === "SELECT") {
      return true;
    }
    return field.tagName === "INPUT" && SKIPPED.indexOf((field.type || "").toLowerCase()) < 0;
  }

  function version(form) {
    var name = form.getAttribute("data-draft-version-field");
    var field = name ? form.elements.namedItem(name) : null;
    return field && "value" in field ? field.value : "";
  }

  function values(form) {
    var result = {};
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keeps(field)) {
        return;
      }
      if (field.type === "checkbox" || field.type === "radio") {
        result[field.name] = result[field.name] || [];
        if (field.checked) {
          result[field.name].push(field.value);
        }
      } else {
        result[field.name] = field.value;
      }
    });
    return result;
  }

  function save(form) {
    var storage = store();
    if (!storage) {
      return;
    }
    var draft = { version: version(form), values: values(form) };
    try {
      storage.setItem(PREFIX + form.getAttribute("data-draft-key"), JSON.stringify(draft));
    } catch (error) {
      // storage full: keep working without a draft
    }
  }

  function restore(form) {
    var storage = store();
    if (!storage) {
      return;
    }
    var key = PREFIX + form.getAttribute("data-draft-key");
    var draft;
    try {
      draft = JSON.parse(storage.getItem(key) || "null");
    } catch (error) {
      draft = null;
    }
    if (!draft || typeof draft.values !== "object") {
      return;
    }
    if (draft.version !== version(form)) {
      storage.removeItem(key); // saved since (by this user or another): the draft is stale
      return;
    }
    var restored = false;
    Array.prototype.forEach.call(form.elements, function (field) {
      if (!keeps(field) || !(field.name in draft.values)) {
        return;
      }
      var kept = draft.values[field.name];
      if (field.type === "checkbox" || field.type === "radio") {
        var checked = Array.isArray(kept) && kept.indexOf(field.value) >= 0;
        restored = restored || field.checked !== checked;
        field.checked = checked;
      } else if (typeof kept === "string" && field.value !== kept) {
        field.value = kept;
        restored = true;
      }
    });
    var notice = form.querySelector("[data-draft-notice]");
    if (restored && notice) {
      notice.hidden = false;
    }
  }

  function draftForm(target) {
    return target instanceof Element ? target.closest("form[data-draft-key]") : null;
  }

  function onEdit(event) {
    var form = draftForm(event.target);
    if (form && keeps(event.target)) {
      save(form);
    }
  }

  document.addEventListener("input", onEdit);
  document.addEventListener("change", onEdit);

  function restoreAll() {
    document.querySelectorAll("form[data-draft-key]").forEach(restore);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", restoreAll);
  } else {
    restoreAll();
  }
})();
