/* Kaoping charts: draws the ECharts options a page puts in json_script elements.
 *
 * Markup: <div data-chart="ID" role="img" aria-label="…"></div> and, from the view,
 * {{ option|json_script:"ID" }}. Options are plain JSON (no functions), so a Content Security
 * Policy can forbid inline script. Conventions added to ECharts' options:
 *   kpHeight      the chart's height in pixels, 320 if absent (removed before ECharts sees it);
 *   data[i].url   a click on that mark opens the page the figure came from.
 * Animation is off under automation (navigator.webdriver) and for reduced motion; charts
 * resize with the window. (Selects marked data-autosubmit are kaoping.js's, on every page.)
 */
(function () {
  "use strict";

  var FONT = '"PingFang SC", "Microsoft YaHei", "Noto Sans CJK SC", "Source Han Sans SC", ' +
    '"WenQuanYi Zen Hei", system-ui, sans-serif';
  var still = Boolean(navigator.webdriver) ||
    Boolean(window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches);
  var charts = [];

  function hasUrl(params) {
    return Boolean(params && params.data && typeof params.data.url === "string" &&
      params.data.url.charAt(0) === "/" && params.data.url.charAt(1) !== "/");
  }

  function draw(element) {
    var source = document.getElementById(element.getAttribute("data-chart"));
    if (!source || !window.echarts) {
      return;
    }
    var option = JSON.parse(source.textContent);
    element.style.height = (option.kpHeight || 320) + "px";
    delete option.kpHeight;
    if (still) {
      option.animation = false;
    }
    option.textStyle = Object.assign({ fontFamily: FONT }, option.textStyle || {});
    var chart = window.echarts.init(element, null, { renderer: "canvas" });
    chart.setOption(option);
    fitTitle(chart, element);
    chart.on("click", function (params) {
      if (hasUrl(params)) {
        window.location.assign(params.data.url);
      }
    });
    // A pointer only over marks that lead somewhere.
    chart.on("mouseover", function (params) {
      chart.getZr().setCursorStyle(hasUrl(params) ? "pointer" : "default");
    });
    charts.push(chart);
  }

  // A long title is cut with an ellipsis rather than run out of a narrow chart (the full
  // title is the element's aria-label and the card around it says what the chart shows).
  function fitTitle(chart, element) {
    var title = chart.getOption().title;
    if (title && title.length && title[0].text) {
      chart.setOption({
        title: { textStyle: { width: Math.max(element.clientWidth - 8, 80), overflow: "truncate" } },
      });
    }
  }

  function resizeAll() {
    charts.forEach(function (chart) {
      chart.resize();
      fitTitle(chart, chart.getDom());
    });
  }

  function start() {
    document.querySelectorAll("[data-chart]").forEach(draw);
    var pending = null;
    window.addEventListener("resize", function () {
      window.clearTimeout(pending);
      pending = window.setTimeout(resizeAll, 100);
    });
    document.documentElement.setAttribute("data-charts-ready", String(charts.length));
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
