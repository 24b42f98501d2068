/* The indicator form (plans/indicator_form.html): under the scoring rule, the parameters the
 * chosen rule takes. The rules' parameters come from the json_script element named by the help
 * box's data-params; its data-* attributes carry the translated words. */
(function () {
  "use strict";

  function start() {
    var help = document.getElementById("kp-rule-help");
    if (!help) {
      return;
    }
    var source = document.getElementById(help.getAttribute("data-params"));
    var select = document.getElementById(help.getAttribute("data-rule-select"));
    if (!source || !select) {
      return;
    }
    var specs = JSON.parse(source.textContent);
    var words = help.dataset;

    function show() {
      var list = specs[select.value] || [];
      help.textContent = "";
      if (!list.length) {
        help.textContent = words.none;
        return;
      }
      var title = document.createElement("div");
      title.textContent = words.head;
      help.appendChild(title);
      var ul = document.createElement("ul");
      ul.className = "mb-0";
      list.forEach(function (p) {
        var li = document.createElement("li");
        var code = document.createElement("code");
        code.textContent = p.key;
        li.appendChild(code);
        var note = "";
        if (p.required) {
          note = " (" + words.required + ")";
        } else if (p.default) {
          note = " (" + words.default + " " + p.default + ")";
        }
        li.appendChild(document.createTextNode(" " + p.label + note));
        ul.appendChild(li);
      });
      help.appendChild(ul);
    }

    select.addEventListener("change", show);
    show();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
